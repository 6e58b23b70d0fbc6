import { describe, expect, it } from 'vitest';
import { ownershipSelector } from '../../src/model/labels.js';
import type { MarathonAppDefinition } from '../../src/model/marathon.js';
import { MarathonBadBodyError, MarathonConnectionError, MarathonTimeoutError } from '../../src/marathon/errors.js';
import { rejection, testClient } from './helpers/client.js';
import { fixture, json, refusedUrl, startServer } from './helpers/server.js';

const DEPLOYMENT = { deploymentId: '5ed4c0c5-9ff8-4a6f-a0cd-f57f59a34b43', version: '2015-09-29T15:59:51.164Z' };

function app(overrides: Partial<MarathonAppDefinition> = {}): MarathonAppDefinition {
  return { id: '/mip/prod/web', cmd: 'python -m http.server', instances: 1, cpus: 0.1, mem: 128, ...overrides };
}

describe('MarathonClient reads', () => {
  it('lists the apps of a real Marathon 1.5 answer', async () => {
    const server = await startServer((_req, res) => json(res, 200, fixture('marathon15_apps.json')));
    const { client } = testClient(server.url);
    const apps = await client.listApps({ label: ownershipSelector('mip'), embed: ['apps.tasks', 'apps.counts'] });
    expect(apps.map((a) => a.id)).toEqual(['/pywebserver']);
    expect(apps[0]).toMatchObject({ instances: 1, container: { docker: { image: 'python:3' } }, version: '2017-07-19T17:34:41.967Z' });
    expect(apps[0]!.tasks).toHaveLength(1);
    const url = new URL(server.received[0]!.url, server.url);
    expect(url.pathname).toBe('/v2/apps');
    expect(url.searchParams.get('label')).toBe('maracker.managed-by in (maracker,maracker.mip)');
    expect(url.searchParams.getAll('embed')).toEqual(['apps.tasks', 'apps.counts']);
    expect(server.received[0]!.headers.accept).toBe('application/json');
  });

  it('gets one app of a nested group by its absolute id, with its embeds', async () => {
    const server = await startServer((_req, res) => json(res, 200, { app: { id: '/mip/prod/web', instances: 2 } }));
    const { client } = testClient(server.url);
    expect(await client.getApp('/mip/prod/web', { embed: ['apps.deployments'] })).toEqual({ id: '/mip/prod/web', instances: 2 });
    expect(server.received[0]!.url).toBe('/v2/apps/mip/prod/web?embed=apps.deployments');
  });

  it('lists deployments, reads info, leader and ping', async () => {
    const server = await startServer((req, res) => {
      if (req.url === '/v2/deployments') return json(res, 200, [{ id: 'd1', version: 'v', affectedApps: ['/web'] }]);
      if (req.url === '/v2/info') return json(res, 200, { name: 'marathon', version: '1.10.26', leader: 'm1:8080' });
      if (req.url === '/v2/leader') return json(res, 200, { leader: 'm1:8080' });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('pong');
    });
    const { client } = testClient(server.url);
    expect(await client.listDeployments()).toEqual([{ id: 'd1', version: 'v', affectedApps: ['/web'] }]);
    expect((await client.info()).version).toBe('1.10.26');
    expect(await client.leader()).toBe('m1:8080');
    await client.ping();
    expect(server.received.map((r) => r.url)).toEqual(['/v2/deployments', '/v2/info', '/v2/leader', '/ping']);
  });
});

