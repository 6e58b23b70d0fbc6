// Authentication and transport security of RegistryClient, against MockAgent handlers (no
// traffic leaves the process): Docker Hub's anonymous bearer flow, basic auth, credentials
// from config.json and their limits, Docker's plain-HTTP rule, and no credential in any
// error or log line.

import { PassThrough } from 'node:stream';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/base/log.js';
import { RegistryClient } from '../../src/registry/client.js';
import { parseDockerConfig } from '../../src/registry/docker-config.js';
import type { RegistryError } from '../../src/registry/errors.js';
import type { RegistryClientOptions } from '../../src/registry/options.js';
import { image } from '../helpers/oci-image.js';
import { errors, MockNet, registryHandler, type Repository } from './helpers/mock-registry.js';

const HUB = 'https://registry-1.docker.io';
const HUB_AUTH = 'https://auth.docker.io';
const REGISTRY = 'https://registry.example.com';
const PASSWORD = 'pa55-W0rd!secret';
const BASIC = Buffer.from(`ci:${PASSWORD}`).toString('base64');
const TOKEN = 'tok.eyJhbGciOiJub25lIn0.issued-by-the-test';

const web = image({ labels: { 'org.opencontainers.image.title': 'web' }, exposedPorts: ['80/tcp'] });
const repoOf = (tag = 'latest'): Repository => ({ tags: { [tag]: web.manifest.digest }, blobs: web.blobs });

const clients: RegistryClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

interface Harness {
  client: RegistryClient;
  clock: { now: number };
  log: () => string;
}

function client(net: MockNet, options: RegistryClientOptions = {}): Harness {
  const clock = { now: 1_000_000 };
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  const c = new RegistryClient({
    dispatcher: net.agent,
    sleep: async () => undefined,
    now: () => clock.now,
    logger: createLogger({ level: 'debug', destination: out }),
    ...options,
  });
  clients.push(c);
  return { client: c, clock, log: () => text };
}

async function failure(promise: Promise<unknown>): Promise<RegistryError> {
  try {
    await promise;
  } catch (err) {
    return err as RegistryError;
  }
  throw new Error('expected a failure');
}

/** A token endpoint that issues TOKEN, to anyone or only to `ci:PASSWORD`. */
function tokenEndpoint(net: MockNet, origin: string, opts: { requireCredentials?: boolean } = {}): void {
  net.serve(origin, (req) => {
    if (opts.requireCredentials && req.authorization !== `Basic ${BASIC}`)
      return { status: 401, body: JSON.stringify({ details: 'incorrect username or password' }) };
    return { status: 200, body: JSON.stringify({ token: TOKEN, expires_in: 300, issued_at: '2024-05-01T12:00:00Z' }) };
  });
}

