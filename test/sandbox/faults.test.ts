import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { app, call, sandbox } from './helpers.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';

/** A raw request that reports a destroyed connection instead of throwing. */
function attempt(sb: Sandbox, method: string, path: string, body?: unknown, timeoutMs?: number): Promise<{ status?: number; text?: string; error?: string }> {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(`${sb.url}${path}`, { method, agent: false, headers: payload ? { 'Content-Type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, text }));
      res.on('error', (err) => resolve({ error: err.message }));
    });
    req.on('error', (err) => resolve({ error: (err as NodeJS.ErrnoException).code ?? err.message }));
    if (timeoutMs !== undefined) req.setTimeout(timeoutMs, () => req.destroy(new Error('client timeout')));
    if (payload) req.write(payload);
    req.end();
  });
}

describe('faults', () => {
  it('answers a status for the configured share of matching requests, replayably', async () => {
    const sb = await sandbox({ randomSeed: 42 });
    sb.faults.add({ kind: 'status', status: 500, share: 0.3, method: 'GET', pathPrefix: '/v2/apps' });
    const run = async (): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < 40; i++) out.push((await call(sb, 'GET', '/v2/apps')).status);
      return out;
    };
    const first = await run();
    expect(first.filter((s) => s === 500).length).toBeGreaterThan(0);
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(0);
    expect((await call(sb, 'GET', '/v2/info')).status).toBe(200);
    sb.faults.reseed(42);
    expect(await run()).toEqual(first);
    const err = await call(sb, 'GET', '/v2/apps');
    if (err.status === 500) expect(err.json.message).toMatch(/^injected fault/);
  });

  it('retires a fault after `times` applications', async () => {
    const sb = await sandbox();
    sb.faults.add({ kind: 'status', status: 503, body: { message: 'busy' }, times: 2 });
    expect((await call(sb, 'GET', '/v2/apps')).json).toEqual({ message: 'busy' });
    expect((await call(sb, 'GET', '/v2/apps')).status).toBe(503);
    expect((await call(sb, 'GET', '/v2/apps')).status).toBe(200);
    expect(sb.faults.list()).toEqual([]);
  });

  it('adds latency before answering', async () => {
    const sb = await sandbox();
    sb.faults.add({ kind: 'latency', latencyMs: 30 });
    expect((await call(sb, 'GET', '/v2/apps')).status).toBe(200);
    expect(sb.requestLog()[0]?.faults).toHaveLength(1);
  });

  it('hangs: never answers until the client gives up', async () => {
    const sb = await sandbox();
    sb.faults.add({ kind: 'hang', pathPrefix: '/v2/apps' });
    const res = await attempt(sb, 'GET', '/v2/apps', undefined, 200);
    expect(res.error).toBe('client timeout');
    expect(sb.requestLog()[0]?.status).toBeNull();
  });

  it('truncates the body of a 200 and cuts the JSON', async () => {
    const sb = await sandbox({ deploymentDurationMs: 0 });
    sb.preload([app('/web')]);
    sb.faults.add({ kind: 'truncate', method: 'GET' });
    const res = await attempt(sb, 'GET', '/v2/apps');
    expect(res.status).toBe(200);
    expect(() => JSON.parse(res.text ?? '')).toThrow();
    expect(res.text?.startsWith('{"apps":[{"id":"/web"')).toBe(true);
  });

  it('answers invalid JSON, or {} without apps', async () => {
    const sb = await sandbox();
    const bad = sb.faults.add({ kind: 'invalid-json' });
    const r1 = await attempt(sb, 'GET', '/v2/apps');
    expect(r1.status).toBe(200);
    expect(() => JSON.parse(r1.text ?? '')).toThrow();
    sb.faults.remove(bad.id);
    sb.faults.add({ kind: 'empty-object' });
    expect((await call(sb, 'GET', '/v2/apps')).json).toEqual({});
  });

  it('resets the connection before handling: the write does not happen', async () => {
    const sb = await sandbox();
    sb.faults.add({ kind: 'reset-before', method: 'POST', times: 1 });
    const res = await attempt(sb, 'POST', '/v2/apps', app('/web'));
    expect(res.error).toBe('ECONNRESET');
    expect(sb.apps()).toEqual([]);
  });

  it('resets the connection after applying: the write happened, a retry sees the duplicate', async () => {
    const sb = await sandbox();
    sb.faults.add({ kind: 'reset-after', method: 'POST', times: 1 });
    const res = await attempt(sb, 'POST', '/v2/apps', app('/web'));
    expect(res.error).toBe('ECONNRESET');
    expect(sb.apps().map((a) => a.id)).toEqual(['/web']);
    expect((await call(sb, 'POST', '/v2/apps', app('/web'))).status).toBe(409);
  });

  it('locks writes to one app with Marathon 409 body', async () => {
    const sb = await sandbox();
    await call(sb, 'POST', '/v2/apps', app('/other'));
    sb.faults.add({ kind: 'locked', appId: '/web' });
    const res = await call(sb, 'POST', '/v2/apps', app('/web'));
    expect(res.status).toBe(409);
    expect(res.json.message).toMatch(/^App is locked by one or more deployments\./);
    expect(res.json.deployments).toHaveLength(1);
    expect((await call(sb, 'DELETE', '/v2/apps/web')).status).toBe(409);
    expect((await call(sb, 'PUT', '/v2/apps/other?force=true', { instances: 2 })).status).toBe(200);
    expect((await call(sb, 'GET', '/v2/apps/other')).status).toBe(200);
  });

  it('answers writes with the deployment-cap 403', async () => {
    const sb = await sandbox({ maxRunningDeployments: 7 });
    sb.faults.add({ kind: 'deployment-cap' });
    const res = await call(sb, 'POST', '/v2/apps', app('/web'));
    expect(res.status).toBe(403);
    expect(res.json.message).toMatch(/^Max number \(7\) of running deployments is achieved/);
    expect((await call(sb, 'GET', '/v2/apps')).status).toBe(200);
  });

  it('hides one app from reads while writes see it: 404 on read, left out of lists, 409 on create', async () => {
    const sb = await sandbox();
    await call(sb, 'POST', '/v2/apps', app('/web'));
    await call(sb, 'POST', '/v2/apps', app('/other'));
    sb.faults.add({ kind: 'hidden', appId: '/web' });
    const read = await call(sb, 'GET', '/v2/apps/web');
    expect(read.status).toBe(404);
    expect(read.json).toEqual({ message: "App '/web' does not exist" });
    expect((await call(sb, 'GET', '/v2/apps?embed=apps.counts')).json.apps.map((a: { id: string }) => a.id)).toEqual(['/other']);
    const create = await call(sb, 'POST', '/v2/apps', app('/web'));
    expect(create.status).toBe(409);
    expect(create.json.message).toBe('An app with id [/web] already exists.');
    expect((await call(sb, 'GET', '/v2/apps/other')).status).toBe(200);
    expect(sb.app('/web')).toBeDefined();
  });

  it('answers writes to one app with 404 while reads show it', async () => {
    const sb = await sandbox();
    await call(sb, 'POST', '/v2/apps', app('/web'));
    sb.faults.add({ kind: 'missing-on-write', appId: '/web' });
    expect((await call(sb, 'GET', '/v2/apps/web')).status).toBe(200);
    const put = await call(sb, 'PUT', '/v2/apps/web', { instances: 3 });
    expect(put.status).toBe(404);
    expect(put.json).toEqual({ message: "App '/web' does not exist" });
    expect((await call(sb, 'DELETE', '/v2/apps/web')).status).toBe(404);
    expect(sb.app('/web')?.instances).toBe(1);
    expect((await call(sb, 'POST', '/v2/apps', app('/else'))).status).toBe(201);
  });

  it('refuses an app-scoped disagreement without the app', async () => {
    const sb = await sandbox();
    expect(() => sb.faults.add({ kind: 'hidden' })).toThrow(/appId: expected the absolute id/);
  });

  it('manages faults over the admin API', async () => {
    const sb = await sandbox();
    const added = await call(sb, 'POST', '/sandbox/faults', { kind: 'status', status: 502, pathPrefix: '/v2/info' });
    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({ id: expect.any(String), kind: 'status', status: 502, applied: 0 });
    expect((await call(sb, 'GET', '/v2/info')).status).toBe(502);
    expect((await call(sb, 'GET', '/sandbox/faults')).json.faults).toHaveLength(1);
    expect((await call(sb, 'DELETE', `/sandbox/faults/${added.json.id as string}`)).status).toBe(204);
    expect((await call(sb, 'GET', '/v2/info')).status).toBe(200);
    await call(sb, 'POST', '/sandbox/faults', { kind: 'hang' });
    expect((await call(sb, 'DELETE', '/sandbox/faults')).status).toBe(204);
    expect((await call(sb, 'POST', '/sandbox/faults/reseed', { seed: 3 })).status).toBe(204);
    const invalid = await call(sb, 'POST', '/sandbox/faults', { kind: 'explode', share: 2 });
    expect(invalid.status).toBe(400);
    expect(invalid.json.problems).toHaveLength(2);
  });
});

