// The embedded default, as a newcomer runs it (`npm start` = `maracker up`): the sandbox
// really runs the apps of manifests/ as local processes, PostgreSQL is embedded, and
// editing a manifest or inserting a row converges. Stopping leaves nothing behind.

import { execFileSync } from 'node:child_process';
import { chmod, cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { eventually, startDaemonProcess } from '../helpers/daemon-process.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';

const REPO_MANIFESTS = fileURLToPath(new URL('../../manifests', import.meta.url));

function pids(pattern: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', '--', pattern], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

describe('maracker up (npm start)', () => {
  it('runs the apps of manifests/ as real processes, converges edits and rows, and stops cleanly', async () => {
    const dir = await tempDir('maracker-up-');
    // mkdtemp makes 0700 folders; the embedded PostgreSQL runs as user postgres and must enter it.
    await chmod(dir, 0o755);
    await cp(REPO_MANIFESTS, join(dir, 'manifests'), { recursive: true });
    const [sandboxPort, pgPort] = [await freePort(), await freePort()];
    const up = await startDaemonProcess({
      command: 'up',
      cwd: dir,
      manifests: join(dir, 'manifests'),
      args: ['--sandbox-listen', `127.0.0.1:${sandboxPort}`, '--postgres-port', String(pgPort), '--resync-interval', '5'],
      startTimeoutMs: 60_000,
    });
    expect(up.output()).toContain(`Marathon sandbox  http://127.0.0.1:${sandboxPort}`);
    const psqlUrl = `postgresql://maracker:maracker@127.0.0.1:${pgPort}/maracker`;
    expect(up.output()).toContain(`psql ${psqlUrl}`);

    const hello = await eventually(
      async () => {
        const a = await up.app('/demo/hello');
        return a?.sync === 'Synced' && a.health === 'Healthy' ? a : undefined;
      },
      '/demo/hello Healthy',
      45_000,
    );
    expect(hello.url).toBe('http://hello.localhost');

    // The task really serves HTTP on the port Marathon assigned.
    const task = await eventually(async () => {
      const res = await fetch(`http://127.0.0.1:${sandboxPort}/v2/apps/demo/hello/tasks`);
      return ((await res.json()) as { tasks: Array<{ ports: number[] }> }).tasks[0];
    }, 'a task');
    expect((await fetch(`http://127.0.0.1:${task.ports[0]}/`)).status).toBe(200);

    // Edit a manifest: scaled.
    const file = join(dir, 'manifests', 'demo.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('instances: 1', 'instances: 2'));
    await eventually(async () => (await up.app('/demo/hello'))?.instances.healthy === 2, 'hello scaled to 2', 45_000);

    // Insert a row with psql: deployed, and visible in app_status.
    const spec = '{"cmd": "python3 -m http.server $PORT0 --bind 127.0.0.1", "instances": 1, "cpus": 0.1, "mem": 64}';
    execFileSync('psql', [psqlUrl, '-v', 'ON_ERROR_STOP=1', '-c', `INSERT INTO maracker.apps (id, spec) VALUES ('/demo/notebook', '${spec}')`]);
    await eventually(
      () => {
        const out = execFileSync('psql', [psqlUrl, '-At', '-c', "SELECT sync, health FROM maracker.app_status WHERE id = '/demo/notebook'"], {
          encoding: 'utf8',
        });
        return out.trim() === 'Synced|Healthy';
      },
      'the notebook Synced and Healthy in app_status',
      45_000,
    );

    const children = pids(dir);
    expect(children.length).toBeGreaterThan(0);
    expect(pids(`-p ${pgPort}`).length).toBeGreaterThan(0); // the embedded PostgreSQL, before the stop
    expect(await up.stop(30_000)).toBe(0);
    await eventually(() => pids(dir).length === 0, `no process left under ${dir} (had ${children.length})`, 15_000);
    expect(pids(`-p ${pgPort}`)).toEqual([]);
  }, 180_000);
});

describe('maracker up in a folder the postgres user cannot enter (a checkout under /root)', () => {
  it('keeps the embedded PostgreSQL data in a folder of its own below the temporary folder, and says so', async ({ skip }) => {
    if (process.getuid?.() !== 0) skip(); // only root runs PostgreSQL as another user
    const dir = await tempDir('maracker-up-'); // mode 0700: the postgres user cannot enter it
    const tmp = await tempDir('maracker-up-tmp-');
    await chmod(tmp, 0o755);
    await cp(REPO_MANIFESTS, join(dir, 'manifests'), { recursive: true });
    const pgPort = await freePort();
    const up = await startDaemonProcess({
      command: 'up',
      cwd: dir,
      manifests: join(dir, 'manifests'),
      env: { TMPDIR: tmp },
      args: ['--sandbox-listen', `127.0.0.1:${await freePort()}`, '--postgres-port', String(pgPort)],
      startTimeoutMs: 60_000,
    });
    const psqlUrl = `postgresql://maracker:maracker@127.0.0.1:${pgPort}/maracker`;
    expect(up.output()).toContain(`psql ${psqlUrl}`);
    expect(up.output()).toMatch(
      new RegExp(`\\(data in ${tmp}/maracker-embedded-postgres-data/postgres-[0-9a-f]{12}: the postgres user cannot enter ${dir}\\)`),
    );
    const spec = '{"cmd": "sleep 1000", "instances": 1, "cpus": 0.1, "mem": 16}';
    execFileSync('psql', [psqlUrl, '-v', 'ON_ERROR_STOP=1', '-c', `INSERT INTO maracker.apps (id, spec) VALUES ('/demo/sleeper', '${spec}')`]);
    await eventually(
      () =>
        execFileSync('psql', [psqlUrl, '-At', '-c', "SELECT sync FROM maracker.app_status WHERE id = '/demo/sleeper'"], { encoding: 'utf8' }).trim() ===
        'Synced',
      'the row Synced',
    );
    expect(await up.stop(30_000)).toBe(0);
  }, 120_000);

  it('runs the manifests alone when an explicit --data-dir is closed to it, and says why and what to do', async () => {
    const dir = await tempDir('maracker-up-'); // mode 0700: the postgres user cannot enter it
    await cp(REPO_MANIFESTS, join(dir, 'manifests'), { recursive: true });
    const up = await startDaemonProcess({
      command: 'up',
      cwd: dir,
      manifests: join(dir, 'manifests'),
      args: ['--sandbox-listen', `127.0.0.1:${await freePort()}`, '--postgres-port', String(await freePort()), '--data-dir', join(dir, 'state')],
      startTimeoutMs: 60_000,
    });
    if (process.getuid?.() === 0) {
      expect(up.output()).toContain('PostgreSQL        not running: the embedded PostgreSQL could not start');
      expect(up.output()).toContain(`cannot enter ${dir}`);
      expect((await up.status()).sources.map((s) => s.name)).toEqual(['folder']);
    }
    await eventually(async () => (await up.app('/demo/hello'))?.health === 'Healthy', '/demo/hello Healthy', 45_000);
    expect(await up.stop(30_000)).toBe(0);
  }, 120_000);
});
