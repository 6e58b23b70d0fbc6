// The bench's view of the sandbox: write arrivals on its own clock, and the largest number
// of deployments running at once.

import { describe, expect, it } from 'vitest';
import { SandboxWatch, appWriteRequests, writeTarget } from '../../bench/watch-sandbox.js';
import { sandbox } from '../helpers/sandbox.js';

const put = (url: string, id: string, body: unknown): Promise<Response> =>
  fetch(`${url}/v2/apps${id}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('SandboxWatch', () => {
  it('resolves nextWrite with the arrival of the next write to that app, and not of another', async () => {
    const s = await sandbox({ deploymentDurationMs: 0 });
    s.preload([
      { id: '/a', cmd: 'sleep 1', instances: 1, cpus: 0.1, mem: 32 },
      { id: '/b', cmd: 'sleep 1', instances: 1, cpus: 0.1, mem: 32 },
    ]);
    const watch = new SandboxWatch(s);
    const before = performance.now();
    const arrival = watch.nextWrite('/b', 5_000);
    expect((await put(s.url, '/a', { instances: 2 })).status).toBe(200);
    expect((await put(s.url, '/b', { instances: 2 })).status).toBe(200);
    const a = await arrival;
    expect(a.appId).toBe('/b');
    expect(a.at).toBeGreaterThan(before);
    expect(watch.arrivals.map((x) => x.appId)).toEqual(['/a', '/b']);
    expect(appWriteRequests(s).map(writeTarget)).toEqual(['/a', '/b']);
    watch.close();
  });

  it('rejects when no write comes in time', async () => {
    const s = await sandbox();
    const watch = new SandboxWatch(s);
    await expect(watch.nextWrite('/nothing', 50)).rejects.toThrow(/no write to \/nothing/);
    watch.close();
  });

  it('counts the deployments that run at once', async () => {
    const s = await sandbox({ deploymentDurationMs: 300 });
    const watch = new SandboxWatch(s);
    for (const id of ['/x', '/y', '/z']) {
      const res = await fetch(`${s.url}/v2/apps`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id, cmd: 'sleep 1', cpus: 0.1, mem: 32 }),
      });
      expect(res.status).toBe(201);
    }
    expect(watch.deploymentsRunning).toBe(3);
    await s.waitForDeployments(5_000);
    expect(watch.deploymentsRunning).toBe(0);
    expect(watch.deploymentsPeak).toBe(3);
    watch.resetPeak();
    expect(watch.deploymentsPeak).toBe(0);
    watch.close();
  });
});
