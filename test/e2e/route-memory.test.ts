// End-to-end, under --traefik v3: a manifest broken while maracker is down does not take its
// running app off Traefik when maracker starts again. The route the app was served is kept
// in the daemon's route memory (--route-memory, by default under XDG_STATE_HOME): without it
// the restarted daemon, whose status starts empty and whose declaration of the app is broken,
// served Traefik no router for the app (an outage caused by a broken file).

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startDaemon } from '../../src/app/daemon.js';
import { silentLogger } from '../../src/base/log.js';
import { loadDaemonConfig } from '../../src/config/daemon.js';
import { startSandbox } from '../../src/sandbox/sandbox.js';
import type { DaemonStatus } from '../../src/status/model.js';
import { eventually } from '../helpers/daemon-process.js';
import { manifestYaml } from '../helpers/manifests.js';
import { tempDir } from '../helpers/tmp.js';
import { traefikV3Http } from '../traefik/http-provider.js';

const WEB = manifestYaml({
  name: 'web',
  group: 'demo',
  extra: ['  ports:', '    - name: http', '  expose:', '    host: web.localhost', '    path: /app'].join('\n'),
});

describe('the route memory across a restart (--traefik v3)', () => {
  it('serves the router of an app whose manifest broke while maracker was down, with its URL in status; a fixed manifest takes over', {
    timeout: 120_000,
  }, async () => {
    const dir = await tempDir();
    const manifests = join(dir, 'manifests');
    await mkdir(manifests);
    await writeFile(join(manifests, 'web.yaml'), WEB);
    const sb = await startSandbox({ deploymentDurationMs: 30 });
    onTestFinished(() => sb.close());
    const start = async (...extra: string[]) => {
      const args = ['--marathon', sb.url, '--manifests', manifests, '--listen', '127.0.0.1:0', '--traefik', 'v3'];
      const { config } = loadDaemonConfig(
        [...args, '--resync-interval', '600', '--log-level', 'silent', '--no-image-metadata', ...extra],
        { XDG_STATE_HOME: join(dir, 'state') },
        dir,
      );
      const daemon = await startDaemon(config, { logger: silentLogger() });
      onTestFinished(() => daemon.stop());
      const routers = async () => {
        const res = await fetch(`${daemon.statusServer.url}/traefik/v3`);
        return res.status === 200 ? traefikV3Http(await res.text()).routers : undefined;
      };
      const app = async () => ((await (await fetch(`${daemon.statusServer.url}/status`)).json()) as DaemonStatus).apps.find((a) => a.id === '/demo/web');
      return { daemon, routers, app };
    };

    const first = await start();
    const served = await eventually(async () => (await first.routers())?.get('demo_web'), 'the router served');
    expect(served.rule).toBe('Host(`web.localhost`) && PathPrefix(`/app`)');
    await first.daemon.stop();

    // Broken while maracker is down; the app runs on in Marathon.
    await writeFile(join(manifests, 'web.yaml'), `${WEB}  cpus: [\n`);
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
    await writeFile(join(manifests, 'web.yaml'), WEB.replace('web.localhost', 'shop.localhost'));
    const third = await start();
    await eventually(async () => (await third.routers())?.get('demo_web')?.rule === 'Host(`shop.localhost`) && PathPrefix(`/app`)', 'the new route served');
  });
});