describe("Docker Hub's bearer-token flow", () => {
  it('reads `nginx` from registry-1.docker.io with an anonymous token for library/nginx, then reuses the token', async () => {
    const net = new MockNet();
    net.serve(
      HUB,
      registryHandler({ 'library/nginx': repoOf() }, { auth: { kind: 'bearer', realm: `${HUB_AUTH}/token`, service: 'registry.docker.io', token: TOKEN } }),
    );
    tokenEndpoint(net, HUB_AUTH);
    const { client: c, clock } = client(net);

    expect((await c.inspect('nginx')).reference).toBe('docker.io/library/nginx:latest');
    const tokenRequests = net.to(HUB_AUTH);
    expect(tokenRequests).toEqual([
      { method: 'GET', origin: HUB_AUTH, path: '/token?scope=repository%3Alibrary%2Fnginx%3Apull&service=registry.docker.io', accept: 'application/json' },
    ]);
    // 401, then the same request with the token; the next two carry the token from the start.
    expect(net.to(HUB).map((r) => `${r.method} ${r.authorization ?? '-'}`)).toEqual([
      'HEAD -',
      `HEAD Bearer ${TOKEN}`,
      `GET Bearer ${TOKEN}`,
      `GET Bearer ${TOKEN}`,
    ]);

    // Past its expiry (300 s, renewed 5 s early) the token is fetched again.
    c.clearCache();
    clock.now += 296_000;
    await c.inspect('nginx');
    expect(net.to(HUB_AUTH)).toHaveLength(2);
  });

  it('sends config.json credentials for Docker Hub to its token endpoint, with the account', async () => {
    const net = new MockNet();
    net.serve(
      HUB,
      registryHandler({ 'emilevauge/whoami': repoOf() }, { auth: { kind: 'bearer', realm: `${HUB_AUTH}/token`, service: 'registry.docker.io', token: TOKEN } }),
    );
    tokenEndpoint(net, HUB_AUTH, { requireCredentials: true });
    const dockerConfig = parseDockerConfig(JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: BASIC } } }), '/home/ci/.docker/config.json');
    const { client: c } = client(net, { dockerConfig });
    expect((await c.inspect('emilevauge/whoami')).repository).toBe('emilevauge/whoami');
    expect(net.to(HUB_AUTH)[0]).toMatchObject({ authorization: `Basic ${BASIC}` });
    expect(net.to(HUB_AUTH)[0]?.path).toContain('account=ci');
  });

  it('never sends the credentials of another registry to Docker Hub', async () => {
    const net = new MockNet();
    net.serve(
      HUB,
      registryHandler({ 'library/nginx': repoOf() }, { auth: { kind: 'bearer', realm: `${HUB_AUTH}/token`, service: 'registry.docker.io', token: TOKEN } }),
    );
    tokenEndpoint(net, HUB_AUTH);
    const { client: c } = client(net, { credentials: [{ registry: 'registry.example.com', username: 'ci', password: PASSWORD }] });
    await c.inspect('nginx');
    expect(net.requests.filter((r) => r.authorization?.startsWith('Basic'))).toEqual([]);
    expect(net.to(HUB_AUTH)[0]?.path).not.toContain('account');
  });

  it('reports a token endpoint that refuses the credentials as unauthorized, saying which credentials', async () => {
    const net = new MockNet();
    net.serve(
      REGISTRY,
      registryHandler({ app: repoOf() }, { auth: { kind: 'bearer', realm: 'https://auth.example.com/token', service: 'reg', token: TOKEN } }),
    );
    tokenEndpoint(net, 'https://auth.example.com', { requireCredentials: true });
    const { client: c } = client(net, { credentials: [{ registry: 'registry.example.com', username: 'ci', password: 'wrong' }] });
    const err = await failure(c.inspect('registry.example.com/app'));
    expect(err).toMatchObject({ code: 'MRK_REGISTRY_UNAUTHORIZED', resource: 'token', status: 401 });
    expect(err.message).toBe(
      'registry.example.com/app:latest (token, HTTP 401): authentication required or refused; the given username and password were refused',
    );
  });
});

