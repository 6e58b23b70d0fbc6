// Fetches over ssh:// sharing one login (src/git/ssh-reuse.ts), against a real OpenSSH server
// on 127.0.0.1: a push's fetch skips the login, yet a login is proved again after the reuse
// time, after a failure and when the key files change, and nothing is left running.

import { execFile, execFileSync } from 'node:child_process';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { GitMirror } from '../../src/git/mirror.js';
import { parseRemote } from '../../src/git/remote.js';
import { gitEnvironment } from '../../src/git/run.js';
import { SshReuse } from '../../src/git/ssh-reuse.js';
import { GitSource } from '../../src/sources/git-repo.js';
import { upstream } from '../helpers/git-remote.js';
import { recordingLogger } from '../helpers/log-lines.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { manifestYaml } from '../helpers/manifests.js';
import { sshdMissing, startSshd, type SshServer } from '../helpers/sshd.js';
import { tempDir } from '../helpers/tmp.js';

const missing = sshdMissing();
if (missing) console.warn(`skipped: the ssh connection reuse tests need a real sshd: ${missing}`);

const MAX_AGE_MS = 60_000;
const env = gitEnvironment({ PATH: process.env.PATH, HOME: '/nonexistent' });

/** Logins sshd accepted so far. */
const logins = (sshd: SshServer): number =>
  sshd
    .log()
    .split('\n')
    .filter((l) => l.includes('Accepted publickey')).length;

/** Processes whose command line names `path` (the master renames itself "ssh: PATH [mux]"). */
async function processesNaming(path: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((d) => /^\d+$/.test(d))) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes(path)) found.push(`${pid}: ${cmd.replace(/\0/g, ' ')}`);
  }
  return found;
}

/** `ssh -O check`: whether a master answers on the socket. */
const masterAnswers = (path: string): Promise<boolean> =>
  new Promise((resolve) => execFile('ssh', ['-F', '/dev/null', '-o', `ControlPath=${path}`, '-O', 'check', 'x'], { env }, (err) => resolve(!err)));

async function setup() {
  const up = await upstream();
  await up.write('manifests/web.yaml', manifestYaml({ name: 'web' }));
  up.commit('first');
  const sshd = await startSshd();
  const parsed = parseRemote(sshd.url(up.bare), { sshKeyFile: sshd.clientKey, sshKnownHostsFile: sshd.knownHosts }, '/');
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  let now = 0;
  const reuse = await SshReuse.create({ maxAgeMs: MAX_AGE_MS, env, now: () => now });
  if (reuse === undefined) throw new Error('no short temporary folder');
  const mirror = new GitMirror({ dir: join(await tempDir('maracker-clone-'), 'clone.git'), remote: parsed.remote, ref: 'main', env, sshReuse: reuse });
  const s = new GitSource({
    mirror,
    url: parsed.remote.display,
    ref: 'main',
    path: 'manifests',
    logger: recordingLogger().logger,
    timers: new ManualClock(),
    random: () => 0.5,
  });
  onTestFinished(() => s.stop());
  await s.start(() => undefined);
  const push = async (name: string): Promise<string> => {
    await up.write(`manifests/${name}.yaml`, manifestYaml({ name }));
    return up.commit(name);
  };
  return { up, sshd, s, reuse, push, advance: (ms: number) => (now += ms) };
}

