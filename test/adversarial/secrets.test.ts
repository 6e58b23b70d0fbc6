// Issue 11, "secrets never appear": distinctive secrets (passwords holding / @ : and a
// literal %2F, a Marathon token, a status token) are given to the built CLI, which is then
// driven through its failure paths: a configuration it refuses, a database it cannot reach,
// a Marathon that answers 401 and 500 and echoes the credentials it was sent, a wrong status
// token, `maracker plan` and `maracker validate`. Everything that comes out (stdout, stderr
// with debug logs, GET /status, GET /metrics, maracker.app_status) is searched for every
// planted secret, as written and URL-encoded.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, eventually, startDaemonProcess } from '../helpers/daemon-process.js';
import { echoMarathon } from '../helpers/echo-marathon.js';
import { manifestYaml } from '../helpers/manifests.js';
import { freePort } from '../helpers/ports.js';
import { psqlRows, usePostgres } from '../helpers/postgres.js';
import { tempDir } from '../helpers/tmp.js';
import { writeBelow } from '../helpers/git.js';

const DB_USER = 'leaky_app';
const DB_PASSWORD = 'Db/Pa@ss:w%2Fd-7Qx';
const MARATHON_USER = 'mara';
const MARATHON_PASSWORD = 'Ma/ra@th:on%2Fpw-9Zk';
const MARATHON_TOKEN = 'mtok/EN@42:x%2Fy-3Jq';
const STATUS_TOKEN = 'status-TOKEN-8c1f2e77';
const WRONG_TOKEN = 'wrong-TOKEN-44dd91aa';

/** Every form a secret could leak in: as written, URL-encoded, URL-decoded; and the basic header. */
const FORBIDDEN = [DB_PASSWORD, MARATHON_PASSWORD, MARATHON_TOKEN, STATUS_TOKEN, WRONG_TOKEN]
  .flatMap((s) => [s, encodeURIComponent(s), decodeURIComponent(s)])
  .concat(Buffer.from(`${MARATHON_USER}:${MARATHON_PASSWORD}`).toString('base64'));

function leaks(text: string): string[] {
  return [...new Set(FORBIDDEN.filter((s) => text.includes(s)))];
}

function dbUrl(port: number | string, host = '127.0.0.1', db = 'leaky'): string {
  return `postgresql://${DB_USER}:${encodeURIComponent(DB_PASSWORD)}@${host}:${port}/${db}`;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}, cwd = process.cwd()): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function get(url: string, token?: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: res.status, text: await res.text() };
}

async function manifests(): Promise<string> {
  const dir = await tempDir('maracker-secrets-');
  await writeBelow(dir, 'web.yaml', manifestYaml({ name: 'web', group: 'demo' }));
  return dir;
}

