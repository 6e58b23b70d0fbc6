// `validate` and `plan` read a branch the way the daemon's git source does: a branch is
// checked and planned before it is merged (--git-url URL --git-ref feature-x).

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { command as plan } from '../../src/cli/commands/plan.js';
import { command as validate } from '../../src/cli/commands/validate.js';
import type { Command } from '../../src/cli/command.js';
import { upstream } from '../helpers/git-remote.js';
import { type CommandRun, runCommand } from '../helpers/run-command.js';
import { manifestYaml } from '../helpers/manifests.js';
import { sandbox } from '../helpers/sandbox.js';
import { tempDir } from '../helpers/tmp.js';

const run = (cmd: Command, args: string[], cwd: string): Promise<CommandRun> => runCommand(cmd, args, { cwd, env: { PATH: process.env.PATH ?? '' } });

describe('--git-url for validate and plan', () => {
  it('validate checks the commit a branch names, every problem at once; exit 1 for a ref that does not exist', async () => {
    const up = await upstream();
    await up.write('deploy/web.yaml', manifestYaml({ name: 'web' }));
    up.commit('main');
    up.git('checkout', '-q', '-b', 'feature-x');
    await up.write('deploy/api.yaml', 'apiVersion: maracker/v1\nkind: App\nmetadata: {name: api}\nspec: {instances: many}\n');
    up.git('add', '-A');
    up.git('commit', '-q', '-m', 'broken api');
    up.git('push', '-q', 'origin', 'feature-x');
    const cwd = await tempDir();
    const main = await run(validate, ['--git-url', up.bare, '--git-path', 'deploy'], cwd);
    expect(main).toMatchObject({ code: 0, stdout: '1 file, 1 app, 0 problems\n' });
    expect(main.stderr).toMatch(/^main of .*origin\.git is commit [0-9a-f]{12} "main"\n$/);
    const feature = await run(validate, ['--git-url', up.bare, '--git-ref', 'feature-x', '--git-path', 'deploy'], cwd);
    expect(feature.code).toBe(1);
    expect(feature.stderr).toMatch(/^api\.yaml:4:\d+: .*instances/m);
    expect(feature.stdout).toBe('2 files, 1 app, 2 problems\n');
    const missing = await run(validate, ['--git-url', up.bare, '--git-ref', 'nope'], cwd);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`: ref nope not found in ${up.bare}`);
  });

  it('plan shows what merging a branch would change', async () => {
    const up = await upstream();
    await up.write('deploy/web.yaml', manifestYaml({ name: 'web' }));
    up.commit('main');
    up.git('checkout', '-q', '-b', 'feature-x');
    await up.write('deploy/web.yaml', manifestYaml({ name: 'web', instances: 3 }));
    up.git('commit', '-q', '-am', 'scale web');
    up.git('push', '-q', 'origin', 'feature-x');
    const sb = await sandbox();
    const cwd = await tempDir();
    const base = ['--marathon', sb.url, '--git-url', up.bare, '--git-path', 'deploy', '--installation', 'prod'];
    const creates = await run(plan, base, cwd);
    expect(creates.code).toBe(2);
    expect(creates.stdout).toContain('+ /web');
    expect(creates.stdout).toContain('instances: 1');
    const branch = await run(plan, [...base, '--git-ref', 'feature-x'], cwd);
    expect(branch.code).toBe(2);
    expect(branch.stdout).toContain('instances: 3');
    expect(branch.stderr).toMatch(/^maracker plan: feature-x of .* is commit [0-9a-f]{12} "scale web"\n$/);
  });

  it('plan refuses an id the folder and the git source both declare, rather than show it deleted', async () => {
    const up = await upstream();
    await up.write('deploy/web.yaml', manifestYaml({ name: 'web' }));
    up.commit('main');
    const sb = await sandbox();
    const cwd = await tempDir();
    await mkdir(join(cwd, 'manifests'));
    await writeFile(join(cwd, 'manifests', 'web.yaml'), manifestYaml({ name: 'web' }));
    const both = await run(
      plan,
      ['--marathon', sb.url, '--git-url', up.bare, '--git-path', 'deploy', '--manifests', 'manifests', '--installation', 'prod'],
      cwd,
    );
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('/web is declared by more than one source (folder, git)');
    expect(both.stdout).toBe('');
  });
});