describe('request log and reset', () => {
  it('records each API request with its parsed body and status, not the admin ones', async () => {
    const sb = await sandbox();
    await call(sb, 'POST', '/v2/apps?force=false', app('/web'));
    await call(sb, 'GET', '/v2/apps?embed=apps.tasks&embed=apps.counts');
    await call(sb, 'GET', '/sandbox/requests');
    const log = (await call(sb, 'GET', '/sandbox/requests')).json.requests;
    expect(log).toEqual([
      {
        seq: 1,
        time: expect.any(String),
        handledAt: expect.any(String),
        method: 'POST',
        path: '/v2/apps',
        query: { force: ['false'] },
        body: app('/web'),
        status: 201,
        faults: [],
      },
      {
        seq: 2,
        time: expect.any(String),
        handledAt: expect.any(String),
        method: 'GET',
        path: '/v2/apps',
        query: { embed: ['apps.tasks', 'apps.counts'] },
        body: null,
        status: 200,
        faults: [],
      },
    ]);
    expect((await call(sb, 'GET', '/sandbox/requests?since=1')).json.requests.map((e: { seq: number }) => e.seq)).toEqual([2]);
    expect(sb.requestLog(1)).toHaveLength(1);
    expect((await call(sb, 'DELETE', '/sandbox/requests')).status).toBe(204);
    expect(sb.requestLog()).toEqual([]);
  });

  it('records when a request was handled apart from when it arrived: after an injected latency, and not at all when a fault answered', async () => {
    const sb = await sandbox();
    sb.faults.add({ kind: 'latency', latencyMs: 200, times: 1, method: 'POST' });
    await call(sb, 'POST', '/v2/apps', app('/web'));
    sb.faults.add({ kind: 'status', status: 503, times: 1 });
    await call(sb, 'GET', '/v2/apps');
    const [held, refused] = sb.requestLog();
    // Both are wall-clock milliseconds, and a 200 ms timer may end a fraction of one early
    // against them (timers run on the monotonic clock, rounded to whole milliseconds): 199.
    expect(Date.parse(held?.handledAt ?? '') - Date.parse(held?.time ?? '')).toBeGreaterThanOrEqual(199);
    expect(refused).toMatchObject({ status: 503 });
    expect(refused?.handledAt).toBeUndefined();
  });

  it('drops every app on POST /sandbox/reset', async () => {
    const sb = await sandbox();
    await call(sb, 'POST', '/v2/apps', app('/web'));
    expect((await call(sb, 'POST', '/sandbox/reset')).status).toBe(204);
    expect((await call(sb, 'GET', '/v2/apps')).json).toEqual({ apps: [] });
    expect((await call(sb, 'GET', '/v2/deployments')).json).toEqual([]);
    // service ports are free again
    await call(sb, 'POST', '/v2/apps', app('/again'));
    expect(sb.app('/again')?.portDefinitions?.[0]?.port).toBe(10000);
  });
});
