// The client against the sandbox: every error class the daemon relies on, produced by the
// Marathon stand-in's real behaviour or its injected faults, never by hand-made answers.

import { describe, expect, it, onTestFinished } from 'vitest';
import { MarathonClient } from '../../src/marathon/client.js';
import { sandbox } from '../helpers/sandbox.js';

async function client(url: string, options: { timeoutMs?: number; readAttempts?: number } = {}): Promise<MarathonClient> {
  const c = new MarathonClient({ url, readAttempts: 1, ...options });
  onTestFinished(() => c.close());
  return c;
}

const app = (id: string, fields: Record<string, unknown> = {}) => ({ id, cmd: 'sleep 1000', cpus: 0.1, mem: 32, instances: 1, ...fields });

async function rejection(p: Promise<unknown>): Promise<{ code?: string } & Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    return err as { code?: string } & Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}

/** Waits (without asserting on time) until `condition` holds; the test timeout bounds it. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}

describe('MarathonClient against the sandbox', () => {
  it('creates, lists with the ownership selector, scales, updates and deletes', async () => {
    const sb = await sandbox({ deploymentDurationMs: 20 });
    const c = await client(sb.url);
    const created = await c.createApp(app('/demo/web', { labels: { 'maracker.managed-by': 'maracker' } }));
    expect(created.deploymentId).toMatch(/\S/);
    await c.createApp(app('/other'));
    expect((await c.listApps({ label: 'maracker.managed-by==maracker' })).map((a) => a.id)).toEqual(['/demo/web']);
    await sb.waitForDeployments();
    await c.scaleApp('/demo/web', 3);
    await sb.waitForDeployments();
    expect((await c.getApp('/demo/web', { embed: ['apps.counts'] })).tasksRunning).toBe(3);
    const current = await c.getApp('/demo/web');
    await c.updateApp('/demo/web', { ...current, mem: 64 });
    await sb.waitForDeployments();
    expect((await c.getApp('/demo/web')).mem).toBe(64);
    await c.deleteApp('/demo/web');
    expect((await rejection(c.getApp('/demo/web'))).code).toBe('MRK_MARATHON_NOT_FOUND');
  });

  it('gets the deployment lock while Marathon deploys, with the blocking deployment ids', async () => {
    const sb = await sandbox({ deploymentDurationMs: 2000 });
    const c = await client(sb.url);
    const { deploymentId } = await c.createApp(app('/web'));
    const err = await rejection(c.scaleApp('/web', 2));
    expect(err.code).toBe('MRK_MARATHON_DEPLOYMENT_LOCKED');
    expect(err.deploymentIds).toEqual([deploymentId]);
    await expect(c.scaleApp('/web', 2, { force: true })).resolves.toMatchObject({ deploymentId: expect.any(String) });
  });

  it('gets already-exists on a duplicate create and validation details on an invalid one', async () => {
    const sb = await sandbox();
    const c = await client(sb.url);
    await c.createApp(app('/web'));
    expect((await rejection(c.createApp(app('/web')))).code).toBe('MRK_MARATHON_ALREADY_EXISTS');
    const invalid = await rejection(c.createApp(app('/bad', { cpus: -1 })));
    expect(invalid.code).toBe('MRK_MARATHON_VALIDATION');
    expect(invalid.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: '/cpus' })]));
  });

  it('gets the deployment cap error when Marathon refuses with 403', async () => {
    const sb = await sandbox({ deploymentDurationMs: 5000, maxRunningDeployments: 1 });
    const c = await client(sb.url);
    await c.createApp(app('/a'));
    const err = await rejection(c.createApp(app('/b')));
    expect(err.code).toBe('MRK_MARATHON_DEPLOYMENT_CAP');
    expect(err.maxRunningDeployments).toBe(1);
  });

  it.each([
    ['truncate', 'MRK_MARATHON_BAD_BODY'],
    ['invalid-json', 'MRK_MARATHON_BAD_BODY'],
    ['empty-object', 'MRK_MARATHON_BAD_BODY'],
  ] as const)('never reads a 200 with a %s body as "no apps"', async (kind, code) => {
    const sb = await sandbox();
    const c = await client(sb.url);
    await c.createApp(app('/web'));
    sb.faults.add({ kind, method: 'GET', pathPrefix: '/v2/apps' });
    expect((await rejection(c.listApps())).code).toBe(code);
  });

  it('times out on a Marathon that never answers, and fails on a reset connection without retrying the write', async () => {
    const sb = await sandbox();
    const c = await client(sb.url, { timeoutMs: 300 });
    const hang = sb.faults.add({ kind: 'hang', method: 'GET' });
    expect((await rejection(c.listApps())).code).toBe('MRK_MARATHON_TIMEOUT');
    sb.faults.remove(hang.id);
    sb.faults.add({ kind: 'reset-after', method: 'POST' });
    expect((await rejection(c.createApp(app('/web')))).code).toBe('MRK_MARATHON_CONNECTION');
    // The write was applied before the connection was cut, and sent exactly once.
    expect(sb.app('/web')).toBeDefined();
    expect(sb.requestLog().filter((e) => e.method === 'POST')).toHaveLength(1);
  });

  it('retries a read after a 500 and then succeeds; surfaces 5xx when it persists', async () => {
    const sb = await sandbox();
    const c = await client(sb.url, { readAttempts: 3 });
    sb.faults.add({ kind: 'status', status: 500, method: 'GET', times: 1 });
    await expect(c.listApps()).resolves.toEqual([]);
    sb.faults.add({ kind: 'status', status: 503, method: 'GET' });
    expect((await rejection(c.listApps())).code).toBe('MRK_MARATHON_SERVER_ERROR');
  });

  it('reads the event stream with a filter and reports a gap when the stream is cut', async () => {
    const sb = await sandbox({ deploymentDurationMs: 20 });
    const c = await client(sb.url);
    const events: string[] = [];
    const gaps: string[] = [];
    let connected = 0;
    const sub = c.events({
      eventTypes: ['deployment_success'],
      onEvent: (e) => events.push(e.eventType),
      onGap: (r) => gaps.push(r),
      onConnected: () => connected++,
    });
    onTestFinished(() => sub.close());
    await until(() => connected > 0);
    await c.createApp(app('/web'));
    await until(() => events.length > 0);
    expect(events).toEqual(['deployment_success']);
    // Marathon restarts (a leader change looks the same): the stream breaks, the client
    // reconnects and reports the gap, since events may have been lost in between.
    const port = sb.port;
    await sb.close();
    await sandbox({ port });
    await until(() => gaps.length > 0);
    expect(gaps.length).toBe(1);
  });
});
