// RegistryClient against registries made of MockAgent handlers: hosts like
// registry.example.com are reached without any traffic leaving the process. The real
// registry (Debian's docker-registry) is exercised in registry-real.test.ts.

import { afterEach, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/registry/client.js';
import type { RegistryError } from '../../src/registry/errors.js';
import type { RegistryClientOptions } from '../../src/registry/options.js';
import { blob, image, imageIndex, OCI_MANIFEST } from '../helpers/oci-image.js';
import { errors, MockNet, registryHandler, type Reply, type Repository } from './helpers/mock-registry.js';

const REGISTRY = 'https://registry.example.com';

const clients: RegistryClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

function client(net: MockNet, options: RegistryClientOptions = {}): { client: RegistryClient; sleeps: number[]; clock: { now: number } } {
  const sleeps: number[] = [];
  const clock = { now: 1_000_000 };
  const c = new RegistryClient({
    dispatcher: net.agent,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    now: () => clock.now,
    ...options,
  });
  clients.push(c);
  return { client: c, sleeps, clock };
}

async function failure(promise: Promise<unknown>): Promise<RegistryError> {
  try {
    await promise;
  } catch (err) {
    return err as RegistryError;
  }
  throw new Error('expected a failure');
}

function repo(tags: Record<string, string>, ...built: Array<{ blobs: Repository['blobs'] }>): Repository {
  return { tags, blobs: built.flatMap((b) => b.blobs) };
}

const web = image({ labels: { 'org.maracker.resources.mem': '512' }, exposedPorts: ['80/tcp'] });

describe('reading an image', () => {
  it('resolves the tag with HEAD, reads the manifest by digest, and returns the labels and ports of its config', async () => {
    const net = new MockNet();
    net.serve(REGISTRY, registryHandler({ 'team/web': repo({ '1.0': web.manifest.digest }, web) }));
    const { client: c } = client(net);

    const result = await c.inspect('registry.example.com/team/web:1.0');

    expect(result).toEqual({
      reference: 'registry.example.com/team/web:1.0',
      registry: 'registry.example.com',
      repository: 'team/web',
      tag: '1.0',
      digest: web.manifest.digest,
      mediaType: OCI_MANIFEST,
      manifestDigest: web.manifest.digest,
      platform: { os: 'linux', architecture: 'amd64' },
      configDigest: web.config.digest,
      labels: { 'org.maracker.resources.mem': '512' },
      exposedPorts: ['80/tcp'],
      created: '2024-05-01T12:00:00Z',
    });
    expect(net.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'HEAD /v2/team/web/manifests/1.0',
      `GET /v2/team/web/manifests/${web.manifest.digest}`,
      `GET /v2/team/web/blobs/${web.config.digest}`,
    ]);
    expect(net.requests[0]?.accept).toBe(
      'application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
    );
  });

  it('falls back to GET by tag when HEAD gives no digest, and hashes the manifest itself', async () => {
    const net = new MockNet();
    net.serve(REGISTRY, registryHandler({ app: repo({ latest: web.manifest.digest }, web) }, { noDigestHeader: true }));
    const { client: c } = client(net);
    expect((await c.inspect('registry.example.com/app')).digest).toBe(web.manifest.digest);
    expect(net.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'HEAD /v2/app/manifests/latest',
      'GET /v2/app/manifests/latest',
      `GET /v2/app/blobs/${web.config.digest}`,
    ]);
  });

  it('asks with GET when the registry does not implement HEAD', async () => {
    const net = new MockNet();
    const real = registryHandler({ app: repo({ latest: web.manifest.digest }, web) });
    net.serve(REGISTRY, (req) => (req.method === 'HEAD' ? { status: 405, body: '' } : real(req)));
    const { client: c, sleeps } = client(net);
    expect((await c.inspect('registry.example.com/app')).digest).toBe(web.manifest.digest);
    expect(net.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'HEAD /v2/app/manifests/latest',
      'GET /v2/app/manifests/latest',
      `GET /v2/app/blobs/${web.config.digest}`,
    ]);
    expect(sleeps).toEqual([]);
  });

  it('follows an image index to the manifest of the wanted platform (linux/amd64 unless told otherwise)', async () => {
    const multi = imageIndex([
      { architecture: 'amd64', labels: { arch: 'amd64' } },
      { architecture: 'arm64', variant: 'v8', labels: { arch: 'arm64' } },
    ]);
    const net = new MockNet();
    net.serve(REGISTRY, registryHandler({ app: repo({ multi: multi.index.digest }, multi) }));
    const { client: c } = client(net);

    const amd = await c.inspect('registry.example.com/app:multi');
    expect(amd).toMatchObject({
      digest: multi.index.digest,
      manifestDigest: multi.images[0]?.manifest.digest,
      labels: { arch: 'amd64' },
      platform: { architecture: 'amd64' },
    });
    const arm = await c.inspect('registry.example.com/app:multi', { platform: 'linux/aarch64' });
    expect(arm).toMatchObject({
      digest: multi.index.digest,
      manifestDigest: multi.images[1]?.manifest.digest,
      labels: { arch: 'arm64' },
      platform: { variant: 'v8' },
    });

    const missing = await failure(c.inspect('registry.example.com/app:multi', { platform: 'linux/s390x' }));
    expect(missing.code).toBe('MRK_REGISTRY_PLATFORM_NOT_FOUND');
    expect(missing.message).toBe(
      'registry.example.com/app:multi (image index): no image for platform linux/s390x (the image has: linux/amd64, linux/arm64/v8)',
    );
  });

  it('refuses a single-platform image built for another platform', async () => {
    const arm = image({ architecture: 'arm64' });
    const net = new MockNet();
    net.serve(REGISTRY, registryHandler({ app: repo({ arm: arm.manifest.digest }, arm) }));
    const err = await failure(client(net).client.inspect('registry.example.com/app:arm'));
    expect(err.code).toBe('MRK_REGISTRY_PLATFORM_NOT_FOUND');
    expect(err.message).toContain('no image for platform linux/amd64 (the image has: linux/arm64)');
  });

  it('reads a pinned digest without resolving any tag, and the digest wins over a tag', async () => {
    const net = new MockNet();
    net.serve(REGISTRY, registryHandler({ app: repo({ '1.0': 'sha256:moved' }, web) }));
    const { client: c } = client(net);
    const result = await c.inspect(`registry.example.com/app:1.0@${web.manifest.digest}`);
    expect(result.digest).toBe(web.manifest.digest);
    expect(net.requests.map((r) => r.method)).toEqual(['GET', 'GET']);
    expect(await c.resolve(`registry.example.com/app@${web.manifest.digest}`)).toMatchObject({ digest: web.manifest.digest });
  });

  it('says which image and what was not found', async () => {
    const net = new MockNet();
    net.serve(REGISTRY, registryHandler({ app: repo({}, web) }));
    const { client: c, sleeps } = client(net);
    const tag = await failure(c.inspect('registry.example.com/app:nope'));
    expect(tag.code).toBe('MRK_REGISTRY_NOT_FOUND');
    expect(tag.message).toBe('registry.example.com/app:nope (manifest, HTTP 404): not found');
    const repoMissing = await failure(c.inspect('registry.example.com/other:1'));
    expect(repoMissing).toMatchObject({ code: 'MRK_REGISTRY_NOT_FOUND', registry: 'registry.example.com', repository: 'other', reference: '1', status: 404 });
    const digest = `sha256:${'0'.repeat(64)}`;
    const byDigest = await failure(c.inspect(`registry.example.com/app@${digest}`));
    expect(byDigest.message).toBe(`registry.example.com/app@${digest} (manifest, HTTP 404): not found (MANIFEST_UNKNOWN: manifest unknown)`);
    expect(sleeps).toEqual([]); // a 404 is an answer, not an outage: no retry
  });
});

