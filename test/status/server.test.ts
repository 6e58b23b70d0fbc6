import { Agent, get, request, type IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';
import { describe, expect, it, onTestFinished } from 'vitest';
import { MarackerError } from '../../src/base/errors.js';
import { createLogger } from '../../src/base/log.js';
import { createScrubber } from '../../src/secrets/scrubber.js';
import { createDaemonMetrics } from '../../src/status/daemon-metrics.js';
import { startStatusServer, type PruneApprovalRequest, type StatusServer, type StatusServerOptions, type SyncRequest } from '../../src/status/server.js';
import { StatusStore } from '../../src/status/store.js';
import { parseExposition, sampleValue } from './exposition.js';
import { appStatus, statusStore } from './fixtures.js';

const TOKEN = 's3cret-token';

interface Served {
  server: StatusServer;
  store: StatusStore;
  /** fetch relative to the server, with the bearer token unless `auth: false`. */
  call(path: string, init?: RequestInit & { auth?: boolean | string }): Promise<Response>;
}

async function serve(options: Partial<StatusServerOptions> = {}): Promise<Served> {
  const store = options.store ?? statusStore();
  const server = await startStatusServer({ host: '127.0.0.1', port: 0, store, metrics: createDaemonMetrics({ store }), ...options });
  onTestFinished(() => server.close());
  return {
    server,
    store,
    call(path, init = {}) {
      const { auth, ...rest } = init;
      const headers = new Headers(rest.headers);
      const token = auth === undefined || auth === true ? options.token : typeof auth === 'string' ? auth : undefined;
      if (token) headers.set('authorization', `Bearer ${token}`);
      return fetch(`${server.url}${path}`, { ...rest, headers });
    },
  };
}

async function errorOf(res: Response): Promise<{ code: string; message: string }> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  return body.error;
}

/** A POST with exactly these headers (fetch would not send some, such as Host). */
function rawPost(url: string, headers: Record<string, string>): Promise<{ status: number; body: { error: { code: string; message: string } } }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as { error: { code: string; message: string } } }));
    });
    req.on('error', reject);
    req.end();
  });
}

function logLines(): { lines: string[]; destination: Writable } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { lines, destination };
}

