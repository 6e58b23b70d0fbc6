// End-to-end: what a daemon remembers of the routes it served (--route-memory, by default
// under XDG_STATE_HOME) across a restart. Under --traefik v3 a manifest broken while maracker
// is down does not take its running app off Traefik: without the memory the restarted daemon,
// whose status starts empty and whose declaration of the app is broken, served Traefik no
// router for the app (an outage caused by a broken file). And the host of such an app stays
// the manifest's: a row routed there is held back, as it is while the daemon runs (without
// the memory it was created beside the running app, and shared its public host).

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startDaemon } from '../../src/app/daemon.js';
import { launchDaemon } from '../../src/app/launch.js';
import { silentLogger } from '../../src/base/log.js';
import { loadDaemonConfig } from '../../src/config/daemon.js';
import { startSandbox } from '../../src/sandbox/sandbox.js';
import type { DaemonStatus } from '../../src/status/model.js';
import { eventually } from '../helpers/daemon-process.js';
import { manifestYaml } from '../helpers/manifests.js';
import { psql, usePostgres } from '../helpers/postgres.js';
import { tempDir } from '../helpers/tmp.js';
import { traefikV3Http } from '../traefik/http-provider.js';

const server = usePostgres();

const WEB = manifestYaml({
  name: 'web',
  group: 'demo',
  extra: ['  ports:', '    - name: http', '  expose:', '    host: web.localhost', '    path: /app'].join('\n'),
});

/**
 * A manifests folder holding WEB and a sandbox; `start(...args)` starts a daemon over them
 * (the same state folder each time, as a restart on the same host), stopped with the test.
 */
async function restartable(launch: typeof startDaemon) {
  const dir = await tempDir();
  const manifests = join(dir, 'manifests');
  await mkdir(manifests);
  await writeFile(join(manifests, 'web.yaml'), WEB);
  const sb = await startSandbox({ deploymentDurationMs: 30 });
  onTestFinished(() => sb.close());
  const start = async (...args: string[]) => {
    const base = ['--marathon', sb.url, '--manifests', manifests, '--listen', '127.0.0.1:0', '--log-level', 'silent', '--no-image-metadata'];
    const { config } = loadDaemonConfig([...base, ...args], { XDG_STATE_HOME: join(dir, 'state') }, dir);
    const daemon = await launch(config, { logger: silentLogger() });
    onTestFinished(() => daemon.stop());
    const app = async (id: string) => ((await (await fetch(`${daemon.statusServer.url}/status`)).json()) as DaemonStatus).apps.find((a) => a.id === id);
    return { daemon, app };
  };
  return { sb, start, write: (text: string) => writeFile(join(manifests, 'web.yaml'), text) };
}

describe('the route memory across a restart', () => {
  it('serves Traefik v3 the router of an app whose manifest broke while maracker was down, with its URL in status; a fixed manifest takes over', {
    timeout: 120_000,
  }, async () => {
    const { sb, start: launch, write } = await restartable(startDaemon);
    const start = async () => {
      const d = await launch('--traefik', 'v3', '--resync-interval', '600');
      const routers = async () => {
        const res = await fetch(`${d.daemon.statusServer.url}/traefik/v3`);
        return res.status === 200 ? traefikV3Http(await res.text()).routers : undefined;
      };
      return { ...d, routers, app: () => d.app('/demo/web') };
    };

    const first = await start();
    const served = await eventually(async () => (await first.routers())?.get('demo_web'), 'the router served');
    expect(served.rule).toBe('Host(`web.localhost`) && PathPrefix(`/app`)');
    await first.daemon.stop();

    // Broken while maracker is down; the app runs on in Marathon.
    await write(`${WEB}  cpus: [\n`);
    const second = await start();
    const app = await eventually(async () => {
      const a = await second.app();
      return a?.sync === 'Invalid' ? a : undefined;
    }, 'the app Invalid after the restart');
    expect(app.url).toBe('http://web.localhost/app');
    expect(app.route).toMatchObject({ name: 'demo_web', rule: served.rule });
    expect((await second.routers())?.get('demo_web')).toEqual(served);
    expect(sb.app('/demo/web')).toBeDefined();
    await second.daemon.stop();

    // Fixed under another host while down: the valid declaration's route is served, not the kept one.
    await write(WEB.replace('web.localhost', 'shop.localhost'));
    const third = await start();
    await eventually(async () => (await third.routers())?.get('demo_web')?.rule === 'Host(`shop.localhost`) && PathPrefix(`/app`)', 'the new route served');
  });

  it('holds back a row routed at the host of a manifest app whose manifest broke while maracker was down (Traefik v2 labels)', {
    timeout: 120_000,
  }, async () => {
    const url = await server.database();
    const { sb, start: launch, write } = await restartable(launchDaemon);
    const start = () => launch('--database-url', url, '--resync-interval', '2');
    const first = await start();
    await eventually(async () => (await first.app('/demo/web'))?.sync === 'Synced', '/demo/web Synced');
    await first.daemon.stop();

    await write(`${WEB}  cpus: [\n`);
    const second = await start();
    await eventually(async () => (await second.app('/demo/web'))?.sync === 'Invalid', '/demo/web Invalid after the restart');
    const spec = JSON.stringify({ cmd: 'sleep 3600', cpus: 0.01, mem: 8, ports: [{ name: 'http' }], expose: { host: 'web.localhost', path: '/app/login' } });
    expect((await psql(url, `INSERT INTO maracker.apps (id, spec) VALUES ('/evil/login', '${spec}')`)).stderr).toBe('');
    const held = await eventually(async () => {
      const a = await second.app('/evil/login');
      return a?.sync === 'Invalid' ? a : undefined;
    }, 'the row held back');
    expect(held.lastError).toMatchObject({ code: 'route-conflict', message: expect.stringContaining('host web.localhost is routed to /demo/web') });
    // Two full passes after it was held: whatever could have created it has run.
    await second.daemon.controller.resync('test');
    await second.daemon.controller.resync('test');
    expect(sb.app('/evil/login')).toBeUndefined();
    expect(sb.app('/demo/web')?.labels?.['traefik.http.routers.demo_web.rule']).toBe('Host(`web.localhost`) && PathPrefix(`/app`)');
  });
});
