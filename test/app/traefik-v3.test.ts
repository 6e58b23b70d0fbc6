// The daemon under --traefik v3 with the sandbox running real processes (--exec): GET
// /traefik/v3 lists the healthy tasks' URLs (which answer), and follows Marathon's task
// changes through its event stream. The periodic resync is set ten minutes away, so every
// change seen here came from an event (status_update_event, health_status_changed_event) that
// made maracker re-read the app: nothing in that path waits on a timer.

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
import { traefikV3SchemaProblems } from '../traefik/schema.js';

const WEB = manifestYaml({
  name: 'web',
  group: 'demo',
  cmd: 'exec python3 -m http.server --bind 127.0.0.1 $PORT0',
  instances: 2,
  extra: [
    '  healthChecks:',
    '    - protocol: HTTP',
    '      path: /',
    '      intervalSeconds: 1',
    '      gracePeriodSeconds: 30',
    '  expose:',
    '    host: web.localhost',
  ].join('\n'),
});

async function stack() {
  const dir = await tempDir();
  const manifests = join(dir, 'manifests');
  await mkdir(manifests);
  await writeFile(join(manifests, 'web.yaml'), WEB);
  const sb = await startSandbox({ deploymentDurationMs: 30, exec: true, workDir: join(dir, 'sandbox'), killGraceMs: 500 });
  onTestFinished(() => sb.close());
  const { config } = loadDaemonConfig(
    [
      '--marathon',
      sb.url,
      '--manifests',
      manifests,
      '--listen',
      '127.0.0.1:0',
      '--traefik',
      'v3',
      '--resync-interval',
      '600',
      '--log-level',
      'silent',
      '--no-image-metadata',
    ],
    {},
    dir,
  );
  const daemon = await startDaemon(config, { logger: silentLogger() });
  onTestFinished(() => daemon.stop());
  const served = async () => {
    const res = await fetch(`${daemon.statusServer.url}/traefik/v3`);
    if (res.status !== 200) return undefined;
    const text = await res.text();
    expect(traefikV3SchemaProblems(JSON.parse(text))).toEqual([]);
    return traefikV3Http(text).services.get('demo_web');
  };
  const status = async () => (await (await fetch(`${daemon.statusServer.url}/status`)).json()) as DaemonStatus;
  return { sb, daemon, served, status, manifests };
}

/** The URLs of the app's running tasks as the sandbox (Marathon) lists them. */
function taskUrls(sb: Awaited<ReturnType<typeof stack>>['sb']): string[] {
  return (sb.app('/demo/web')?.tasks ?? [])
    .filter((t) => t.state === 'TASK_RUNNING' && (t.healthCheckResults ?? []).every((r) => r.alive) && (t.healthCheckResults ?? []).length > 0)
    .map((t) => `http://${t.host}:${t.ports?.[0]}`)
    .sort();
}

describe('maracker --traefik v3 against the sandbox', () => {
  it('serves the healthy tasks of the app, which answer, and follows a killed task and a scale-out from events alone', { timeout: 180_000 }, async () => {
    const { sb, served, status, manifests } = await stack();
    // the two healthy tasks, as Marathon lists them
    const first = await eventually(
      async () => {
        const s = await served();
        return s?.length === 2 && JSON.stringify(s) === JSON.stringify(taskUrls(sb)) ? s : undefined;
      },
      'two healthy servers',
      60_000,
    );
    for (const url of first) expect((await fetch(url)).status).toBe(200);
    // no routing label in Marathon: only traefik.enable=false
    expect(Object.keys(sb.app('/demo/web')?.labels ?? {}).filter((k) => k.startsWith('traefik.'))).toEqual(['traefik.enable']);
    const app = (await status()).apps.find((a) => a.id === '/demo/web');
    expect(app?.route?.servers).toEqual(first);
    expect(app?.tasks.map((t) => `http://${t.address}`).sort()).toEqual(first);

    // a task dies; Marathon replaces it
    const victim = sb.app('/demo/web')?.tasks?.[0];
    const victimUrl = `http://${victim?.host}:${victim?.ports?.[0]}`;
    expect(first).toContain(victimUrl);
    const killedAt = Date.now();
    await fetch(`${sb.url}/v2/apps/demo/web/tasks/${victim?.id}`, { method: 'DELETE' });
    await eventually(
      async () => {
        const s = await served();
        return s && !s.includes(victimUrl) ? s : undefined;
      },
      'the dead task out of the service',
      30_000,
    );
    const outAfterMs = Date.now() - killedAt;
    const replaced = await eventually(
      async () => {
        const s = await served();
        return s?.length === 2 && JSON.stringify(s) === JSON.stringify(taskUrls(sb)) && JSON.stringify(s) !== JSON.stringify(first) ? s : undefined;
      },
      'the replacement in the service once healthy',
      45_000,
    );
    for (const url of replaced) expect((await fetch(url)).status).toBe(200);
    // tasks embedded in every read are never mistaken for a difference: one write, the create
    const writes = sb.requestLog().filter((e) => ['POST', 'PUT', 'PATCH'].includes(e.method) && e.path.startsWith('/v2/apps'));
    expect(writes.map((e) => `${e.method} ${e.path}`)).toEqual(['POST /v2/apps']);

    // a scale-out committed to the manifest
    await writeFile(join(manifests, 'web.yaml'), WEB.replace('instances: 2', 'instances: 3'));
    await eventually(async () => ((await served())?.length === 3 ? true : undefined), 'three servers', 45_000);
    console.info(`traefik v3: a killed task left the served configuration ${outAfterMs} ms after the kill`);
  });
});