describe('status server', () => {
  it('serves the store document at /status and reflects updates', async () => {
    const { call, store } = await serve();
    store.setApp(appStatus({ id: '/demo/web' }));
    let res = await call('/status');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).toBe(store.json());

    store.setApp(appStatus({ id: '/demo/api', sync: 'OutOfSync' }));
    res = await call('/status');
    const doc = (await res.json()) as { apps: Array<{ id: string; sync: string }> };
    expect(doc.apps.map((a) => `${a.id}:${a.sync}`)).toEqual(['/demo/api:OutOfSync', '/demo/web:Synced']);
  });

  it('filters /status apps by sync and health', async () => {
    const { call, store } = await serve();
    store.setApp(appStatus({ id: '/a' }));
    store.setApp(appStatus({ id: '/b', sync: 'OutOfSync', health: 'Progressing' }));
    store.setApp(appStatus({ id: '/c', sync: 'Invalid', health: 'Missing' }));
    const ids = async (query: string): Promise<string[]> =>
      ((await (await call(`/status?${query}`)).json()) as { apps: Array<{ id: string }> }).apps.map((a) => a.id);
    expect(await ids('sync=OutOfSync')).toEqual(['/b']);
    expect(await ids('health=Missing,Progressing')).toEqual(['/b', '/c']);
    expect(await ids('sync=Synced&sync=Invalid&health=Missing')).toEqual(['/c']);

    const res = await call('/status?sync=synced');
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toEqual({
      code: 'MRK_STATUS_BAD_QUERY',
      message: 'unknown sync value "synced"; expected one of Synced, OutOfSync, Invalid, Conflict, Unknown',
    });
  });

  it('pages /status by id within a group: every app once, each page saying where the next starts', async () => {
    const { call, store } = await serve();
    for (let i = 0; i < 25; i++) store.setApp(appStatus({ id: `/lab/app-${String(i).padStart(2, '0')}` }));
    store.setApp(appStatus({ id: '/mip/web' }));
    type Page = { phase: string; page: { limit: number; after: string | null; next: string | null }; apps: Array<{ id: string }> };
    const seen: string[] = [];
    const pages: Page['page'][] = [];
    let after: string | null = null;
    do {
      const res = await call(`/status?group=/lab&limit=10${after ? `&after=${encodeURIComponent(after)}` : ''}`);
      expect(res.status).toBe(200);
      const doc = (await res.json()) as Page;
      expect(doc.phase).toBeDefined();
      seen.push(...doc.apps.map((a) => a.id));
      pages.push(doc.page);
      after = doc.page.next;
    } while (after !== null);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `/lab/app-${String(i).padStart(2, '0')}`));
    expect(pages).toEqual([
      { limit: 10, after: null, next: '/lab/app-09' },
      { limit: 10, after: '/lab/app-09', next: '/lab/app-19' },
      { limit: 10, after: '/lab/app-19', next: null },
    ]);
    // Without a limit there is no page: the filtered document as before.
    const whole = (await (await call('/status?group=/mip')).json()) as Record<string, unknown>;
    expect('page' in whole).toBe(false);
    expect((whole.apps as Array<{ id: string }>).map((a) => a.id)).toEqual(['/mip/web']);
    const bad = await call('/status?limit=0');
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).code).toBe('MRK_STATUS_BAD_QUERY');
  });

  it('gives a filtered or paged /status its own ETag, which changes only when what it holds changes', async () => {
    const { call, store } = await serve();
    store.setApp(appStatus({ id: '/lab/a' }));
    store.setApp(appStatus({ id: '/mip/web' }));
    const first = await call('/status?group=/lab');
    const etag = first.headers.get('etag') as string;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(etag).not.toBe((await call('/status')).headers.get('etag'));
    expect((await call('/status?group=/lab', { headers: { 'if-none-match': etag } })).status).toBe(304);
    // Another group's app changes (not the daemon's phase): the whole document's tag moves, this one's does not.
    const wholeTag = (await call('/status')).headers.get('etag');
    store.setApp(appStatus({ id: '/mip/web', url: 'https://web.mip.example.org/' }));
    expect((await call('/status')).headers.get('etag')).not.toBe(wholeTag);
    expect((await call('/status?group=/lab', { headers: { 'if-none-match': etag } })).status).toBe(304);
    // One of its apps changes: a new tag and the new content.
    store.setApp(appStatus({ id: '/lab/a', health: 'Degraded' }));
    const moved = await call('/status?group=/lab', { headers: { 'if-none-match': etag } });
    expect(moved.status).toBe(200);
    expect(((await moved.json()) as { apps: Array<{ health: string }> }).apps[0]?.health).toBe('Degraded');
  });

  it('looks up one app by its id, group segments as path segments', async () => {
    const { call, store } = await serve();
    const web = appStatus({ id: '/mip/prod/web', url: 'https://web.mip.example.org/' });
    store.setApp(web);
    for (const path of ['/status/apps/mip/prod/web', '/status/apps/%2Fmip%2Fprod%2Fweb', '/status/apps/mip/prod/web/']) {
      const res = await call(path);
      expect(res.status, path).toBe(200);
      expect(await res.json()).toEqual({ ...web, outcomes: [] });
    }
  });

  it("serves an app's recent outcomes with it; its ETag changes with each outcome recorded, and /status carries none", async () => {
    let now = Date.parse('2026-03-02T08:00:00Z');
    const store = new StatusStore({ instance: 'test-1', marathonUrl: 'http://127.0.0.1:8080', now: () => new Date(now) });
    const { call } = await serve({ store });
    store.setApp(appStatus({ id: '/mip/prod/web' }));
    const first = await call('/status/apps/mip/prod/web');
    const tag = first.headers.get('etag');
    expect(tag).toMatch(/^"[\w-]{27}"$/);
    expect(((await first.json()) as { outcomes: unknown[] }).outcomes).toEqual([]);
    const again = await call('/status/apps/mip/prod/web', { headers: { 'if-none-match': tag as string } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');

    const statusTag = (await call('/status')).headers.get('etag');
    now += 1000;
    store.recordOutcome('/mip/prod/web', { action: 'scale', result: 'ok', deploymentId: 'dep-1', version: 'v2', changes: ['instances: 1 → 3'] });
    const changed = await call('/status/apps/mip/prod/web', { headers: { 'if-none-match': tag as string } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(tag);
    expect(((await changed.json()) as { outcomes: unknown[] }).outcomes).toEqual([
      {
        at: '2026-03-02T08:00:01.000Z',
        lastAt: '2026-03-02T08:00:01.000Z',
        count: 1,
        action: 'scale',
        result: 'ok',
        deploymentId: 'dep-1',
        version: 'v2',
        changes: ['instances: 1 → 3'],
      },
    ]);
    const whole = await call('/status');
    expect(whole.headers.get('etag'), 'the whole document does not change with an outcome').toBe(statusTag);
    expect(await whole.text()).not.toContain('outcomes');
  });

  it('answers 404 with a JSON error for an unknown app', async () => {
    const { call } = await serve();
    const res = await call('/status/apps/x');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ error: { code: 'MRK_STATUS_APP_NOT_FOUND', message: 'app /x is not known to maracker' } });
  });

  it('answers 404 with a JSON error for an unknown route', async () => {
    const { call } = await serve();
    const res = await call('/nope');
    expect(res.status).toBe(404);
    const err = await errorOf(res);
    expect(err.code).toBe('MRK_STATUS_NOT_FOUND');
    expect(err.message).toMatch(/^no route GET \/nope; routes: GET \/status, /);
  });

  it('answers 405 with Allow for a wrong method', async () => {
    const { call } = await serve();
    let res = await call('/status', { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect(await errorOf(res)).toEqual({ code: 'MRK_STATUS_METHOD_NOT_ALLOWED', message: 'POST is not allowed on /status; allowed: GET, HEAD' });

    res = await call('/status/apps/demo/web', { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');

    res = await call('/prune/approve');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('serves a large document written in slices: the same bytes as the whole, its Content-Length and ETag those of its content', async () => {
    const { call, store } = await serve();
    for (let i = 0; i < 3000; i++) store.setApp(appStatus({ id: `/team-${i % 7}/app${i}`, source: `déployé ✓ 𝄞 ${i}.yaml:1` }));
    const res = await call('/status');
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.toString('utf8') === store.json(), 'the body is the whole document').toBe(true);
    expect(Number(res.headers.get('content-length'))).toBe(body.length);
    expect(body.length).toBeGreaterThan(256 * 1024);
    const doc = JSON.parse(body.toString('utf8')) as { apps: Array<{ id: string }> };
    expect(doc.apps.map((a) => a.id)).toEqual([...doc.apps.map((a) => a.id)].sort());
    const head = await call('/status', { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe(String(body.length));

    // The same content in another store (a restarted daemon) has the same tag; any change, another.
    const tag = res.headers.get('etag');
    const again = statusStore();
    for (let i = 0; i < 3000; i++) again.setApp(appStatus({ id: `/team-${i % 7}/app${i}`, source: `déployé ✓ 𝄞 ${i}.yaml:1` }));
    expect(`"${again.parts().digest}"`).toBe(tag);
    expect((await call('/status', { headers: { 'if-none-match': tag ?? '' } })).status).toBe(304);
    store.setApp(appStatus({ id: '/team-0/app0', source: 'changed.yaml:1' }));
    expect((await call('/status', { headers: { 'if-none-match': tag ?? '' } })).status).toBe(200);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const { call, store } = await serve();
    store.setApp(appStatus());
    const getRes = await call('/status');
    const length = (await getRes.arrayBuffer()).byteLength;
    const res = await call('/status', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(length));
    expect(await res.text()).toBe('');
    expect((await call('/healthz', { method: 'HEAD' })).status).toBe(200);
  });

  it('keeps /healthz open and every other route behind the bearer token', async () => {
    const { call } = await serve({ token: TOKEN });
    const health = await call('/healthz', { auth: false });
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });

    for (const path of ['/status', '/status/apps/demo/web', '/readyz', '/metrics', '/nope']) {
      const missing = await call(path, { auth: false });
      expect(missing.status, path).toBe(401);
      expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="maracker"');
      expect(await errorOf(missing)).toEqual({ code: 'MRK_STATUS_UNAUTHORIZED', message: 'this endpoint needs "Authorization: Bearer <token>"' });

      const wrong = await call(path, { auth: 'not-the-token' });
      expect(wrong.status, path).toBe(401);
      expect(await errorOf(wrong)).toEqual({ code: 'MRK_STATUS_UNAUTHORIZED', message: 'the bearer token is wrong' });
    }
    expect((await call('/status', { headers: { authorization: `Basic ${TOKEN}` }, auth: false })).status).toBe(401);
    expect((await call('/status')).status).toBe(200);
    expect((await call('/metrics')).status).toBe(200);
  });

  it('never logs the token', async () => {
    const { lines, destination } = logLines();
    const { call } = await serve({
      token: TOKEN,
      logger: createLogger({ level: 'debug', destination }),
      approvePrune: () => ({ approved: ['/a'], episode: 'e' }),
    });
    await call('/status');
    await call('/status', { auth: 'wrong' });
    await call('/prune/approve', { method: 'POST' });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('')).not.toContain(TOKEN);
  });

  it('reports not ready until the first full sync is done', async () => {
    const { call, store } = await serve();
    let res = await call('/readyz');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'not ready', message: 'first full sync not finished yet' });
    store.markReady();
    res = await call('/readyz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready' });
  });

  it('lets readyCheck withhold readiness after the first sync', async () => {
    const store = statusStore();
    store.markReady();
    const { call } = await serve({ store, readyCheck: () => ({ ready: false, message: 'shutting down' }) });
    const res = await call('/readyz');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'not ready', message: 'shutting down' });
  });

  it('serves metrics in the Prometheus text format, with apps by sync and health', async () => {
    const store = statusStore();
    const metrics = createDaemonMetrics({ store });
    const { call } = await serve({ store, metrics, token: TOKEN });
    store.setApp(appStatus({ id: '/a' }));
    store.setApp(appStatus({ id: '/b', sync: 'OutOfSync', health: 'Degraded' }));
    const nasty = 'files "main"\\dir\nline two';
    metrics.recordSourceError(nasty);
    metrics.recordMarathonRequest({ method: 'GET', route: '/v2/apps', status: 200, durationMs: 30 });

    const res = await call('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    expect(text).toContain('# HELP maracker_apps Apps maracker reports on, by sync status.\n# TYPE maracker_apps gauge\n');
    expect(text).toContain('maracker_source_errors_total{source="files \\"main\\"\\\\dir\\nline two"} 1\n');
    const f = parseExposition(text);
    expect(sampleValue(f, 'maracker_apps', { sync: 'Synced' })).toBe(1);
    expect(sampleValue(f, 'maracker_apps', { sync: 'OutOfSync' })).toBe(1);
    expect(sampleValue(f, 'maracker_apps_health', { health: 'Degraded' })).toBe(1);
    expect(sampleValue(f, 'maracker_apps_health', { health: 'Healthy' })).toBe(1);
    expect(sampleValue(f, 'maracker_source_errors_total', { source: nasty })).toBe(1);
    expect(sampleValue(f, 'maracker_marathon_request_duration_seconds_bucket', { method: 'GET', route: '/v2/apps', le: '0.05' })).toBe(1);
    expect(sampleValue(f, 'maracker_marathon_request_duration_seconds_bucket', { method: 'GET', route: '/v2/apps', le: '+Inf' })).toBe(1);
    expect(sampleValue(f, 'maracker_marathon_request_duration_seconds_count', { method: 'GET', route: '/v2/apps' })).toBe(1);
  });

  it('passes the metrics exposition through the scrubber', async () => {
    const store = statusStore();
    const metrics = createDaemonMetrics({ store });
    const { call } = await serve({ store, metrics, token: TOKEN, scrubber: createScrubber(['db-password-42']) });
    metrics.recordSourceError('postgres://maracker:db-password-42@db/maracker');
    metrics.setProbes({ sources: () => [{ name: 'rows of db-password-42', up: false }] });

    const text = await (await call('/metrics')).text();
    expect(text).not.toContain('db-password-42');
    const f = parseExposition(text);
    expect(sampleValue(f, 'maracker_source_errors_total', { source: 'postgres://maracker:[redacted]@db/maracker' })).toBe(1);
    expect(sampleValue(f, 'maracker_source_up', { source: 'rows of [redacted]' })).toBe(0);
  });

  describe('POST /sync', () => {
    const queued = (r: SyncRequest) => ({ queued: r.apps.length > 0 ? r.apps : ('all' as const), unknown: [], message: 'queued' });

    it('asks the daemon to reconcile the apps named, or everything, and says who asked', async () => {
      const asked: SyncRequest[] = [];
      const { call } = await serve({ token: TOKEN, requestSync: (r) => (asked.push(r), queued(r)) });
      const some = await call('/sync?app=%2Fdemo%2Fweb&app=/demo/api', { method: 'POST', headers: { 'x-maracker-user': 'alice' } });
      expect(some.status).toBe(200);
      expect(await some.json()).toEqual({ queued: ['/demo/web', '/demo/api'], unknown: [], message: 'queued' });
      const all = await call('/sync', { method: 'POST' });
      expect(await all.json()).toEqual({ queued: 'all', unknown: [], message: 'queued' });
      expect(asked).toEqual([
        { by: 'alice from 127.0.0.1', apps: ['/demo/web', '/demo/api'] },
        { by: '127.0.0.1', apps: [] },
      ]);
    });

    it('needs the token when one is set, and without one only a local request that no web page sent', async () => {
      const asked: SyncRequest[] = [];
      const withToken = await serve({ token: TOKEN, requestSync: (r) => (asked.push(r), queued(r)) });
      expect((await withToken.call('/sync', { method: 'POST', auth: false })).status).toBe(401);
      const local = await serve({ requestSync: (r) => (asked.push(r), queued(r)) });
      expect((await local.call('/sync', { method: 'POST' })).status).toBe(200);
      const page = await rawPost(`${local.server.url}/sync`, { origin: 'https://evil.example' });
      expect(page.status).toBe(403);
      expect(page.body.error.code).toBe('MRK_STATUS_TOKEN_REQUIRED');
      expect(asked).toHaveLength(1);
    });

    it('refuses what is not an app id, and GET', async () => {
      const asked: SyncRequest[] = [];
      const { call } = await serve({ token: TOKEN, requestSync: (r) => (asked.push(r), queued(r)) });
      for (const bad of ['demo', '/demo/../x', '%3Cscript%3E', '/Demo']) {
        const res = await call(`/sync?app=${bad}`, { method: 'POST' });
        expect(res.status, bad).toBe(400);
        expect((await errorOf(res)).code).toBe('MRK_STATUS_BAD_QUERY');
      }
      expect((await call('/sync')).status).toBe(405);
      expect(asked).toEqual([]);
    });

    it("passes on a follower's refusal, and answers 503 when not wired", async () => {
      const follower = await serve({
        token: TOKEN,
        requestSync: () => {
          throw new MarackerError('MRK_NOT_LEADER', 'this daemon is a follower');
        },
      });
      const res = await follower.call('/sync', { method: 'POST' });
      expect(res.status).toBe(409);
      expect((await errorOf(res)).code).toBe('MRK_NOT_LEADER');
      const none = await serve({ token: TOKEN });
      expect((await none.call('/sync', { method: 'POST' })).status).toBe(503);
    });
  });

  describe('POST /prune/approve', () => {
    const approved = (ids: string[], episode = 'ep1') => ({ approved: ids, episode });

    it('lets a request from this host approve without a token when the server listens on the loopback interface only (npm start)', async () => {
      const asked: PruneApprovalRequest[] = [];
      const { call } = await serve({ approvePrune: (r) => (asked.push(r), approved(['/a'])) });
      const res = await call('/prune/approve', { method: 'POST' });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ approved: ['/a'], episode: 'ep1', message: 'approved deleting 1 apps' });
      expect(asked).toEqual([{ by: '127.0.0.1' }]);
    });

    it('refuses a tokenless approval that comes from a web page, through a proxy, or for another host name', async () => {
      const asked: PruneApprovalRequest[] = [];
      const { server } = await serve({ approvePrune: (r) => (asked.push(r), approved(['/a'])) });
      for (const [headers, reason] of [
        [{ origin: 'https://evil.example' }, 'the request comes from a web page (origin header)'],
        [{ 'x-forwarded-for': '203.0.113.9' }, 'the request came through a proxy (x-forwarded-for header)'],
        [{ host: 'rebound.evil.example:8090' }, 'the request is addressed to host "rebound.evil.example:8090", not to a loopback address'],
      ] as const) {
        const res = await rawPost(`${server.url}/prune/approve`, headers);
        expect(res.status, reason).toBe(403);
        expect(res.body.error.code).toBe('MRK_STATUS_TOKEN_REQUIRED');
        expect(res.body.error.message).toContain(reason);
        expect(res.body.error.message).toContain('--status-token');
      }
      expect(asked).toEqual([]);
    });

    it('needs the bearer token when one is configured, from this host too', async () => {
      const asked: PruneApprovalRequest[] = [];
      const { call } = await serve({ token: TOKEN, approvePrune: (r) => (asked.push(r), approved(['/a'])) });
      expect((await call('/prune/approve', { method: 'POST', auth: false })).status).toBe(401);
      expect((await call('/prune/approve', { method: 'POST', auth: 'wrong' })).status).toBe(401);
      expect(asked).toEqual([]);
    });

    it('approves the episode it names, answers the ids, and logs who approved with the user the client names', async () => {
      const { lines, destination } = logLines();
      const asked: PruneApprovalRequest[] = [];
      const { call } = await serve({
        token: TOKEN,
        logger: createLogger({ level: 'info', destination }),
        approvePrune: async (r) => (asked.push(r), approved(['/old/a', '/old/b'], 'c0ffee123456')),
      });
      const res = await call('/prune/approve?episode=c0ffee123456', { method: 'POST', body: '{}', headers: { 'x-maracker-user': 'alice' } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ approved: ['/old/a', '/old/b'], episode: 'c0ffee123456', message: 'approved deleting 2 apps' });
      expect(asked).toEqual([{ by: 'alice from 127.0.0.1', episode: 'c0ffee123456' }]);
      const line = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'prune of 2 apps approved');
      expect(line).toMatchObject({ by: 'alice from 127.0.0.1', episode: 'c0ffee123456', approved: ['/old/a', '/old/b'], level: 40 });
    });

    it('keeps a user name it cannot log as it is out of the approver', async () => {
      const asked: PruneApprovalRequest[] = [];
      const { call } = await serve({ token: TOKEN, approvePrune: (r) => (asked.push(r), approved(['/a'])) });
      await call('/prune/approve', { method: 'POST', headers: { 'x-maracker-user': 'eve\tadmin' } });
      expect(asked).toEqual([{ by: '127.0.0.1' }]);
    });

    it('refuses an episode parameter that cannot be an episode id', async () => {
      const { call } = await serve({ token: TOKEN, approvePrune: () => approved(['/a']) });
      const res = await call('/prune/approve?episode=%3Cscript%3E', { method: 'POST' });
      expect(res.status).toBe(400);
      expect((await errorOf(res)).code).toBe('MRK_STATUS_BAD_QUERY');
    });

    it('says so when nothing awaits approval', async () => {
      const { call } = await serve({ token: TOKEN, approvePrune: () => ({ approved: [], episode: null, message: 'nothing awaits approval' }) });
      const res = await call('/prune/approve', { method: 'POST' });
      expect(await res.json()).toEqual({ approved: [], episode: null, message: 'nothing awaits approval' });
    });

    it('answers 503 when this instance cannot approve prunes', async () => {
      const { call } = await serve({ token: TOKEN });
      const res = await call('/prune/approve', { method: 'POST' });
      expect(res.status).toBe(503);
      expect((await errorOf(res)).code).toBe('MRK_STATUS_PRUNE_UNAVAILABLE');
    });

    it('passes on a refusal the daemon explains, and hides unexpected failures', async () => {
      let failure: Error = new MarackerError('MRK_NOT_LEADER', 'this instance is not the leader');
      const { call } = await serve({
        token: TOKEN,
        approvePrune: () => {
          throw failure;
        },
      });
      let res = await call('/prune/approve', { method: 'POST' });
      expect(res.status).toBe(409);
      expect(await errorOf(res)).toEqual({ code: 'MRK_NOT_LEADER', message: 'this instance is not the leader' });

      failure = new MarackerError('MRK_PRUNE_EPISODE_STALE', 'prune episode a is over');
      res = await call('/prune/approve?episode=a', { method: 'POST' });
      expect(res.status).toBe(409);
      expect((await errorOf(res)).code).toBe('MRK_PRUNE_EPISODE_STALE');

      failure = new Error('database password is hunter2');
      res = await call('/prune/approve', { method: 'POST' });
      expect(res.status).toBe(500);
      expect(await errorOf(res)).toEqual({ code: 'MRK_STATUS_INTERNAL', message: 'internal error; see the maracker log' });
    });
  });

  it('closes promptly while a keep-alive connection is open', async () => {
    const server = await startStatusServer({ host: '127.0.0.1', port: 0, store: statusStore(), metrics: createDaemonMetrics() });
    onTestFinished(() => server.close());
    const agent = new Agent({ keepAlive: true, keepAliveMsecs: 60_000 });
    onTestFinished(() => agent.destroy());
    const res = await new Promise<IncomingMessage>((resolve, reject) => get(`${server.url}/healthz`, { agent }, resolve).on('error', reject));
    res.resume();
    await new Promise((resolve) => res.on('end', resolve));
    expect(res.headers.connection).toBe('keep-alive');
    expect(Object.values(agent.freeSockets).flat()).toHaveLength(1);

    await server.close();
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    await server.close();
  });

  it('fails to start with MRK_STATUS_LISTEN when the port is taken', async () => {
    const { server } = await serve();
    await expect(
      startStatusServer({ host: '127.0.0.1', port: server.address.port, store: statusStore(), metrics: createDaemonMetrics() }),
    ).rejects.toMatchObject({
      code: 'MRK_STATUS_LISTEN',
      port: server.address.port,
    });
  });

  it('checks its options before listening', async () => {
    const base = { host: '127.0.0.1', port: 0, store: statusStore(), metrics: createDaemonMetrics() };
    await expect(startStatusServer({ ...base, token: '' })).rejects.toThrow('Expected `token` to be a non-empty string without whitespace');
    await expect(startStatusServer({ ...base, port: 70_000 })).rejects.toThrow('Expected `port` to be an integer from 0 to 65535, got `70000`');
  });
});