describe.skipIf(missing !== undefined)('ssh fetches sharing one login (a real sshd on 127.0.0.1)', () => {
  it('later fetches go through the connection the first one opened: one login for three fetches', async () => {
    const { sshd, s, reuse, push, advance } = await setup();
    expect(s.snapshot().state).toBe('Ready');
    expect(logins(sshd)).toBe(1);
    expect(await masterAnswers(reuse.controlPath)).toBe(true);

    for (const name of ['api', 'db']) {
      const commit = await push(name);
      advance(10_000);
      await s.sync();
      expect(s.snapshot().revision).toBe(commit);
    }
    expect([...s.snapshot().apps.keys()].sort()).toEqual(['/api', '/db', '/web']);
    expect(logins(sshd)).toBe(1);
  });

  it('a connection as old as the reuse time is closed before the next fetch, which logs in anew: a revoked key is refused then', async () => {
    const { sshd, s, push, advance } = await setup();
    await writeFile(sshd.authorizedKeys, '');
    // Within the reuse time the login proved a moment ago still carries fetches...
    advance(MAX_AGE_MS - 1);
    const second = await push('api');
    await s.sync();
    expect(s.snapshot().revision).toBe(second);
    expect(logins(sshd)).toBe(1);
    // ... and no longer: the next fetch must log in, and the key is refused.
    advance(1);
    await push('db');
    await s.sync();
    expect(s.snapshot().state).toBe('Unknown');
    expect(s.snapshot().lastError?.message).toMatch(/authentication refused/);
    expect(s.snapshot().revision).toBe(second);
  });

  it('a key or known_hosts file that changed is never served by the connection opened with the old one', async () => {
    const { sshd, s, push, advance } = await setup();
    // The same key written again (a rotation to the same value changes only the file's times).
    const key = await readFile(sshd.clientKey);
    const before = await stat(sshd.clientKey);
    await writeFile(sshd.clientKey, key);
    expect((await stat(sshd.clientKey)).mtimeMs).not.toBe(before.mtimeMs);
    advance(1000);
    const second = await push('api');
    await s.sync();
    expect(s.snapshot().revision).toBe(second);
    expect(logins(sshd)).toBe(2);
  });

  it('after a failed fetch the next one logs in anew, and recovers', async () => {
    const { up, sshd, s, push, advance } = await setup();
    // The branch is gone: the fetch fails although the connection is fine.
    execFileSync('git', ['--git-dir', up.bare, 'update-ref', '-d', 'refs/heads/main']);
    advance(1000);
    await s.sync();
    expect(s.snapshot().state).toBe('Unknown');
    expect(logins(sshd)).toBe(1);
    const second = await push('api');
    advance(1000);
    await s.sync();
    expect(s.snapshot().state).toBe('Ready');
    expect(s.snapshot().revision).toBe(second);
    expect(logins(sshd)).toBe(2);
  });

  it('a master that died without a word (killed) is replaced by the next fetch', async () => {
    const { sshd, s, reuse, push, advance } = await setup();
    const [master] = await processesNaming(reuse.controlPath);
    expect(master).toMatch(/\[mux\]/);
    process.kill(Number(master?.split(':')[0]), 'SIGKILL');
    const second = await push('api');
    advance(1000);
    await s.sync();
    expect(s.snapshot().revision).toBe(second);
    expect(logins(sshd)).toBe(2);
  });

  it('stopping the source ends the master and removes its folder: nothing is left running', async () => {
    const { s, reuse } = await setup();
    expect(await processesNaming(reuse.controlPath)).toHaveLength(1);
    await s.stop();
    expect(await masterAnswers(reuse.controlPath)).toBe(false);
    expect(await processesNaming(reuse.controlPath)).toEqual([]);
    await expect(stat(join(reuse.controlPath, '..'))).rejects.toThrow(/ENOENT/);
  });
});

describe('SshReuse', () => {
  it('names its socket in a private folder of the temporary folder, short enough for a Unix socket', async () => {
    const reuse = await SshReuse.create({ maxAgeMs: MAX_AGE_MS, env });
    expect(reuse).toBeDefined();
    if (!reuse) return;
    onTestFinished(() => reuse.close());
    expect(reuse.controlPath.length).toBeLessThanOrEqual(88);
    expect((await stat(join(reuse.controlPath, '..'))).mode & 0o777).toBe(0o700);
    expect(reuse.sshOptions()).toBe(
      `-o ControlMaster=auto -o ControlPath=${reuse.controlPath} -o ControlPersist=60 -o ServerAliveInterval=15 -o ServerAliveCountMax=2`,
    );
  });
});
