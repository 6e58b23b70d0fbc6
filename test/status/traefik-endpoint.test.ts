// GET /traefik/v3: the endpoint Traefik's HTTP provider polls (providers.http.endpoint).

import { describe, expect, it, onTestFinished } from 'vitest';
import { createDaemonMetrics } from '../../src/status/daemon-metrics.js';
import { startStatusServer, type StatusServerOptions } from '../../src/status/server.js';
import type { StatusStore } from '../../src/status/store.js';
import { traefikV3Http } from '../traefik/http-provider.js';
import { appStatus, statusStore } from './fixtures.js';

const TOKEN = 'traefik-s3cret';

async function serve(options: Partial<StatusServerOptions> = {}) {
  const store = options.store ?? statusStore();
  const server = await startStatusServer({ host: '127.0.0.1', port: 0, store, metrics: createDaemonMetrics({ store }), traefikV3: true, ...options });
  onTestFinished(() => server.close());
  return { server, store, get: (headers: Record<string, string> = {}) => fetch(`${server.url}/traefik/v3`, { headers }) };
}

function exposed(store: StatusStore, servers: string[]): void {
  store.setApp(appStatus({ id: '/demo/web', route: { name: 'demo_web', rule: 'Host(`web.localhost`)', port: { index: 0 }, servers } }));
}

describe('GET /traefik/v3', () => {
  it('answers 503 until the first full sync, so that Traefik keeps the routes it has instead of dropping them all', async () => {
    const { store, get } = await serve();
    exposed(store, ['http://10.0.0.1:31000']);
    const early = await get();
    expect(early.status).toBe(503);
    expect(early.headers.get('retry-after')).toBe('1');
    expect(((await early.json()) as { error: { code: string } }).error.code).toBe('MRK_STATUS_NOT_READY');
    store.markReady();
    const res = await get();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(traefikV3Http(await res.text()).route({ host: 'web.localhost', path: '/' })?.servers).toEqual(['http://10.0.0.1:31000']);
  });

  it('reflects a record the reconciler writes at the very next poll, and the same bytes and ETag while nothing changed', async () => {
    const { store, get } = await serve();
    store.markReady();
    exposed(store, ['http://10.0.0.1:31000']);
    const first = await get();
    const text = await first.text();
    const etag = first.headers.get('etag') as string;
    // another field of the status changes (health, Marathon's last read): the body does not
    store.setApp({ ...(store.getApp('/demo/web') as ReturnType<typeof appStatus>), health: 'Degraded' });
    store.setMarathon({ url: 'http://m', reachable: true, lastReadAt: '2026-01-01T00:00:01.000Z', lastError: null });
    const again = await get();
    expect(await again.text()).toBe(text);
    expect(again.headers.get('etag')).toBe(etag);
    const unchanged = await get({ 'if-none-match': etag });
    expect(unchanged.status).toBe(304);
    expect(await unchanged.text()).toBe('');
    // a task scaled out
    exposed(store, ['http://10.0.0.1:31000', 'http://10.0.0.2:31000']);
    const changed = await get({ 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(traefikV3Http(await changed.text()).services.get('demo_web')).toEqual(['http://10.0.0.1:31000', 'http://10.0.0.2:31000']);
  });

  it('takes the status token, which Traefik sends as a custom header of the provider', async () => {
    const { store, get } = await serve({ token: TOKEN });
    store.markReady();
    expect((await get()).status).toBe(401);
    expect((await get({ authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await get({ authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  });

  it('takes a dedicated Traefik token too, which opens nothing else (it cannot read status, nor approve prunes)', async () => {
    const { server, store, get } = await serve({ token: TOKEN, traefikToken: 'traefik-only' });
    store.markReady();
    expect((await get({ authorization: 'Bearer traefik-only' })).status).toBe(200);
    expect((await get({ authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await fetch(`${server.url}/status`, { headers: { authorization: 'Bearer traefik-only' } })).status).toBe(401);
    expect((await fetch(`${server.url}/prune/approve`, { method: 'POST', headers: { authorization: 'Bearer traefik-only' } })).status).toBe(401);
  });

  it('is 404 with the flag to set on a daemon that writes labels instead, and HEAD and GET only', async () => {
    const off = await serve({ traefikV3: false });
    const res = await off.get();
    expect(res.status).toBe(404);
    const error = ((await res.json()) as { error: { code: string; message: string } }).error;
    expect(error).toMatchObject({ code: 'MRK_STATUS_TRAEFIK_DISABLED', message: expect.stringContaining('--traefik v3') });
    const on = await serve();
    on.store.markReady();
    expect((await fetch(`${on.server.url}/traefik/v3`, { method: 'POST' })).status).toBe(405);
    const head = await fetch(`${on.server.url}/traefik/v3`, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-length'), await head.text()]).toEqual([200, '2', '']);
  });
});
