// docs/security.md's least-privilege roles, run as written: after `maracker db migrate` by the
// owner, a daemon with only the documented grants reconciles a row a portal with only its
// grants inserted, and reports it in maracker.app_status.

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, eventually, startDaemonProcess } from '../helpers/daemon-process.js';
import { psqlRows, usePostgres } from '../helpers/postgres.js';
import { sandbox } from '../helpers/sandbox.js';
import { REPO_ROOT } from '../docs/doc-files.js';

function migrate(url: string): Promise<number> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'db', 'migrate', '--database-url', url], { env: { PATH: process.env.PATH ?? '' } }, (err) => resolve(err ? 1 : 0));
  });
}

describe('the least-privilege database roles of docs/security.md', () => {
  const pg = usePostgres();

  it('are enough for the daemon and for a portal', async () => {
    const owner = await pg.database();
    const db = new URL(owner).pathname.slice(1);
    expect(await migrate(owner)).toBe(0);
    const doc = await readFile(join(REPO_ROOT, 'docs', 'security.md'), 'utf8');
    const sql = /```sql\n([\s\S]*?)```/.exec(doc.slice(doc.indexOf('## Least privilege')))?.[1] ?? '';
    const suffix = db.slice(-12);
    const statements = sql
      .replaceAll("'...'", "'pw-test'")
      .replaceAll('DATABASE maracker', `DATABASE ${db}`)
      .replaceAll('maracker_daemon', `maracker_daemon_${suffix}`)
      .replaceAll('ROLE portal', `ROLE portal_${suffix}`)
      .replaceAll('TO portal', `TO portal_${suffix}`);
    for (const statement of statements
      .split(';')
      .map((s) => s.replace(/--.*$/gm, '').trim())
      .filter(Boolean))
      await psqlRows(owner, statement);
    const as = (role: string): string => {
      const u = new URL(owner);
      u.username = role;
      u.password = 'pw-test';
      return u.toString();
    };
    try {
      await psqlRows(
        as(`portal_${suffix}`),
        `INSERT INTO maracker.apps (id, spec) VALUES ('/lp/sleeper', '{"cmd": "sleep 1000", "instances": 1, "cpus": 0.1, "mem": 16}')`,
      );
      const marathon = await sandbox();
      const daemon = await startDaemonProcess({ marathonUrl: marathon.url, manifests: 'none', databaseUrl: as(`maracker_daemon_${suffix}`) });
      await eventually(
        async () => (await psqlRows(as(`portal_${suffix}`), "SELECT sync FROM maracker.app_status WHERE id = '/lp/sleeper'")).join() === 'Synced',
        'the row Synced in app_status',
        30_000,
      );
      expect(await daemon.stop()).toBe(0);
      expect(daemon.output()).not.toMatch(/permission denied/);
    } finally {
      // Roles belong to the whole server: their grants go first, then they do.
      await psqlRows(owner, `DROP OWNED BY maracker_daemon_${suffix}, portal_${suffix}`).catch(() => undefined);
      await psqlRows(pg.adminUrl, `DROP ROLE IF EXISTS maracker_daemon_${suffix}, portal_${suffix}`).catch(() => undefined);
    }
  }, 90_000);
});