describe('a registry is not trusted blindly', () => {
  it('refuses a manifest whose content is not the digest asked for', async () => {
    const other = image({ labels: { evil: 'yes' } });
    const net = new MockNet();
    // The registry answers the digest of `web` with the bytes of `other`.
    net.serve(REGISTRY, registryHandler({ app: { tags: {}, blobs: [{ ...other.manifest, digest: web.manifest.digest }] } }));
    const err = await failure(client(net).client.inspect(`registry.example.com/app@${web.manifest.digest}`));
    expect(err.code).toBe('MRK_REGISTRY_DIGEST_MISMATCH');
    expect(err.message).toBe(
      `registry.example.com/app@${web.manifest.digest} (manifest): asked for manifest ${web.manifest.digest}, but the content received has digest ${other.manifest.digest}`,
    );
  });

  it('refuses a config whose content is not the digest the manifest names', async () => {
    const tampered = { ...web.config, bytes: Buffer.from(web.config.bytes.toString().replace('512', '999')) };
    const net = new MockNet();
    net.serve(REGISTRY, registryHandler({ app: { tags: { v: web.manifest.digest }, blobs: [web.manifest, tampered] } }));
    const err = await failure(client(net).client.inspect('registry.example.com/app:v'));
    expect(err.code).toBe('MRK_REGISTRY_DIGEST_MISMATCH');
    expect(err.message).toContain('(image config): the manifest names config');
  });

  it('refuses a tag whose HEAD-less GET does not hash to the digest the registry announced', async () => {
    const net = new MockNet();
    net.serve(
      REGISTRY,
      (req): Reply =>
        req.method === 'HEAD'
          ? { status: 200, headers: { 'content-type': OCI_MANIFEST } }
          : { status: 200, body: web.manifest.bytes, headers: { 'content-type': OCI_MANIFEST, 'docker-content-digest': `sha256:${'1'.repeat(64)}` } },
    );
    const err = await failure(client(net).client.inspect('registry.example.com/app:v'));
    expect(err.code).toBe('MRK_REGISTRY_DIGEST_MISMATCH');
  });

  it('caps what it reads: a manifest or a config larger than the limit is refused', async () => {
    const big = image({ labels: { padding: 'x'.repeat(5000) } });
    const net = new MockNet();
    net.serve(REGISTRY, registryHandler({ app: repo({ v: big.manifest.digest }, big) }));
    const err = await failure(client(net, { maxConfigBytes: 4096 }).client.inspect('registry.example.com/app:v'));
    expect(err.code).toBe('MRK_REGISTRY_TOO_LARGE');
    expect(err.message).toMatch(/\(image config\): \d+ bytes where at most 4096 bytes are read$/);
    // The descriptor already said so: the blob was never asked for.
    expect(net.requests.some((r) => r.path.includes('/blobs/'))).toBe(false);

    const net2 = new MockNet();
    net2.serve(REGISTRY, registryHandler({ app: repo({ v: big.manifest.digest }, big) }));
    const err2 = await failure(client(net2, { maxManifestBytes: 100 }).client.inspect(`registry.example.com/app@${big.manifest.digest}`));
    expect(err2).toMatchObject({ code: 'MRK_REGISTRY_TOO_LARGE', resource: 'manifest', limitBytes: 100 });
  });

  it.each([
    ['not JSON', 'not json', OCI_MANIFEST, 'the manifest is not valid JSON'],
    [
      'schema 1',
      JSON.stringify({ schemaVersion: 1, name: 'app', fsLayers: [] }),
      'application/vnd.docker.distribution.manifest.v1+prettyjws',
      'a Docker schema 1 manifest',
    ],
    [
      'a Helm chart',
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', digest: `sha256:${'2'.repeat(64)}`, size: 2 },
        layers: [],
      }),
      OCI_MANIFEST,
      'not a container image: its config has media type application/vnd.cncf.helm.config.v1+json',
    ],
  ])('reports an unusable manifest (%s) as a bad response', async (_name, text, contentType, reason) => {
    const b = blob(contentType, Buffer.from(text));
    const net = new MockNet();
    net.serve(REGISTRY, registryHandler({ app: { tags: {}, blobs: [b] } }));
    const err = await failure(client(net).client.inspect(`registry.example.com/app@${b.digest}`));
    expect(err.code).toBe('MRK_REGISTRY_BAD_RESPONSE');
    expect(err.message).toContain(reason);
  });
});

