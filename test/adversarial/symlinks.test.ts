// Links committed into the manifests folder that lead out of it. A link to
// /proc/self/environ once showed the daemon's environment (its secrets) through /status.
// Run with the real binary, a secret in its environment, as an operator runs it.

import { spawnSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, eventually, startDaemonProcess } from '../helpers/daemon-process.js';
import { manifestYaml } from '../helpers/manifests.js';
import { sandbox } from '../helpers/sandbox.js';
import { tempDir } from '../helpers/tmp.js';
import { marker } from './helpers.js';

describe('adversary: symbolic links out of the manifests folder', () => {
  it('refuses links to /proc/self/environ, /etc/passwd, files and folders outside, and loops, naming each; leaks nothing; the rest is applied', async () => {
    const secret = marker('environ');
    const outsideSecret = marker('outside');
    const outside = await tempDir('maracker-outside-');
    await mkdir(join(outside, 'team'));
    await writeFile(join(outside, 'secret.yaml'), `# ${outsideSecret}\n${manifestYaml({ name: 'stolen', group: 'outside' })}`);
    await writeFile(join(outside, 'team', 'app.yaml'), `# ${outsideSecret}\n${manifestYaml({ name: 'stolen-too', group: 'outside' })}`);
    const dir = await tempDir('maracker-adversarial-');
    await writeFile(join(dir, 'ok.yaml'), manifestYaml({ name: 'ok', group: 'calm' }));
    await symlink('/proc/self/environ', join(dir, 'environ.yaml'));
    await symlink('/etc/passwd', join(dir, 'passwd.yaml'));
    await symlink(join(outside, 'secret.yaml'), join(dir, 'secret.yaml'));
    await symlink(outside, join(dir, 'elsewhere'));
    await symlink('.', join(dir, 'here'));
    await symlink('b.yaml', join(dir, 'a.yaml'));
    await symlink('a.yaml', join(dir, 'b.yaml'));
    const env = { MARACKER_TEST_SECRET: secret };

    const marathon = await sandbox({ deploymentDurationMs: 10 });
    const d = await startDaemonProcess({ marathonUrl: marathon.url, manifests: dir, env, args: ['--resync-interval', '2'] });
    await eventually(() => marathon.app('/calm/ok'), 'the file inside the folder applied');
    // A later change is applied too: nothing is stuck on the links.
    await writeFile(join(dir, 'later.yaml'), manifestYaml({ name: 'later', group: 'calm' }));
    await eventually(() => marathon.app('/calm/later'), 'a later file applied');
    expect(
      marathon
        .apps()
        .map((a) => a.id)
        .sort(),
    ).toEqual(['/calm/later', '/calm/ok']);
    const status = await d.status();
    expect(status.sources[0]).toMatchObject({ state: 'Ready', lastError: { message: expect.stringMatching(/^symbolic link/) } });
    const health = await fetch(`${d.statusUrl}/healthz`);
    expect(health.status).toBe(200);

    // validate reports every link by name, with the same rules.
    const v = spawnSync(process.execPath, [CLI, 'validate', dir], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });
    const lines = v.stderr
      .trim()
      .split('\n')
      .map((l) => l.replace(`${dir}/`, ''));
    expect(lines).toEqual([
      'a.yaml: symbolic link loop; not followed',
      'b.yaml: symbolic link loop; not followed',
      'elsewhere: symbolic link to a place outside the manifests folder; not read',
      'environ.yaml: symbolic link to a place outside the manifests folder; not read',
      'here: symbolic link to a folder above it (a loop); not followed',
      'passwd.yaml: symbolic link to a place outside the manifests folder; not read',
      'secret.yaml: symbolic link to a place outside the manifests folder; not read',
    ]);

    const shown = [JSON.stringify(await d.status()), await (await fetch(`${d.statusUrl}/metrics`)).text(), d.output(), v.stdout, v.stderr].join('\n');
    for (const leaked of [secret, outsideSecret, 'root:x:0:0', 'MARACKER_TEST_SECRET']) expect(shown).not.toContain(leaked);
  }, 120_000);
});