describe('MarathonClient writes', () => {
  it('creates an app and reads the deployment id from the header', async () => {
    const server = await startServer((_req, res, body) => {
      const created = { ...JSON.parse(body), version: '2024-01-01T00:00:00.000Z', deployments: [{ id: 'dep-1' }] };
      json(res, 201, created, { 'marathon-deployment-id': 'dep-1', location: `${server.url}/v2/apps/mip/prod/web` });
    });
    const { client } = testClient(server.url);
    const result = await client.createApp(app());
    expect(result).toMatchObject({ deploymentId: 'dep-1', version: '2024-01-01T00:00:00.000Z', app: { id: '/mip/prod/web' } });
    expect(server.received[0]).toMatchObject({ method: 'POST', url: '/v2/apps' });
    expect(server.received[0]!.headers['content-type']).toBe('application/json');
  });

  it('updates with partialUpdate=false and never sends version, versionInfo or tasks back', async () => {
    const server = await startServer((_req, res) => json(res, 200, DEPLOYMENT));
    const { client } = testClient(server.url);
    const fromMarathon = {
      ...app({ instances: 3 }),
      version: '2017-07-19T17:34:41.967Z',
      versionInfo: { lastScalingAt: 'x', lastConfigChangeAt: 'y' },
      tasks: [{ id: 't1', appId: '/mip/prod/web' }],
      tasksRunning: 3,
      deployments: [{ id: 'old' }],
    };
    expect(await client.updateApp('/mip/prod/web', fromMarathon, { force: true })).toEqual(DEPLOYMENT);
    const received = server.received[0]!;
    expect(received.method).toBe('PUT');
    expect(received.url).toBe('/v2/apps/mip/prod/web?partialUpdate=false&force=true');
    expect(JSON.parse(received.body)).toEqual(app({ instances: 3 }));
  });

  it('scales by sending only the instance count, as a partial update', async () => {
    const server = await startServer((_req, res) => json(res, 200, DEPLOYMENT));
    const { client } = testClient(server.url);
    expect(await client.scaleApp('/mip/prod/web', 0)).toEqual(DEPLOYMENT);
    expect(server.received[0]).toMatchObject({ method: 'PUT', url: '/v2/apps/mip/prod/web' });
    expect(JSON.parse(server.received[0]!.body)).toEqual({ instances: 0 });
  });

  it('deletes, restarts and cancels deployments', async () => {
    const server = await startServer((req, res) => {
      if (req.url === '/v2/deployments/d1?force=true') {
        res.writeHead(202);
        return res.end();
      }
      json(res, 200, DEPLOYMENT, { 'marathon-deployment-id': DEPLOYMENT.deploymentId });
    });
    const { client } = testClient(server.url);
    expect(await client.deleteApp('/web')).toEqual(DEPLOYMENT);
    expect(await client.restartApp('/web', { force: true })).toEqual(DEPLOYMENT);
    expect(await client.cancelDeployment('d1')).toEqual(DEPLOYMENT);
    expect(await client.cancelDeployment('d1', { force: true })).toBeNull();
    expect(server.received[1]!.headers['content-type']).toBe('application/json');
    expect(server.received.map((r) => `${r.method} ${r.url}`)).toEqual([
      'DELETE /v2/apps/web',
      'POST /v2/apps/web/restart?force=true',
      'DELETE /v2/deployments/d1',
      'DELETE /v2/deployments/d1?force=true',
    ]);
  });

  it('refuses ids that do not name one app before sending anything', async () => {
    const server = await startServer((_req, res) => json(res, 200, DEPLOYMENT));
    const { client } = testClient(server.url);
    await expect(client.deleteApp('/')).rejects.toThrow(TypeError);
    await expect(client.getApp('/mip/*')).rejects.toThrow(TypeError);
    await expect(client.scaleApp('/web', -1)).rejects.toThrow('Expected `instances` to be an integer from 0 and up, got `-1`');
    expect(server.received).toHaveLength(0);
  });
});