describe('retries, outages and the cache', () => {
  it('retries a read after 5xx with growing delays, then succeeds', async () => {
    const net = new MockNet();
    const real = registryHandler({ app: repo({ v: web.manifest.digest }, web) });
    let failures = 2;
    net.serve(REGISTRY, (req) => (failures-- > 0 ? { status: 503, body: errors('UNAVAILABLE', 'service unavailable') } : real(req)));
    const { client: c, sleeps } = client(net, { retryBaseDelayMs: 100, retryMaxDelayMs: 1000 });
    expect((await c.inspect('registry.example.com/app:v')).labels).toEqual({ 'org.maracker.resources.mem': '512' });
    expect(sleeps).toEqual([75, 150]);
  });

  it('gives up after readAttempts, as a transient server error', async () => {
    const net = new MockNet();
    net.serve(REGISTRY, () => ({ status: 502, body: 'bad gateway' }));
    const { client: c, sleeps } = client(net, { readAttempts: 3 });
    const err = await failure(c.inspect('registry.example.com/app:v'));
    expect(err).toMatchObject({ code: 'MRK_REGISTRY_SERVER_ERROR', transient: true, status: 502 });
    expect(sleeps).toHaveLength(2);
    expect(net.requests).toHaveLength(3);
  });

  it('reports a registry that cannot be reached, with where it tried', async () => {
    const net = new MockNet();
    net.fail(REGISTRY, 'ECONNREFUSED');
    const { client: c, sleeps } = client(net, { readAttempts: 2 });
    const err = await failure(c.inspect('registry.example.com/app:v'));
    expect(err).toMatchObject({ code: 'MRK_REGISTRY_UNREACHABLE', transient: true, systemCode: 'ECONNREFUSED' });
    expect(err.message).toBe('registry.example.com/app:v (manifest): cannot connect to https://registry.example.com (ECONNREFUSED)');
    expect(sleeps).toHaveLength(1);
  });

  it('does not retry a rate limit: the caller backs off', async () => {
    const net = new MockNet();
    net.serve(REGISTRY, () => ({ status: 429, headers: { 'retry-after': '60' }, body: errors('TOOMANYREQUESTS', 'pull rate limit') }));
    const { client: c, sleeps } = client(net);
    const err = await failure(c.inspect('registry.example.com/app:v'));
    expect(err).toMatchObject({ code: 'MRK_REGISTRY_RATE_LIMITED', transient: true, retryAfterSeconds: 60 });
    expect(sleeps).toEqual([]);
  });

  it("trusts a tag's digest for tagTtlMs, and content by digest for good", async () => {
    const v2 = image({ labels: { 'org.maracker.resources.mem': '1024' } });
    const tags: Record<string, string> = { v: web.manifest.digest };
    const net = new MockNet();
    net.serve(REGISTRY, registryHandler({ app: { tags, blobs: [...web.blobs, ...v2.blobs] } }));
    const { client: c, clock } = client(net, { tagTtlMs: 60_000 });

    expect((await c.inspect('registry.example.com/app:v')).labels['org.maracker.resources.mem']).toBe('512');
    expect(net.requests).toHaveLength(3);
    tags.v = v2.manifest.digest; // pushed again
    clock.now += 59_999;
    expect((await c.inspect('registry.example.com/app:v')).labels['org.maracker.resources.mem']).toBe('512');
    expect(net.requests).toHaveLength(3); // nothing asked: within the TTL
    clock.now += 1;
    expect((await c.inspect('registry.example.com/app:v')).labels['org.maracker.resources.mem']).toBe('1024');
    expect(net.requests).toHaveLength(6);
    tags.v = web.manifest.digest; // moved back
    clock.now += 60_000;
    expect((await c.inspect('registry.example.com/app:v')).labels['org.maracker.resources.mem']).toBe('512');
    expect(net.requests.slice(6).map((r) => r.method)).toEqual(['HEAD']); // the old digest's content was kept
  });

  it('sends one request for the same read asked many times at once', async () => {
    const net = new MockNet();
    net.serve(REGISTRY, registryHandler({ app: repo({ v: web.manifest.digest }, web) }));
    const { client: c } = client(net);
    const results = await Promise.all(Array.from({ length: 10 }, () => c.inspect('registry.example.com/app:v')));
    expect(new Set(results.map((r) => r.configDigest)).size).toBe(1);
    expect(net.requests).toHaveLength(3);
  });
});

describe('redirects', () => {
  it('follows a blob redirect to storage without sending the credentials there', async () => {
    const net = new MockNet();
    const real = registryHandler({ app: repo({ v: web.manifest.digest }, web) }, { auth: { kind: 'basic', username: 'ci', password: 's3cret-pw' } });
    net.serve(REGISTRY, (req) =>
      req.path.includes('/blobs/') && req.authorization !== undefined
        ? { status: 307, headers: { location: `https://storage.example.com/b?sig=1` } }
        : real(req),
    );
    net.serve('https://storage.example.com', () => ({ status: 200, body: web.config.bytes }));
    const { client: c } = client(net, { credentials: [{ registry: 'registry.example.com', username: 'ci', password: 's3cret-pw' }] });
    expect((await c.inspect('registry.example.com/app:v')).labels).toEqual({ 'org.maracker.resources.mem': '512' });
    expect(net.to('https://storage.example.com')).toEqual([{ method: 'GET', origin: 'https://storage.example.com', path: '/b?sig=1' }]);
  });
});