describe('planted secrets never leave maracker', () => {
  const pg = usePostgres();

  it('through configuration errors, whatever characters the password holds', async () => {
    const runs = await Promise.all([
      // The password unencoded: not a URL at all.
      cli(['run', '--manifests', 'none', '--database-url', `postgresql://${DB_USER}:${DB_PASSWORD}@db:5432/x`]),
      cli(['run', '--manifests', 'none'], { DATABASE_URL: `postgresql://${DB_USER}:${DB_PASSWORD}@db/x` }),
      // A configuration that fails for another reason while secrets are set.
      cli(['run', '--listen', 'nowhere', '--marathon-user', MARATHON_USER, '--marathon-password', MARATHON_PASSWORD, '--status-token', STATUS_TOKEN]),
      cli(['run', '--marathon-token', MARATHON_TOKEN, '--marathon', `http://x:${MARATHON_PASSWORD}@m:8080`]),
      cli(['db', 'migrate', '--database-url', `postgresql://${DB_USER}:${DB_PASSWORD}@127.0.0.1:1/x`]),
      cli(['plan', '--marathon', `http://${MARATHON_USER}:${MARATHON_PASSWORD}@127.0.0.1:1`]),
    ]);
    for (const run of runs) {
      expect(run.code).not.toBe(0);
      expect(run.stderr.length).toBeGreaterThan(0);
      expect(leaks(run.stdout + run.stderr), run.stderr).toEqual([]);
    }
    expect(runs[0]?.stderr).toContain(`--database-url: not a URL: "postgresql://${DB_USER}:[redacted]@db:5432/x"`);
  });

  it('through a database that cannot be reached, and one that refuses the password', async () => {
    const closed = await freePort();
    const daemon = await startDaemonProcess({
      marathonUrl: (await echoMarathon()).url,
      manifests: await manifests(),
      args: ['--status-token', STATUS_TOKEN],
      env: { DATABASE_URL: dbUrl(closed) },
    });
    const status = await eventually(async () => {
      const r = await get(`${daemon.statusUrl}/status`, STATUS_TOKEN);
      return r.text.includes('"name":"database"') && r.text.includes('"state":"Unknown"') ? r : undefined;
    }, 'the database source Unknown');
    const metrics = await get(`${daemon.statusUrl}/metrics`, STATUS_TOKEN);
    expect(await daemon.stop()).toBe(0);
    expect(leaks(status.text + metrics.text + daemon.output()), daemon.output()).toEqual([]);

    // The server answers, and refuses the password (no such role yet).
    const wrong = await startDaemonProcess({ manifests: 'none', marathonUrl: (await echoMarathon()).url, databaseUrl: dbUrl(new URL(pg.adminUrl).port) });
    await eventually(() => /password authentication failed|does not exist/.test(wrong.output()), 'the refusal in the log');
    const refused = await get(`${wrong.statusUrl}/status`);
    expect(await wrong.stop()).toBe(0);
    expect(leaks(refused.text + wrong.output()), wrong.output()).toEqual([]);
  });

  it('through a Marathon that answers 401 and 500 and echoes the credentials, into /status, /metrics, the log and maracker.app_status', async () => {
    const admin = pg.adminUrl;
    await psqlRows(admin, `CREATE ROLE ${DB_USER} LOGIN PASSWORD '${DB_PASSWORD}'`);
    await psqlRows(admin, `CREATE DATABASE leaky OWNER ${DB_USER}`);
    try {
      const marathon = await echoMarathon();
      for (const auth of [
        ['--marathon-user', MARATHON_USER, '--marathon-password', MARATHON_PASSWORD],
        ['--marathon-token', MARATHON_TOKEN],
      ]) {
        const daemon = await startDaemonProcess({
          marathonUrl: marathon.url,
          manifests: await manifests(),
          databaseUrl: dbUrl(new URL(admin).port),
          args: ['--status-token', STATUS_TOKEN, ...auth],
        });
        const row = await eventually(
          async () => {
            const rows = await psqlRows(
              dbUrl(new URL(admin).port),
              "SELECT row_to_json(s) FROM maracker.app_status s WHERE id = '/demo/web' AND message IS NOT NULL",
            ).catch(() => []);
            return rows.join('\n');
          },
          'the failed write in app_status',
          30_000,
        );
        // The echo reached maracker, and came out blanked.
        expect(row).toContain('internal error; you sent Authorization: ');
        expect(row).toContain('[redacted]');
        const status = await get(`${daemon.statusUrl}/status`, STATUS_TOKEN);
        const app = await get(`${daemon.statusUrl}/status/apps/demo/web`, STATUS_TOKEN);
        // The failed write is among the app's recent outcomes too, its echo blanked there as well.
        expect(app.text).toMatch(/"outcomes":\[\{[^\]]*"result":"failed"/);
        expect(app.text).toContain('[redacted]');
        const metrics = await get(`${daemon.statusUrl}/metrics`, STATUS_TOKEN);
        const denied = await get(`${daemon.statusUrl}/status`, WRONG_TOKEN);
        expect(denied.status).toBe(401);
        expect(JSON.parse(denied.text)).toEqual({ error: { code: 'MRK_STATUS_UNAUTHORIZED', message: 'the bearer token is wrong' } });
        // The CLI side of a wrong token.
        const prune = await cli(['prune', 'approve', '--status', daemon.statusUrl, '--status-token', WRONG_TOKEN]);
        expect(prune.code).toBe(1);
        // The event stream's 401 echo was seen (logged) too.
        await eventually(() => daemon.output().includes('/v2/events'), 'the event stream refusal in the log');
        expect(await daemon.stop()).toBe(0);
        const everything = [row, status.text, app.text, metrics.text, denied.text, prune.stdout, prune.stderr, daemon.output()].join('\n');
        expect(leaks(everything), everything).toEqual([]);
      }

      // `maracker plan` against a Marathon that refuses and echoes.
      marathon.rejectAll = true;
      const dir = await manifests();
      const plans = await Promise.all([
        cli(['plan', '--marathon', marathon.url, '--manifests', dir, '--marathon-user', MARATHON_USER, '--marathon-password', MARATHON_PASSWORD]),
        cli(['plan', '--marathon', marathon.url, '--manifests', dir], { MARACKER_MARATHON_TOKEN: MARATHON_TOKEN }),
      ]);
      for (const plan of plans) {
        expect(plan.code).toBe(1);
        expect(plan.stderr).toContain('cannot list Marathon apps');
        expect(leaks(plan.stdout + plan.stderr), plan.stderr).toEqual([]);
      }
    } finally {
      await psqlRows(admin, 'DROP DATABASE IF EXISTS leaky WITH (FORCE)').catch(() => undefined);
      await psqlRows(admin, `DROP ROLE IF EXISTS ${DB_USER}`).catch(() => undefined);
    }
  }, 120_000);

  it('through `maracker validate` of broken manifests, with secrets in its environment', async () => {
    const dir = await tempDir('maracker-secrets-');
    await writeBelow(dir, 'broken.yaml', 'id: /x\ninstances: [\n');
    await writeBelow(dir, 'bad.yaml', manifestYaml({ name: 'web', extra: '  instaces: 2' }));
    const env = { DATABASE_URL: dbUrl(5432, 'db'), MARACKER_STATUS_TOKEN: STATUS_TOKEN, MARACKER_MARATHON_TOKEN: MARATHON_TOKEN };
    const runs = await Promise.all([cli(['validate', dir], env), cli(['validate', '--output', 'json', join(dir, 'bad.yaml'), join(dir, 'missing.yaml')], env)]);
    for (const run of runs) {
      expect(run.code).toBe(1);
      expect(leaks(run.stdout + run.stderr)).toEqual([]);
    }
  });
});