describe('MarathonClient bad bodies: unknown, never empty', () => {
  it.each([
    ['truncated JSON', '{"apps":[{"id":"/a"},{"id":"/b"'],
    ['invalid JSON', '<html>Login required</html>'],
    ['no apps array', '{}'],
    ['apps that are not apps', '{"apps":[{"name":"x"}]}'],
    ['an empty body', ''],
  ])('listApps rejects %s with MRK_MARATHON_BAD_BODY after retrying', async (_name, body) => {
    const server = await startServer((_req, res) => json(res, 200, body));
    const { client, sleeps } = testClient(server.url);
    const err = await rejection(client.listApps());
    expect(err).toBeInstanceOf(MarathonBadBodyError);
    expect(err).toMatchObject({ code: 'MRK_MARATHON_BAD_BODY', status: 200, method: 'GET', path: '/v2/apps' });
    // Read as it arrives first, refused; then read whole (for the precise error), retried as any read.
    expect(server.received).toHaveLength(4);
    expect(sleeps).toHaveLength(2);
  });

  it('listApps refuses a listing longer than the bound (maxBodyBytes) as it arrives, retried as any bad body, never read whole', async () => {
    const apps = Array.from({ length: 2000 }, (_, i) => app({ id: `/big/a${i}` }));
    const server = await startServer((_req, res) => json(res, 200, JSON.stringify({ apps })));
    const { client, sleeps } = testClient(server.url, { maxBodyBytes: 64 * 1024 });
    const err = await rejection(client.listApps());
    expect(err).toMatchObject({
      code: 'MRK_MARATHON_BAD_BODY',
      message: expect.stringContaining('longer than 65536 bytes, the most maracker reads of one answer'),
    });
    expect(server.received).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('reads a listing of another shape whole, and goes on reading it whole (one request a listing)', async () => {
    const apps = [{ id: '/a', instances: 1 }];
    const server = await startServer((_req, res) => json(res, 200, JSON.stringify({ note: 'x', apps })));
    const { client } = testClient(server.url);
    expect(await client.listApps()).toEqual(apps);
    expect(server.received).toHaveLength(2);
    expect(await client.listApps()).toEqual(apps);
    expect(server.received).toHaveLength(3);
    expect(client.listingStats()).toMatchObject({ whole: true });
  });

  it('reads a plain listing as it arrives, holding far less than the body', async () => {
    const apps = Array.from({ length: 4000 }, (_, i) => ({ id: `/app-${i}`, instances: 1, env: { PAD: 'p'.repeat(300) } }));
    const body = JSON.stringify({ apps });
    const server = await startServer((_req, res) => json(res, 200, body));
    const { client } = testClient(server.url);
    expect(await client.listApps()).toEqual(apps);
    expect(server.received).toHaveLength(1);
    expect(body.length).toBeGreaterThan(1 << 20);
    expect(client.listingStats()).toMatchObject({ whole: false, apps: 4000 });
    expect(client.listingStats()?.heldBytes).toBeLessThan(body.length / 4);
  });

  it('rejects a body cut off mid-stream by a destroyed socket', async () => {
    const server = await startServer((_req, res) => {
      const full = fixture('marathon15_apps.json');
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(full) });
      res.write(full.slice(0, 200), () => res.destroy());
    });
    const { client } = testClient(server.url, { readAttempts: 1 });
    const err = await rejection(client.listApps());
    expect(['MRK_MARATHON_CONNECTION', 'MRK_MARATHON_BAD_BODY']).toContain(err.code);
  });

  it('rejects a chunked body that ends early with MRK_MARATHON_BAD_BODY', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(fixture('marathon15_apps.json').slice(0, 300));
    });
    const { client } = testClient(server.url, { readAttempts: 1 });
    expect((await rejection(client.listApps())).code).toBe('MRK_MARATHON_BAD_BODY');
  });

  it('rejects a write answer without a deployment id but does not retry the write', async () => {
    const server = await startServer((_req, res) => json(res, 200, '{"version":"v"}'));
    const { client } = testClient(server.url);
    expect((await rejection(client.deleteApp('/web'))).code).toBe('MRK_MARATHON_BAD_BODY');
    expect(server.received).toHaveLength(1);
  });
});

