// A portal account routing another app's public host to its own tasks: a row exposing the
// host of a manifest's app under a longer path (Traefik prefers the longest rule), or setting
// a Traefik router rule in its labels. Neither row is applied; the manifest's app keeps its
// route and stays in sync.

import { rename } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { manifestYaml } from '../helpers/manifests.js';
import { psql, usePostgres } from '../helpers/postgres.js';
import type { AppStatus } from '../../src/status/model.js';
import { type Bench, bench, eventually } from './helpers.js';

const server = usePostgres();

const PORTAL = manifestYaml({ name: 'portal', group: 'web', extra: '  ports:\n    - name: http\n  expose:\n    host: portal.example' });

/** A daemon with a manifest's app routed at portal.example, in sync, and the database's URL. */
async function portalBench(): Promise<{ b: Bench; url: string }> {
  const url = await server.database();
  const b = await bench({ files: { 'portal.yaml': PORTAL }, databaseUrl: url });
  await b.reconciled('/web/portal');
  return { b, url };
}

/** Inserts the row /evil/login, routed at portal.example/login, as a portal account would. */
async function insertLoginRow(url: string): Promise<void> {
  const spec = JSON.stringify({ cmd: 'sleep 3600', cpus: 0.01, mem: 8, ports: [{ name: 'http' }], expose: { host: 'portal.example', path: '/login' } });
  expect((await psql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/evil/login', '${spec}')`)).stderr).toBe('');
}

/** The status of `id` once its sync is `sync`. */
function once(b: Bench, id: string, sync: string, what: string): Promise<AppStatus> {
  return eventually(async () => {
    const a = await b.app(id);
    return a?.sync === sync ? a : undefined;
  }, what);
}

describe('adversary: a row routed at the host of another app', () => {
  it('holds back a row exposing a manifest app host, and one setting Traefik labels; the manifest app keeps its route', async () => {
    const url = await server.database();
    const b = await bench({ files: { 'portal.yaml': PORTAL }, databaseUrl: url });
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

  it('holds a routed row while the manifests cannot be read: no app is created at a host a manifest may hold', async () => {
    const { b, url } = await portalBench();
    const folderState = async (): Promise<string | undefined> => (await b.status()).sources.find((x) => x.name === 'folder')?.state;
    // The manifests folder gone for a while (a mount lost, a checkout replacing it).
    await rename(b.dir, `${b.dir}.away`);
    await eventually(async () => ((await folderState()) === 'Unknown' ? true : undefined), 'the folder Unknown');
    await insertLoginRow(url);
    const held = await once(b, '/evil/login', 'Unknown', 'the row held as unknown');
    expect(held.lastError?.message).toBe(
      "it is routed at portal.example, and whether a manifest's app is routed there is not known while source folder cannot be read",
    );
    expect(b.marathon.apps().map((a) => a.id)).not.toContain('/evil/login');
    // The folder back: the clash is seen; the row never reached Marathon.
    await rename(`${b.dir}.away`, b.dir);
    await b.daemon.controller.resync('test');
    const invalid = await once(b, '/evil/login', 'Invalid', 'the row held back');
    expect(invalid.problems).toMatchObject([{ code: 'route-conflict' }]);
    expect(b.marathon.apps().map((a) => a.id)).not.toContain('/evil/login');
    expect(await b.app('/web/portal')).toMatchObject({ url: 'http://portal.example' });
  }, 120_000);

  it("holds a row at the host of a manifest that is broken now: the manifest's app runs on, routed as it was", async () => {
    const { b, url } = await portalBench();
    await b.write('portal.yaml', `${PORTAL}\n  broken: [`);
    await once(b, '/web/portal', 'Invalid', 'the manifest invalid');
    await insertLoginRow(url);
    const held = await once(b, '/evil/login', 'Invalid', 'the row held back');
    expect(held.problems).toMatchObject([
      {
        code: 'route-conflict',
        message:
          'host portal.example is routed to the apps of portal.yaml as its last valid version declared them (it is invalid now); a row may not be routed at a host an app of a manifest is',
      },
    ]);
    expect(b.marathon.apps().map((a) => a.id)).not.toContain('/evil/login');
    expect(await b.app('/web/portal')).toMatchObject({ url: 'http://portal.example' });
  }, 120_000);

  it("holds a row at the host of a manifest app another row puts in conflict (same id): the manifest's app runs on, routed as it was", async () => {
    const { b, url } = await portalBench();
    // A row claiming the manifest app's id: neither declaration applies, the app runs on.
    const squat = JSON.stringify({ cmd: 'sleep 3600', cpus: 0.01, mem: 8 });
    expect((await psql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/web/portal', '${squat}')`)).stderr).toBe('');
    await once(b, '/web/portal', 'Conflict', 'the manifest app in conflict');
    await insertLoginRow(url);
    const held = await once(b, '/evil/login', 'Invalid', 'the row held back');
    expect(held.problems).toMatchObject([
      {
        code: 'route-conflict',
        message: 'host portal.example is routed to /web/portal (portal.yaml:1); a row may not be routed at a host an app of a manifest is',
      },
    ]);
    expect(b.marathon.apps().map((a) => a.id)).not.toContain('/evil/login');
    expect(b.marathon.apps().map((a) => a.id)).toContain('/web/portal');
  }, 120_000);

  it("holds a row at the host and path of another row that is broken now: the broken row's app runs on, routed as it was", async () => {
    const url = await server.database();
    const b = await bench({ databaseUrl: url });
    const shop = (extra: object) =>
      JSON.stringify({ cmd: 'sleep 3600', cpus: 0.01, mem: 8, ports: [{ name: 'http' }], expose: { host: 'shop.example' }, ...extra });
    expect((await psql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/rows/shop', '${shop({})}')`)).stderr).toBe('');
    await b.reconciled('/rows/shop');
    expect((await psql(url, `UPDATE maracker.apps SET spec = '${shop({ instances: -1 })}' WHERE id = '/rows/shop'`)).stderr).toBe('');
    await once(b, '/rows/shop', 'Invalid', 'the row broken');
    expect((await psql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/evil/shop', '${shop({})}')`)).stderr).toBe('');
    const held = await once(b, '/evil/shop', 'Invalid', 'the second row held back');
    expect(held.problems).toMatchObject([
      {
        code: 'route-conflict',
        message: 'shop.example is routed to row /rows/shop as its last valid version declared it (it cannot be applied now); neither is applied',
      },
    ]);
    expect(b.marathon.apps().map((a) => a.id)).toContain('/rows/shop');
    expect(b.marathon.apps().map((a) => a.id)).not.toContain('/evil/shop');
  }, 120_000);

  it("takes a running row's host back for a manifest routed at it: the row's app runs on, held back, with no URL and no route served to Traefik v3", async () => {
    const url = await server.database();
    const b = await bench({ databaseUrl: url, args: ['--traefik', 'v3'] });
    const spec = JSON.stringify({ cmd: 'sleep 3600', cpus: 0.01, mem: 8, ports: [{ name: 'http' }], expose: { host: 'shop.example' } });
    expect((await psql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/rows/shop', '${spec}')`)).stderr).toBe('');
    await eventually(async () => ((await b.app('/rows/shop'))?.url === 'http://shop.example' ? true : undefined), 'the row app routed');
    const routers = async (): Promise<Record<string, { rule: string }>> => {
      const res = await fetch(`${b.daemon.statusServer.url}/traefik/v3`);
      const body = (await res.json()) as { http?: { routers?: Record<string, { rule: string }> } };
      return body.http?.routers ?? {};
    };
    expect(Object.values(await routers()).map((r) => r.rule)).toEqual(['Host(`shop.example`)']);

    await b.write('shop.yaml', manifestYaml({ name: 'shop', group: 'web', extra: '  ports:\n    - name: http\n  expose:\n    host: shop.example' }));
    await b.reconciled('/web/shop');
    const row = await once(b, '/rows/shop', 'Invalid', 'the row held back');
    expect(row).toMatchObject({ problems: [{ code: 'route-conflict' }], url: null, route: null });
    expect(await b.app('/web/shop')).toMatchObject({ url: 'http://shop.example' });
    const served = await eventually(async () => {
      const r = await routers();
      return Object.keys(r).length === 1 ? r : undefined;
    }, 'one router for shop.example');
    expect(Object.keys(served)).toEqual([(await b.app('/web/shop'))?.route?.name]);
    // Held back, not deleted: the row's app runs on until its row is fixed or removed.
    expect(
      b.marathon
        .apps()
        .map((a) => a.id)
        .sort(),
    ).toEqual(['/calm/ok', '/rows/shop', '/web/shop']);
    expect(b.healthzFailures()).toEqual([]);
  }, 120_000);
});
