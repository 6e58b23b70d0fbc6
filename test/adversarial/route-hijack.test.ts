// A portal account routing another app's public host to its own tasks: a row exposing the
// host of a manifest's app under a longer path (Traefik prefers the longest rule), or setting
// a Traefik router rule in its labels. Neither row is applied; the manifest's app keeps its
// route and stays in sync.

import { describe, expect, it } from 'vitest';
import { manifestYaml } from '../helpers/manifests.js';
import { psql, usePostgres } from '../helpers/postgres.js';
import { bench, eventually } from './helpers.js';

const server = usePostgres();

describe('adversary: a row routed at the host of another app', () => {
  it('holds back a row exposing a manifest app host, and one setting Traefik labels; the manifest app keeps its route', async () => {
    const url = await server.database();
    const portal = manifestYaml({ name: 'portal', group: 'web', extra: '  ports:\n    - name: http\n  expose:\n    host: portal.example' });
    const b = await bench({ files: { 'portal.yaml': portal }, databaseUrl: url });
    await b.reconciled('/web/portal');
    const spec = (extra: object) => JSON.stringify({ cmd: 'sleep 3600', cpus: 0.01, mem: 8, ports: [{ name: 'http' }], ...extra });
    const r = await psql(
      url,
      `INSERT INTO maracker.apps (id, spec, labels) VALUES
        ('/evil/login', '${spec({ expose: { host: 'portal.example', path: '/login' } })}', NULL),
        ('/evil/labels', '${spec({})}', '{"traefik.enable": "true", "traefik.http.routers.evil.rule": "Host(\`portal.example\`)"}'),
        ('/fine/shop', '${spec({ expose: { host: 'shop.example' } })}', NULL)`,
    );
    expect(r.stderr).toBe('');
    await b.reconciled('/fine/shop');
    const status = await eventually(async () => {
      const s = await b.status();
      const invalid = s.apps.filter((a) => a.sync === 'Invalid').map((a) => a.id);
      return invalid.length === 2 ? s : undefined;
    }, 'the two rows held back');
    const byId = (id: string) => status.apps.find((a) => a.id === id);
    expect(byId('/evil/login')?.lastError).toMatchObject({
      code: 'route-conflict',
      row: '/evil/login',
      message: 'host portal.example is routed to /web/portal (portal.yaml:1); a row may not be routed at a host an app of a manifest is',
    });
    expect(byId('/evil/labels')?.lastError).toMatchObject({ code: 'reserved-label', row: '/evil/labels' });
    expect(byId('/web/portal')).toMatchObject({ url: 'http://portal.example' });
    await eventually(async () => (await b.app('/web/portal'))?.sync === 'Synced', '/web/portal Synced');
    expect(
      b.marathon
        .apps()
        .map((a) => a.id)
        .sort(),
    ).toEqual(['/fine/shop', '/web/portal']);
    expect(b.healthzFailures()).toEqual([]);
  }, 120_000);
});