describe('MarathonClient transport failures', () => {
  it('times out on a server that never answers', async () => {
    const server = await startServer(() => {
      /* never answers */
    });
    const { client } = testClient(server.url, { timeoutMs: 100, readAttempts: 1 });
    const err = await rejection(client.listApps());
    expect(err).toBeInstanceOf(MarathonTimeoutError);
    expect(err).toMatchObject({ code: 'MRK_MARATHON_TIMEOUT', timeoutMs: 100, method: 'GET', path: '/v2/apps' });
  });

  it('times out on a body that stalls after the headers', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"apps":[');
    });
    const { client } = testClient(server.url, { timeoutMs: 100, readAttempts: 1 });
    const err = await rejection(client.listApps());
    expect(err.code).toBe('MRK_MARATHON_TIMEOUT');
    expect(err.message).toContain(`no complete answer from ${new URL(server.url).host} within 100 ms`);
  });

  it('reports a refused connection, after retrying the read', async () => {
    const url = await refusedUrl();
    const { client, sleeps, requests } = testClient(url);
    const err = await rejection(client.listApps());
    expect(err).toBeInstanceOf(MarathonConnectionError);
    // Says where it tried and what to check.
    expect(err.message).toContain(`cannot connect to ${new URL(url).host} (ECONNREFUSED: connection refused): is Marathon there, and is --marathon its URL?`);
    expect(err).toMatchObject({ code: 'MRK_MARATHON_CONNECTION', systemCode: 'ECONNREFUSED' });
    expect(sleeps).toHaveLength(2);
    expect(requests.map((r) => r.error?.code)).toEqual(Array(3).fill('MRK_MARATHON_CONNECTION'));
  });

  it('does not retry a write whose connection was reset: exactly one request reached the server', async () => {
    const server = await startServer((req) => req.socket.destroy());
    const { client, sleeps } = testClient(server.url);
    const err = await rejection(client.createApp(app()));
    expect(err.code).toBe('MRK_MARATHON_CONNECTION');
    expect(server.received).toHaveLength(1);
    expect(sleeps).toHaveLength(0);
  });

  it('retries a read after a 503 and returns the next good answer', async () => {
    const server = await startServer((_req, res, _body, n) => {
      if (n === 1) return json(res, 503, '{"message":"Could not determine the current leader"}');
      json(res, 200, { apps: [{ id: '/web' }] });
    });
    const { client, sleeps, requests } = testClient(server.url);
    expect(await client.listApps()).toEqual([{ id: '/web' }]);
    expect(server.received).toHaveLength(2);
    expect(sleeps).toEqual([188]);
    expect(requests.map((r) => [r.route, r.status, r.attempt, r.error?.code])).toEqual([
      ['/v2/apps', 503, 1, 'MRK_MARATHON_SERVER_ERROR'],
      ['/v2/apps', 200, 2, undefined],
    ]);
  });

  it('does not retry a write that timed out: it may have been applied', async () => {
    const server = await startServer(() => {
      /* takes the write, never answers */
    });
    const { client, sleeps } = testClient(server.url, { timeoutMs: 100 });
    expect((await rejection(client.scaleApp('/web', 3))).code).toBe('MRK_MARATHON_TIMEOUT');
    expect(server.received).toHaveLength(1);
    expect(sleeps).toHaveLength(0);
  });

  it('does not retry writes answered 503', async () => {
    const server = await startServer((_req, res) => json(res, 503, '{"message":"busy"}'));
    const { client } = testClient(server.url);
    for (const write of [
      () => client.createApp(app()),
      () => client.updateApp('/web', app()),
      () => client.scaleApp('/web', 2),
      () => client.deleteApp('/web'),
      () => client.restartApp('/web'),
      () => client.cancelDeployment('d1'),
    ]) {
      expect((await rejection(write())).code).toBe('MRK_MARATHON_SERVER_ERROR');
    }
    expect(server.received).toHaveLength(6);
  });

  it('does not retry reads that cannot get better (404)', async () => {
    const server = await startServer((_req, res) => json(res, 404, fixture('errors/404-app-does-not-exist.json')));
    const { client } = testClient(server.url);
    expect((await rejection(client.getApp('/web'))).code).toBe('MRK_MARATHON_NOT_FOUND');
    expect(server.received).toHaveLength(1);
  });

  it('backs off exponentially with jitter up to the cap', async () => {
    const server = await startServer((_req, res) => json(res, 500, '{}'));
    const sequence = [0, 0.999999, 0.5, 0];
    const { client, sleeps } = testClient(server.url, {
      readAttempts: 5,
      retryBaseDelayMs: 100,
      retryMaxDelayMs: 300,
      random: () => sequence.shift() ?? 0,
    });
    await rejection(client.info());
    // retry 1: 100 -> [50, 100]; retry 2: 200 -> [100, 200]; retry 3 and 4: capped at 300 -> [150, 300]
    expect(sleeps).toEqual([50, 200, 225, 150]);
  });

  it('keeps working when the onRequest hook throws', async () => {
    const server = await startServer((_req, res) => json(res, 200, { apps: [] }));
    const { client } = testClient(server.url, {
      onRequest: () => {
        throw new Error('metrics bug');
      },
    });
    expect(await client.listApps()).toEqual([]);
  });

  it('fails fast after close()', async () => {
    const server = await startServer((_req, res) => json(res, 200, { apps: [] }));
    const { client } = testClient(server.url);
    await client.close();
    expect((await rejection(client.listApps())).code).toBe('MRK_MARATHON_CLOSED');
    expect(server.received).toHaveLength(0);
  });
});