describe('HTTP basic', () => {
  const basicRegistry = (net: MockNet): void =>
    net.serve(REGISTRY, registryHandler({ app: repoOf() }, { auth: { kind: 'basic', username: 'ci', password: PASSWORD } }));

  it('answers a Basic challenge with the credentials given for that registry, then sends them up front', async () => {
    const net = new MockNet();
    basicRegistry(net);
    const { client: c } = client(net, { credentials: [{ registry: 'registry.example.com', username: 'ci', password: PASSWORD }] });
    await c.inspect('registry.example.com/app');
    expect(net.requests.map((r) => r.authorization ?? '-')).toEqual(['-', `Basic ${BASIC}`, `Basic ${BASIC}`, `Basic ${BASIC}`]);
  });

  it.each([
    ['no credentials', {}, 'no credentials were given for registry.example.com'],
    [
      'a wrong password',
      { credentials: [{ registry: 'registry.example.com', username: 'ci', password: 'nope' }] },
      'the given username and password were refused',
    ],
    [
      'a credential store',
      { dockerConfig: parseDockerConfig(JSON.stringify({ auths: { 'registry.example.com': {} }, credsStore: 'desktop' }), '/root/.docker/config.json') },
      '/root/.docker/config.json keeps credentials in the store docker-credential-desktop, which maracker does not run (credential helpers are unsupported): give a username and password',
    ],
    [
      'a credential helper',
      { dockerConfig: parseDockerConfig(JSON.stringify({ credHelpers: { 'registry.example.com': 'ecr-login' } }), '/root/.docker/config.json') },
      '/root/.docker/config.json hands registry.example.com to the credential helper docker-credential-ecr-login, which maracker does not run (credential helpers are unsupported): give a username and password',
    ],
  ])('is refused with %s, and says why', async (_name, options, hint) => {
    const net = new MockNet();
    basicRegistry(net);
    const err = await failure(client(net, options as RegistryClientOptions).client.inspect('registry.example.com/app'));
    expect(err).toMatchObject({ code: 'MRK_REGISTRY_UNAUTHORIZED', status: 401, hint, transient: false });
    expect(err.message).toBe(`registry.example.com/app:latest (manifest, HTTP 401): authentication required or refused; ${hint}`);
  });
});

describe("Docker's plain-HTTP rule", () => {
  it('refuses a bearer realm in plain HTTP on another host, sending it nothing', async () => {
    const net = new MockNet();
    net.serve(REGISTRY, registryHandler({ app: repoOf() }, { auth: { kind: 'bearer', realm: 'http://auth.example.com/token', service: 'reg', token: TOKEN } }));
    tokenEndpoint(net, 'http://auth.example.com');
    const { client: c } = client(net, { credentials: [{ registry: 'registry.example.com', username: 'ci', password: PASSWORD }] });
    const err = await failure(c.inspect('registry.example.com/app'));
    expect(err).toMatchObject({ code: 'MRK_REGISTRY_INSECURE_REFUSED', host: 'auth.example.com', resource: 'token' });
    expect(err.message).toBe(
      'registry.example.com/app:latest (token): refusing plain HTTP to auth.example.com (no TLS): only localhost, 127.0.0.0/8 and ::1 may be reached without TLS, or a host declared an insecure registry (--insecure-registry auth.example.com)',
    );
    expect(net.to('http://auth.example.com')).toEqual([]);
  });

  it('refuses a redirect to plain HTTP', async () => {
    const net = new MockNet();
    const real = registryHandler({ app: repoOf() });
    net.serve(REGISTRY, (req) => (req.path.includes('/blobs/') ? { status: 307, headers: { location: 'http://storage.example.com/b' } } : real(req)));
    net.serve('http://storage.example.com', () => ({ status: 200, body: web.config.bytes }));
    const err = await failure(client(net).client.inspect('registry.example.com/app'));
    expect(err).toMatchObject({ code: 'MRK_REGISTRY_INSECURE_REFUSED', host: 'storage.example.com' });
    expect(err.message).toContain('refusing plain HTTP to storage.example.com (a redirect without TLS)');
    expect(net.to('http://storage.example.com')).toEqual([]);
  });

  it('never falls back to plain HTTP for a registry that is not loopback nor declared insecure', async () => {
    const net = new MockNet();
    net.fail(REGISTRY, 'ERR_SSL_WRONG_VERSION_NUMBER');
    net.serve('http://registry.example.com', registryHandler({ app: repoOf() }));
    const err = await failure(client(net).client.inspect('registry.example.com/app'));
    expect(err).toMatchObject({ code: 'MRK_REGISTRY_TLS', systemCode: 'ERR_SSL_WRONG_VERSION_NUMBER' });
    expect(err.message).toContain('if registry.example.com serves plain HTTP, declare it an insecure registry (--insecure-registry registry.example.com)');
    expect(net.to('http://registry.example.com')).toEqual([]);
  });

  it.each([
    ['a declared insecure registry', 'registry.example.com', ['registry.example.com']],
    ['a declared insecure host:port', 'registry.example.com:5000', ['registry.example.com:5000']],
    ['localhost', 'localhost:5000', []],
    ['127.0.0.0/8', '127.1.2.3:5000', []],
    ['::1', '[::1]:5000', []],
  ])('falls back to plain HTTP for %s once TLS fails, and stays there', async (_name, host, insecureRegistries) => {
    const net = new MockNet();
    net.fail(`https://${host}`, 'ERR_SSL_WRONG_VERSION_NUMBER');
    net.serve(`http://${host}`, registryHandler({ app: repoOf() }));
    const { client: c } = client(net, { insecureRegistries });
    expect((await c.inspect(`${host}/app`)).labels).toEqual({ 'org.opencontainers.image.title': 'web' });
    expect(net.to(`http://${host}`)).toHaveLength(3);
  });

  it('does not extend an insecure host:port to the other ports of that host', async () => {
    const net = new MockNet();
    net.fail('https://registry.example.com:5001', 'ERR_SSL_WRONG_VERSION_NUMBER');
    const err = await failure(client(net, { insecureRegistries: ['registry.example.com:5000'] }).client.inspect('registry.example.com:5001/app'));
    expect(err.code).toBe('MRK_REGISTRY_TLS');
  });
});

