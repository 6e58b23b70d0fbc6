// The status server's side of the dashboard: its files are public (they hold no data), sent
// with a strict Content-Security-Policy, looked up by name only; /status answers 304 to a
// poll whose ETag still matches, and still wants the token.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createDaemonMetrics } from '../../src/status/daemon-metrics.js';
import { DASHBOARD_CSP, type RowScaleRequest, startStatusServer, type StatusServerOptions } from '../../src/status/server.js';
import { appStatus, statusStore } from './fixtures.js';

const TOKEN = 'ui-token';

async function assets(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'maracker-ui-'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>maracker</title>');
  await writeFile(join(dir, 'dashboard.js'), 'export {};');
  await writeFile(join(dir, 'dashboard.css'), 'body{}');
  await writeFile(join(dir, 'secret.txt'), 'not served');
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A POST with exactly these headers (fetch sets Origin and Sec-Fetch-Site only in a browser). */
function rawPost(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A GET of exactly this path (fetch would resolve the dots before sending it). */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function serve(options: Partial<StatusServerOptions> = {}) {
  const store = statusStore();
  const server = await startStatusServer({ host: '127.0.0.1', port: 0, store, metrics: createDaemonMetrics({ store }), token: TOKEN, ...options });
  onTestFinished(() => server.close());
  return { server, store, get: (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, { redirect: 'manual', ...init }) };
}

describe('the dashboard on the status server', () => {
  it('serves its files without the token, with a CSP that allows no inline script and no other origin', async () => {
    const { get } = await serve({ dashboardDir: await assets() });
    const page = await get('/ui/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<title>maracker</title>');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toBe(DASHBOARD_CSP);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const script = await get('/ui/dashboard.js');
    expect([script.status, script.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect((await get('/ui/dashboard.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('sends / and /ui to /ui/', async () => {
    const { get } = await serve({ dashboardDir: await assets() });
    for (const path of ['/', '/ui']) {
      const res = await get(path);
      expect([res.status, res.headers.get('location')]).toEqual([302, '/ui/']);
    }
  });

  it('serves only the files it knows, by name: no other type, no path out of its folder', async () => {
    const { server, get } = await serve({ dashboardDir: await assets() });
    for (const path of ['/ui/secret.txt', '/ui/../status', '/ui/%2e%2e/status', '/ui/nope.js', '/ui/sub/index.html', '/ui/../../etc/passwd']) {
      const res = await rawGet(server.address.port, path);
      expect(res.status, path).toBe(404);
      expect(res.body, path).not.toMatch(/"apps"|root:/);
    }
    expect((await get('/ui/index.html', { method: 'POST' })).status).toBe(405);
  });

  it('says how to build the files when they are missing, and keeps serving the API', async () => {
    const { get } = await serve({ dashboardDir: join(tmpdir(), 'maracker-no-such-ui') });
    const res = await get('/ui/');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('npm run build');
    expect((await get('/status', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });

  it('answers a poll whose ETag still matches with 304 and no body, and a changed status with 200 and a new tag', async () => {
    const { get, store } = await serve({ dashboardDir: await assets() });
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await get('/status')).status).toBe(401);
    const first = await get('/status', { headers: auth });
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    const again = await get('/status', { headers: { ...auth, 'if-none-match': etag } });
    expect([again.status, await again.text()]).toEqual([304, '']);
    // The tag does not open the door: without the token, 401 as before.
    expect((await get('/status', { headers: { 'if-none-match': etag } })).status).toBe(401);
    store.setApp(appStatus({ id: '/demo/new' }));
    const changed = await get('/status', { headers: { ...auth, 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(await changed.text()).toContain('/demo/new');
  });
});

describe('POST /apps/{id}/scale: start, stop and scale of a database row', () => {
  async function withRows(options: Partial<StatusServerOptions> = {}) {
    const asked: RowScaleRequest[] = [];
    const served = await serve({ setRowInstances: async (r) => (asked.push(r), r.id !== '/db/gone'), ...options });
    served.store.setApp(appStatus({ id: '/db/notes', source: 'database row /db/notes' }));
    served.store.setApp(appStatus({ id: '/db/gone', source: 'database row /db/gone' }));
    served.store.setApp(appStatus({ id: '/files/web', source: 'apps.yaml:3' }));
    const post = (path: string, auth = true) => served.get(path, { method: 'POST', headers: auth ? { authorization: `Bearer ${TOKEN}` } : {} });
    return { ...served, asked, post };
  }
  const errorCode = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

  it('writes the row through the daemon, with the token, and says the change is reconciled like any other', async () => {
    const { post, asked } = await withRows();
    expect((await post('/apps/db/notes/scale?instances=0', false)).status).toBe(401);
    const res = await post('/apps/db/notes/scale?instances=0');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      id: '/db/notes',
      instances: 0,
      message: 'row /db/notes set to 0 instances; the daemon reconciles it like any row change',
    });
    expect((await post('/apps/db/notes/scale?instances=3')).status).toBe(200);
    expect(asked).toEqual([
      { id: '/db/notes', instances: 0, by: '127.0.0.1' },
      { id: '/db/notes', instances: 3, by: '127.0.0.1' },
    ]);
  });

  it('refuses a manifest app (git is its truth), an unknown app or row, a bad count, and GET', async () => {
    const { post, get, asked } = await withRows();
    const manifest = await post('/apps/files/web/scale?instances=2');
    expect(manifest.status).toBe(409);
    expect(await errorCode(manifest)).toEqual({
      code: 'MRK_STATUS_READ_ONLY',
      message: "app /files/web is declared in apps.yaml:3: change it in the manifests' git repository",
    });
    expect((await post('/apps/db/unknown/scale?instances=1')).status).toBe(404);
    const gone = await post('/apps/db/gone/scale?instances=1');
    expect([gone.status, (await errorCode(gone)).message]).toEqual([404, 'maracker.apps has no row /db/gone (any more)']);
    for (const bad of ['-1', '1.5', '1001', '', 'abc', '1e3']) {
      const res = await post(`/apps/db/notes/scale?instances=${bad}`);
      expect(res.status, bad).toBe(400);
      expect((await errorCode(res)).code).toBe('MRK_STATUS_BAD_QUERY');
    }
    expect((await get('/apps/db/notes/scale?instances=1', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(405);
    expect(asked.map((a) => a.id)).toEqual(['/db/gone']);
  });

  it("refuses more instances than the daemon's --max-instances, which would leave the row refused", async () => {
    const { post, asked } = await withRows({ maxInstances: 5 });
    const res = await post('/apps/db/notes/scale?instances=6');
    expect([res.status, (await errorCode(res)).message]).toEqual([400, 'instances: expected an integer from 0 to 5 (--max-instances), got "6"']);
    expect((await post('/apps/db/notes/scale?instances=5')).status).toBe(200);
    expect(asked.map((a) => a.instances)).toEqual([5]);
  });

  it('answers 503 where the daemon has no database to write to', async () => {
    const { post } = await withRows({ setRowInstances: undefined });
    const res = await post('/apps/db/notes/scale?instances=1');
    expect([res.status, (await errorCode(res)).code]).toEqual([503, 'MRK_STATUS_ROWS_UNAVAILABLE']);
  });

  it("without a token, accepts the server's own dashboard on loopback and refuses any other page", async () => {
    const { server, asked } = await withRows({ token: undefined });
    const port = server.address.port;
    const host = `127.0.0.1:${port}`;
    const ok = await rawPost(port, '/apps/db/notes/scale?instances=2', { host, origin: `http://${host}`, 'sec-fetch-site': 'same-origin' });
    expect(ok.status).toBe(200);
    const other = await rawPost(port, '/apps/db/notes/scale?instances=5', { host, origin: 'http://127.0.0.1:3000', 'sec-fetch-site': 'same-site' });
    expect(other.status).toBe(403);
    expect(JSON.parse(other.body).error.message).toContain(
      'scaling an app writes its row of maracker.apps: without a status token, only a request from this host',
    );
    expect(asked.map((a) => a.instances)).toEqual([2]);
  });
});