describe('MarathonClient leader redirect', () => {
  it('follows a standby to the leader, preserving method and body, then talks to the leader directly', async () => {
    const leader = await startServer((req, res) => {
      if (req.method === 'GET') return json(res, 200, { apps: [] });
      json(res, 200, DEPLOYMENT);
    });
    const standby = await startServer((req, res) => {
      res.writeHead(307, { location: `${leader.url}${req.url}` });
      res.end();
    });
    const { client, requests } = testClient(standby.url);
    expect(await client.updateApp('/web', app({ id: '/web' }))).toEqual(DEPLOYMENT);
    expect(standby.received).toHaveLength(1);
    expect(leader.received[0]).toMatchObject({ method: 'PUT', url: '/v2/apps/web?partialUpdate=false' });
    expect(JSON.parse(leader.received[0]!.body)).toEqual(app({ id: '/web' }));
    expect(client.currentUrl).toBe(leader.url);
    expect(requests.map((r) => r.status)).toEqual([307, 200]);

    expect(await client.listApps()).toEqual([]);
    expect(standby.received).toHaveLength(1);
    expect(leader.received).toHaveLength(2);
  });

  it('falls back to the configured URL when the remembered leader fails', async () => {
    let leaderUp = true;
    const leader = await startServer((_req, res) => {
      if (leaderUp) return json(res, 200, { apps: [{ id: '/from-leader' }] });
      json(res, 503, '{"message":"Could not determine the current leader"}');
    });
    const configured = await startServer((req, res, _body, n) => {
      if (n === 1) {
        res.writeHead(302, { location: `${leader.url}${req.url}` });
        return res.end();
      }
      json(res, 200, { apps: [{ id: '/from-configured' }] });
    });
    const { client } = testClient(configured.url);
    expect((await client.listApps())[0]!.id).toBe('/from-leader');
    leaderUp = false;
    expect((await client.listApps())[0]!.id).toBe('/from-configured');
    expect(client.currentUrl).toBe(configured.url);
  });

  it('stops after a bounded number of hops', async () => {
    const loop = await startServer((req, res) => {
      res.writeHead(307, { location: req.url });
      res.end();
    });
    const { client } = testClient(loop.url, { maxRedirects: 2 });
    const err = await rejection(client.deleteApp('/web'));
    expect(err).toMatchObject({ code: 'MRK_MARATHON_UNEXPECTED_STATUS', status: 307 });
    expect(loop.received).toHaveLength(3);
  });
});