describe('no credential in any error or log line', () => {
  it('keeps passwords, their basic encodings and tokens out of errors and logs, even when a server echoes them', async () => {
    const net = new MockNet();
    // A token endpoint that issues a token, and a registry that refuses it and echoes the Authorization header it got.
    net.serve('https://auth.example.com', () => ({ status: 200, body: JSON.stringify({ access_token: TOKEN }) }));
    net.serve(REGISTRY, (req) =>
      req.authorization === undefined
        ? { status: 401, headers: { 'www-authenticate': 'Bearer realm="https://auth.example.com/token",service="reg"' } }
        : { status: 403, body: errors('DENIED', `no access for ${req.authorization}`) },
    );
    const basicNet = new MockNet();
    basicNet.serve('https://basic.example.com', (req) => ({
      status: 401,
      headers: { 'www-authenticate': 'Basic realm="r"' },
      body: errors('UNAUTHORIZED', `bad ${req.authorization ?? ''} ${PASSWORD}`),
    }));
    const down = new MockNet();
    down.fail(REGISTRY, 'ECONNRESET');

    const credentials = [
      { registry: 'registry.example.com', username: 'ci', password: PASSWORD },
      { registry: 'basic.example.com', username: 'ci', password: PASSWORD },
    ];
    const runs = [
      { h: client(net, { credentials }), ref: `registry.example.com/app@${web.manifest.digest}` },
      { h: client(basicNet, { credentials }), ref: `basic.example.com/app@${web.manifest.digest}` },
      { h: client(down, { credentials, readAttempts: 2 }), ref: 'registry.example.com/app' },
    ];
    const seen: string[] = [];
    for (const { h, ref } of runs) {
      const err = await failure(h.client.inspect(ref));
      seen.push(err.message, String(err.stack), JSON.stringify(err), inspect(err, { depth: 10 }), h.log());
    }
    expect(seen[0]).toBe(
      `registry.example.com/app@${web.manifest.digest} (manifest, HTTP 403): access denied (DENIED: no access for Bearer [redacted]); the credentials for registry.example.com (from the options) do not allow reading this repository`,
    );
    expect(seen[5]).toContain('(UNAUTHORIZED: bad Basic [redacted] [redacted]); the given username and password were refused');
    for (const text of seen) {
      for (const secret of [PASSWORD, BASIC, TOKEN]) expect(text).not.toContain(secret);
    }
  });
});
