// Rows any portal account can insert: nested 10,000 levels deep (this overflowed the stack
// and kept the database source Pending after every restart, so nothing was reconciled),
// tens of megabytes, wrong types, control characters. Each is invalid alone, at start-up
// and later; nothing of their content is shown.

import { describe, expect, it } from 'vitest';
import { manifestYaml } from '../helpers/manifests.js';
import { connect, psql, usePostgres } from '../helpers/postgres.js';
import { bench, eventually, marker } from './helpers.js';

const server = usePostgres();

const ok = (extra: Record<string, unknown> = {}) => JSON.stringify({ cmd: 'sleep 3600', cpus: 0.01, mem: 16, ...extra });

async function sql(url: string, statement: string): Promise<void> {
  const r = await psql(url, statement);
  if (r.code !== 0) throw new Error(`psql failed: ${r.stderr}`);
}

function hostileRows(secret: string, prefix: string): string {
  return `INSERT INTO maracker.apps (id, spec, labels) VALUES
    ('/${prefix}/deep', jsonb_build_object('cmd', 'x', 'marathon', jsonb_build_object('check', (repeat('{"${secret}":', 10000) || '1' || repeat('}', 10000))::jsonb)), NULL),
    ('/${prefix}/huge', jsonb_build_object('cmd', '${secret}' || repeat('x', 20 * 1024 * 1024)), NULL),
    ('/${prefix}/types', '{"cmd": ["${secret}"], "instances": "${secret}", "mem": {"${secret}": 1}, "env": {"A": 1}}', '{"team": ["${secret}"]}'),
    ('/${prefix}/control', '{"cmd": "sleep 1", "user": "${secret}\\u0001\\u001b[31m", "instances": -1}', NULL),
    ('/${prefix}/billion', '{"cmd": "sleep 1", "cpus": 0.01, "mem": 8, "instances": 1000000000}', NULL),
    ('/${prefix}/hijack', '{"cmd": "sleep 1", "cpus": 0.01, "mem": 8}', '{"traefik.enable": "true", "traefik.http.routers.x.rule": "Host(\`portal.example\`)"}'),
    ('/${prefix}/ok', '${ok()}', NULL)`;
}

describe('adversary: hostile rows', () => {
  it('at start-up and later, makes each hostile row invalid alone, applies every other row and file, and shows none of their content', async () => {
    const secret = marker('row');
    const url = await server.database();
    // A first daemon creates the schema; rows inserted while no daemon runs are read at start-up.
    const first = await bench({ databaseUrl: url });
    await first.daemon.stop();
    await sql(url, hostileRows(secret, 'boot'));
    const nul = await psql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/boot/nul', '{"cmd": "a\\u0000b"}')`);
    expect(nul.code).not.toBe(0);

    const b = await bench({ databaseUrl: url, files: { 'ok.yaml': manifestYaml({ name: 'ok', group: 'calm' }) } });
    await b.reconciled('/boot/ok');
    await b.reconciled('/calm/ok');
    const since = b.mark();
    await sql(url, hostileRows(secret, 'later'));
    // A large row within the limit, validated in a worker while /healthz is answered.
    const client = await connect(url);
    const large = ok({ env: Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`V${i}`, 'x'.repeat(50)])) });
    await client.query('INSERT INTO maracker.apps (id, spec) VALUES ($1, $2)', ['/later/large', large]);
    await b.reconciled('/later/ok');
    await b.reconciled('/later/large');
    expect(b.healthzDuring('/later/large')).toBeGreaterThan(0);

    const status = await eventually(async () => {
      const s = await b.status();
      const invalid = s.apps.filter((a) => a.sync === 'Invalid').map((a) => a.id);
      return invalid.length === 12 ? s : undefined;
    }, 'the twelve hostile rows Invalid');
    const codes = Object.fromEntries(status.apps.filter((a) => a.sync === 'Invalid').map((a) => [a.id, a.lastError?.code]));
    expect(codes).toEqual({
      '/boot/deep': 'limit-exceeded',
      '/boot/huge': 'limit-exceeded',
      '/boot/types': 'invalid-value',
      '/boot/control': 'invalid-value',
      '/boot/billion': 'limit-exceeded',
      '/boot/hijack': 'reserved-label',
      '/later/deep': 'limit-exceeded',
      '/later/huge': 'limit-exceeded',
      '/later/types': 'invalid-value',
      '/later/control': 'invalid-value',
      '/later/billion': 'limit-exceeded',
      '/later/hijack': 'reserved-label',
    });
    expect(
      b.marathon
        .apps()
        .map((a) => a.id)
        .sort(),
    ).toEqual(['/boot/ok', '/calm/ok', '/later/large', '/later/ok']);
    expect(b.healthzSince(since)).toBeGreaterThan(0);
    expect(b.healthzFailures()).toEqual([]);
    // maracker.app_status is written by the leader: wait for the rows to be there.
    await eventually(
      async () => (await psql(url, "SELECT count(*) FROM maracker.app_status WHERE sync = 'Invalid'", ['-At'])).stdout.trim() === '12',
      'app_status written',
    );
    const shown = await b.everythingShown();
    expect(shown).not.toContain(secret);
    expect(shown).not.toContain('\u001b[31m');
  }, 180_000);
});
