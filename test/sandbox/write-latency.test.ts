// writeLatencyMs: Marathon answers a write once its root group update is stored, one update at
// a time (GroupManagerImpl's serialised work queue); the sandbox makes each write wait its turn
// and that long, and applies it when it answers. The clock is driven by hand.

import { describe, expect, it } from 'vitest';
import { SandboxOptionsError } from '../../src/sandbox/errors.js';
import { resolveOptions } from '../../src/sandbox/sandbox.js';
import { flush } from '../helpers/manual-clock.js';
import { app, call, manualSandboxClock, sandbox, until } from './helpers.js';

const LATENCY = 30;

async function setUp(): Promise<{ sb: Awaited<ReturnType<typeof sandbox>>; time: ReturnType<typeof manualSandboxClock> }> {
  const time = manualSandboxClock();
  const sb = await sandbox({ clock: time.clock, writeLatencyMs: LATENCY, deploymentDurationMs: 0 });
  sb.preload([app('/a'), app('/b')]);
  return { sb, time };
}

/** Resolves once the sandbox has received `n` requests with `method` (they are then waiting for their turn). */
const received = (sb: Awaited<ReturnType<typeof sandbox>>, method: string, n: number): Promise<boolean> =>
  until(() => sb.requestLog().filter((e) => e.method === method).length >= n, 15_000, `${n} ${method} received`);

describe('sandbox writeLatencyMs', () => {
  it('answers a write after the latency and applies it only then; reads meanwhile see the state before it', async () => {
    const { sb, time } = await setUp();
    const put = call(sb, 'PUT', '/v2/apps/a', { instances: 2 });
    await received(sb, 'PUT', 1);
    time.advance(LATENCY - 1);
    await flush();
    expect(sb.app('/a')?.instances).toBe(1);
    expect((await call(sb, 'GET', '/v2/apps/a')).json.app.instances).toBe(1);

    time.advance(1);
    expect((await put).status).toBe(200);
    expect(sb.app('/a')?.instances).toBe(2);
  });

  it('applies concurrent writes one after another, each taking the latency', async () => {
    const { sb, time } = await setUp();
    const first = call(sb, 'PUT', '/v2/apps/a', { instances: 2 });
    await received(sb, 'PUT', 1);
    const second = call(sb, 'DELETE', '/v2/apps/b');
    await received(sb, 'DELETE', 1);

    time.advance(LATENCY);
    expect((await first).status).toBe(200);
    await flush();
    expect(sb.app('/b')).toBeDefined();

    time.advance(LATENCY);
    expect((await second).status).toBe(200);
    expect(sb.app('/b')).toBeUndefined();
  });

  it('delays writes to groups too, but not reads', async () => {
    const { sb, time } = await setUp();
    const group = call(sb, 'PUT', '/v2/groups/g', { id: '/g', apps: [app('/g/c')] });
    await received(sb, 'PUT', 1);
    expect((await call(sb, 'GET', '/v2/apps')).json.apps.map((a: { id: string }) => a.id)).toEqual(['/a', '/b']);
    expect((await call(sb, 'GET', '/v2/deployments')).json).toEqual([]);
    time.advance(LATENCY);
    expect((await group).status).toBe(201);
    expect(sb.app('/g/c')).toBeDefined();
  });

  it('answers at once by default', async () => {
    const sb = await sandbox({ clock: manualSandboxClock().clock, deploymentDurationMs: 0 });
    sb.preload([app('/a')]);
    expect((await call(sb, 'PUT', '/v2/apps/a', { instances: 2 })).status).toBe(200);
    expect(sb.app('/a')?.instances).toBe(2);
  });

  it('refuses a negative latency', () => {
    expect(() => resolveOptions({ writeLatencyMs: -1 })).toThrow(SandboxOptionsError);
  });
});
