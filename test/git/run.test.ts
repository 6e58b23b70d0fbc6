import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitEnvironment, hardenedArgs, HARDENED_CONFIG, runGit } from '../../src/git/run.js';
import { gitRepo } from '../helpers/git-repo.js';

describe('gitEnvironment', () => {
  it('keeps only what git needs to find itself and the user configuration, and adds the hardening', () => {
    const env = gitEnvironment({
      PATH: '/usr/bin',
      HOME: '/home/maracker',
      XDG_CONFIG_HOME: '/home/maracker/.config',
      GIT_DIR: '/elsewhere',
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'core.fsmonitor',
      GIT_CONFIG_VALUE_0: 'touch /tmp/x',
      GIT_SSH_COMMAND: 'evil',
      GIT_EXTERNAL_DIFF: 'evil',
      DATABASE_URL: 'postgres://u:secret@db/x',
      MARACKER_STATUS_TOKEN: 'token',
      LANG: 'de_DE.UTF-8',
    });
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/maracker',
      XDG_CONFIG_HOME: '/home/maracker/.config',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_ATTR_NOSYSTEM: '1',
      GIT_TERMINAL_PROMPT: '0',
      GIT_OPTIONAL_LOCKS: '0',
      GIT_NO_LAZY_FETCH: '1',
      LC_ALL: 'C',
    });
  });
});

describe('hardenedArgs', () => {
  it('names the repository and work tree, takes no optional lock, and overrides every command-running setting', () => {
    const args = hardenedArgs({ gitDir: '/r/.git', workTree: '/r' }, ['status']);
    expect(args.slice(0, 4)).toEqual(['--no-pager', '--no-optional-locks', '--git-dir=/r/.git', '--work-tree=/r']);
    expect(args.at(-1)).toBe('status');
    const overrides = args.filter((_, i) => args[i - 1] === '-c');
    for (const required of [
      'core.fsmonitor=false',
      'core.hooksPath=/dev/null',
      'safe.bareRepository=explicit',
      'core.untrackedCache=false',
      'protocol.allow=never',
      'credential.helper=',
      'core.sshCommand=',
      'diff.external=',
    ]) {
      expect(overrides).toContain(required);
    }
    expect(overrides).toHaveLength(HARDENED_CONFIG.length);
  });
});

describe('runGit', () => {
  it("runs none of the commands the repository's own configuration names", async () => {
    const repo = await gitRepo();
    await repo.write('web.yaml', 'x: 1\n');
    repo.commit('first');
    const marker = join(repo.root, 'RAN');
    const script = join(repo.root, 'cmd.sh');
    await writeFile(script, `#!/bin/sh\ntouch '${marker}'\nexit 1\n`);
    await chmod(script, 0o755);
    await mkdir(join(repo.root, '.git', 'hooks'), { recursive: true });
    await writeFile(join(repo.root, '.git', 'hooks', 'post-index-change'), `#!/bin/sh\ntouch '${marker}'\n`);
    await chmod(join(repo.root, '.git', 'hooks', 'post-index-change'), 0o755);
    repo.git('config', 'core.fsmonitor', script);
    await repo.write('web.yaml', 'x: 2\n');

    // The fixture is real: plain git runs the command.
    execFileSync('git', ['-C', repo.root, 'status', '--porcelain'], { env: { PATH: process.env.PATH ?? '' } });
    expect(existsSync(marker)).toBe(true);
    execFileSync('rm', [marker]);

    const env = gitEnvironment({ PATH: process.env.PATH });
    const at = { gitDir: join(repo.root, '.git'), workTree: repo.root };
    const out = await runGit(at, ['status', '--porcelain', '--', '.'], { cwd: repo.manifests, env });
    // porcelain v1 paths are relative to the top of the work tree.
    expect(out).toEqual({ ok: true, stdout: ' M manifests/web.yaml\n' });
    expect(existsSync(marker)).toBe(false);
  });

  it("reports a failure with git's first line and its exit code, never throwing", async () => {
    const repo = await gitRepo();
    const out = await runGit({ gitDir: join(repo.root, '.git'), workTree: repo.root }, ['rev-parse', '--verify', 'no-such-ref'], {
      cwd: repo.root,
      env: gitEnvironment({}),
    });
    expect(out).toMatchObject({ ok: false, exitCode: 128, said: 'fatal: Needed a single revision' });
    const missing = await runGit({ gitDir: join(repo.root, '.git'), workTree: repo.root }, ['status'], { cwd: repo.root, env: { PATH: '/nonexistent' } });
    expect(missing).toMatchObject({ ok: false, exitCode: undefined, reason: 'git is not installed (not found on PATH)' });
  });
});
