// RegistryClient against a real registry: Debian's docker-registry (the CNCF distribution
// registry) on 127.0.0.1, with images the tests build as OCI layouts and push with skopeo.
// Anonymous, htpasswd basic auth, and the bearer-token flow with a token server of our own
// that the registry's `token` auth trusts. Skipped, saying why, without the binaries.

import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageMetadata } from '../../src/image/metadata.js';
import { createLogger } from '../../src/base/log.js';
import { freePort } from '../../src/net/free-ports.js';
import { RegistryClient } from '../../src/registry/client.js';
import { parseDockerConfig } from '../../src/registry/docker-config.js';
import { DockerConfigFile } from '../../src/registry/docker-config-file.js';
import type { RegistryError } from '../../src/registry/errors.js';
import type { RegistryClientOptions, RegistryRequestInfo } from '../../src/registry/options.js';
import { image, imageIndex } from '../helpers/oci-image.js';
import { BASIC_PASSWORD, BASIC_USER, registryTools, startRegistry, type RunningRegistry } from '../helpers/registry.js';
import { opensslAvailable, startTokenServer, TOKEN_ISSUER, TOKEN_SERVICE, type TokenServer } from '../helpers/token-server.js';

const tools = registryTools();
const openssl = opensslAvailable();
if (!tools.available) console.warn(`test/registry/real-registry.test.ts skipped: ${tools.reason}`);
else if (!openssl.available) console.warn(`test/registry/real-registry.test.ts: the bearer-token suite is skipped: ${openssl.reason}`);

interface Harness {
  client: RegistryClient;
  clock: { now: number };
  requests: RegistryRequestInfo[];
  log: () => string;
}

const open: RegistryClient[] = [];
afterAll(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

function client(options: RegistryClientOptions = {}): Harness {
  const clock = { now: 1_000_000 };
  const requests: RegistryRequestInfo[] = [];
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  const c = new RegistryClient({
    now: () => clock.now,
    sleep: async () => undefined,
    onRequest: (info) => requests.push(info),
    logger: createLogger({ level: 'debug', destination: out }),
    timeoutMs: 10_000,
    ...options,
  });
  open.push(c);
  return { client: c, clock, requests, log: () => text };
}

async function failure(promise: Promise<unknown>): Promise<RegistryError> {
  try {
    await promise;
  } catch (err) {
    return err as RegistryError;
  }
  throw new Error('expected a failure');
}

const WEB_LABELS = {
  'org.opencontainers.image.title': 'Web',
  'org.maracker.resources.cpus': '0.5',
  'org.maracker.resources.mem': '512Mi',
  'org.maracker.health.path': '/health',
};

describe.skipIf(!tools.available)(`a real registry, anonymous${tools.available ? '' : ` (skipped: ${tools.reason})`}`, () => {
  let registry: RunningRegistry;
  const web = image({ labels: WEB_LABELS, exposedPorts: ['8080/tcp'] });
  const multi = imageIndex([
    { architecture: 'amd64', labels: { 'org.maracker.resources.mem': '1024' } },
    { architecture: 'arm64', variant: 'v8', labels: { 'org.maracker.resources.mem': '2048' } },
  ]);

  beforeAll(async () => {
    registry = await startRegistry({ kind: 'none' }, tools);
    await registry.push('team/web', '1.0', web.manifest, web.blobs);
    await registry.push('team/multi', '1.0', multi.index, multi.blobs);
    return () => registry.stop();
  });

  it('reads the labels and exposed ports of a pushed image, by the digest skopeo kept', async () => {
    const { client: c } = client();
    const result = await c.inspect(`${registry.host}/team/web:1.0`);
    expect(result).toMatchObject({
      reference: `${registry.host}/team/web:1.0`,
      digest: web.manifest.digest,
      manifestDigest: web.manifest.digest,
      configDigest: web.config.digest,
      labels: WEB_LABELS,
      exposedPorts: ['8080/tcp'],
      platform: { os: 'linux', architecture: 'amd64' },
    });
    const { derived, problems } = imageMetadata(result.labels, result.exposedPorts);
    expect(problems).toEqual([]);
    expect(derived.resources).toEqual({ cpus: { value: 0.5, from: 'org.maracker.resources.cpus' }, mem: { value: 512, from: 'org.maracker.resources.mem' } });
    expect(derived.http).toEqual({ port: { value: 8080, from: 'ExposedPorts' }, healthPath: { value: '/health', from: 'org.maracker.health.path' } });
  });

  it('follows an image index with two platforms to the one asked for', async () => {
    const { client: c } = client();
    const amd = await c.inspect(`${registry.host}/team/multi:1.0`);
    expect(amd).toMatchObject({
      digest: multi.index.digest,
      manifestDigest: multi.images[0]?.manifest.digest,
      labels: { 'org.maracker.resources.mem': '1024' },
    });
    const arm = await c.inspect(`${registry.host}/team/multi:1.0`, { platform: 'linux/arm64' });
    expect(arm).toMatchObject({
      digest: multi.index.digest,
      manifestDigest: multi.images[1]?.manifest.digest,
      labels: { 'org.maracker.resources.mem': '2048' },
    });
    const none = await failure(c.inspect(`${registry.host}/team/multi:1.0`, { platform: 'linux/ppc64le' }));
    expect(none.message).toBe(
      `${registry.host}/team/multi:1.0 (image index): no image for platform linux/ppc64le (the image has: linux/amd64, linux/arm64/v8)`,
    );
  });

  it('resolves a pinned digest without any tag, and reports a digest the registry does not have', async () => {
    const { client: c, requests } = client();
    const pinned = await c.inspect(`${registry.host}/team/web@${web.manifest.digest}`);
    expect(pinned.labels).toEqual(WEB_LABELS);
    expect(requests.every((r) => !r.path.endsWith('/manifests/1.0'))).toBe(true);
    const unknown = `sha256:${'0'.repeat(64)}`;
    const err = await failure(c.inspect(`${registry.host}/team/web@${unknown}`));
    expect(err).toMatchObject({ code: 'MRK_REGISTRY_NOT_FOUND', status: 404 });
    expect(err.message).toBe(`${registry.host}/team/web@${unknown} (manifest, HTTP 404): not found (MANIFEST_UNKNOWN: manifest unknown)`);
  });

  it('reports a missing tag and a missing repository precisely', async () => {
    const { client: c } = client();
    const tag = await failure(c.inspect(`${registry.host}/team/web:2.0`));
    expect(tag.message).toBe(`${registry.host}/team/web:2.0 (manifest, HTTP 404): not found`);
    const repo = await failure(c.inspect(`${registry.host}/team/nothing`));
    expect(repo).toMatchObject({ code: 'MRK_REGISTRY_NOT_FOUND', repository: 'team/nothing', reference: 'latest' });
  });

  it('sees a tag move once its TTL is over, not before', async () => {
    const v1 = image({ labels: { 'org.maracker.resources.mem': '256' } });
    const v2 = image({ labels: { 'org.maracker.resources.mem': '768' } });
    await registry.push('team/moving', 'stable', v1.manifest, v1.blobs);
    const { client: c, clock, requests } = client({ tagTtlMs: 30_000 });

    expect(await c.resolve(`${registry.host}/team/moving:stable`)).toMatchObject({ digest: v1.manifest.digest });
    expect((await c.inspect(`${registry.host}/team/moving:stable`)).labels['org.maracker.resources.mem']).toBe('256');
    await registry.push('team/moving', 'stable', v2.manifest, v2.blobs);

    const before = requests.length;
    clock.now += 29_999;
    expect((await c.inspect(`${registry.host}/team/moving:stable`)).labels['org.maracker.resources.mem']).toBe('256');
    expect(requests.length).toBe(before); // within the TTL the registry is not asked
    clock.now += 1;
    expect(await c.resolve(`${registry.host}/team/moving:stable`)).toMatchObject({ digest: v2.manifest.digest });
    expect((await c.inspect(`${registry.host}/team/moving:stable`)).labels['org.maracker.resources.mem']).toBe('768');
    // The old digest still reads the old image: content by digest never changes.
    expect((await c.inspect(`${registry.host}/team/moving@${v1.manifest.digest}`)).labels['org.maracker.resources.mem']).toBe('256');
  });

  it('reports a registry that is down as unreachable after its retries', async () => {
    const doomed = await startRegistry({ kind: 'none' }, tools);
    const img = image();
    await doomed.push('app', '1', img.manifest, img.blobs);
    const { client: c, requests } = client({ readAttempts: 2 });
    expect((await c.inspect(`${doomed.host}/app:1`)).digest).toBe(img.manifest.digest);
    await doomed.stop();
    c.clearCache();
    requests.length = 0;
    const err = await failure(c.inspect(`${doomed.host}/app:1`));
    expect(err).toMatchObject({ code: 'MRK_REGISTRY_UNREACHABLE', transient: true, systemCode: 'ECONNREFUSED' });
    expect(err.message).toBe(`${doomed.host}/app:1 (manifest): cannot connect to http://${doomed.host} (ECONNREFUSED)`);
    expect(requests.map((r) => r.attempt)).toEqual([1, 2]);
  });

  it('reports a port where nothing ever listened the same way', async () => {
    const port = await freePort();
    const err = await failure(client({ readAttempts: 1 }).client.inspect(`127.0.0.1:${port}/app:1`));
    expect(err.code).toBe('MRK_REGISTRY_UNREACHABLE');
  });
});

describe.skipIf(!tools.available)(`a real registry with htpasswd basic auth${tools.available ? '' : ` (skipped: ${tools.reason})`}`, () => {
  let registry: RunningRegistry;
  let dir: string;
  const img = image({ labels: { 'org.maracker.resources.mem': '128' } });
  const creds = { username: BASIC_USER, password: BASIC_PASSWORD };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'maracker-registry-auth-'));
    registry = await startRegistry({ kind: 'htpasswd' }, tools);
    await registry.push('private/app', '1.0', img.manifest, img.blobs, creds);
    return async () => {
      await registry.stop();
      await rm(dir, { recursive: true, force: true });
    };
  });

  it('reads with the username and password given for that registry', async () => {
    const { client: c } = client({ credentials: [{ registry: registry.host, ...creds }] });
    expect((await c.inspect(`${registry.host}/private/app:1.0`)).labels).toEqual({ 'org.maracker.resources.mem': '128' });
  });

  it("reads with a Docker config.json's auths entry", async () => {
    const dockerConfig = parseDockerConfig(
      JSON.stringify({ auths: { [`http://${registry.host}`]: { auth: Buffer.from(`${BASIC_USER}:${BASIC_PASSWORD}`).toString('base64') } } }),
      join(dir, 'config.json'),
    );
    expect((await client({ dockerConfig }).client.inspect(`${registry.host}/private/app:1.0`)).digest).toBe(img.manifest.digest);
  });

  it('uses a config.json rewritten with new credentials at its next read, without a restart', async () => {
    const path = join(dir, 'rotated.json');
    const write = async (password: string): Promise<void> => {
      // As a secret store does: a whole new file renamed over the old one.
      await writeFile(`${path}.new`, JSON.stringify({ auths: { [registry.host]: { username: BASIC_USER, password } } }));
      await rename(`${path}.new`, path);
    };
    await write('an-expired-token');
    const h = client({ dockerConfig: await DockerConfigFile.open({ path, required: true }) });
    const refused = await failure(h.client.inspect(`${registry.host}/private/app:1.0`));
    expect(refused).toMatchObject({ code: 'MRK_REGISTRY_UNAUTHORIZED', hint: `the credentials of ${path} for ${registry.host} were refused` });

    await write(BASIC_PASSWORD);
    expect((await h.client.inspect(`${registry.host}/private/app:1.0`)).digest).toBe(img.manifest.digest);
    for (const text of [refused.message, String(refused.stack), JSON.stringify(refused), h.log()]) {
      expect(text).not.toContain(BASIC_PASSWORD);
      expect(text).not.toContain('an-expired-token');
    }
  });

  it('is refused without credentials, and with wrong ones, saying which', async () => {
    const none = await failure(client().client.inspect(`${registry.host}/private/app:1.0`));
    expect(none.message).toBe(
      `${registry.host}/private/app:1.0 (manifest, HTTP 401): authentication required or refused; no credentials were given for ${registry.host}`,
    );
    const wrong = await failure(
      client({ credentials: [{ registry: registry.host, username: BASIC_USER, password: 'wrong-password' }] }).client.inspect(
        `${registry.host}/private/app:1.0`,
      ),
    );
    expect(wrong).toMatchObject({ code: 'MRK_REGISTRY_UNAUTHORIZED', hint: 'the given username and password were refused' });
  });

  it('keeps the password out of every error and log line', async () => {
    const texts: string[] = [];
    for (const options of [
      { credentials: [{ registry: registry.host, ...creds }] },
      { credentials: [{ registry: registry.host, username: BASIC_USER, password: `${BASIC_PASSWORD}-wrong` }] },
    ]) {
      const h = client(options);
      for (const ref of [`${registry.host}/private/app:2.0`, `${registry.host}/private/app:1.0`]) {
        const err = await h.client.inspect(ref).then(
          () => undefined,
          (e: unknown) => e as Error,
        );
        if (err) texts.push(err.message, String(err.stack), JSON.stringify(err), inspect(err, { depth: 10 }));
      }
      texts.push(h.log());
    }
    expect(texts.join('\n')).toContain('registry request');
    const encoded = Buffer.from(`${BASIC_USER}:${BASIC_PASSWORD}`).toString('base64');
    for (const text of texts) {
      expect(text).not.toContain(BASIC_PASSWORD);
      expect(text).not.toContain(encoded);
    }
  });
});

describe.skipIf(!tools.available || !openssl.available)(
  `a real registry with token auth, and a token server of our own${tools.available && openssl.available ? '' : ` (skipped: ${tools.reason || openssl.reason})`}`,
  () => {
    let registry: RunningRegistry;
    let tokens: TokenServer;
    let dir: string;
    const img = image({ labels: { 'org.maracker.resources.cpus': '2' }, exposedPorts: ['3838/tcp'] });
    const creds = { username: BASIC_USER, password: BASIC_PASSWORD };

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'maracker-token-'));
      tokens = await startTokenServer(dir, creds);
      registry = await startRegistry({ kind: 'token', realm: tokens.realm, service: TOKEN_SERVICE, issuer: TOKEN_ISSUER, certFile: tokens.certFile }, tools);
      await registry.push('lab/shiny', '3.6', img.manifest, img.blobs, creds);
      return async () => {
        await registry.stop();
        await tokens.close();
        await rm(dir, { recursive: true, force: true });
      };
    });

    it('answers the bearer challenge with a token for the repository, fetched with the credentials', async () => {
      const { client: c, requests } = client({ credentials: [{ registry: registry.host, ...creds }] });
      tokens.requests.length = 0;
      const result = await c.inspect(`${registry.host}/lab/shiny:3.6`);
      expect(result.labels).toEqual({ 'org.maracker.resources.cpus': '2' });
      expect(tokens.requests).toEqual([{ scope: ['repository:lab/shiny:pull'], service: TOKEN_SERVICE, account: BASIC_USER, authenticated: true }]);
      // HTTPS first (a loopback registry may be plain HTTP: TLS fails, HTTP it is), a 401, the
      // token, the retry with it; the manifest and config reuse the token.
      expect(requests.map((r) => `${new URL(r.origin).protocol} ${r.method} ${r.status ?? r.error?.code} ${r.path}`)).toEqual([
        `https: HEAD MRK_REGISTRY_TLS /v2/lab/shiny/manifests/3.6`,
        `http: HEAD 401 /v2/lab/shiny/manifests/3.6`,
        `http: GET 200 /token`,
        `http: HEAD 200 /v2/lab/shiny/manifests/3.6`,
        `http: GET 200 /v2/lab/shiny/manifests/${img.manifest.digest}`,
        `http: GET 200 /v2/lab/shiny/blobs/${img.config.digest}`,
      ]);
    });

    it('is refused when the token server refuses to issue a token', async () => {
      const err = await failure(client().client.inspect(`${registry.host}/lab/shiny:3.6`));
      expect(err).toMatchObject({ code: 'MRK_REGISTRY_UNAUTHORIZED', resource: 'token', status: 401 });
      expect(err.message).toBe(
        `${registry.host}/lab/shiny:3.6 (token, HTTP 401): authentication required or refused (UNAUTHORIZED: credentials required); no credentials were given for ${registry.host}`,
      );
    });

    it('keeps the password and every token issued out of errors and logs', async () => {
      const texts: string[] = [];
      const h = client({ credentials: [{ registry: registry.host, ...creds }] });
      await h.client.inspect(`${registry.host}/lab/shiny:3.6`);
      for (const ref of [`${registry.host}/lab/shiny:nope`, `${registry.host}/lab/other:1`]) {
        const err = await failure(h.client.inspect(ref));
        texts.push(err.message, String(err.stack), JSON.stringify(err), inspect(err, { depth: 10 }));
      }
      texts.push(h.log());
      expect(tokens.issued.length).toBeGreaterThan(0);
      for (const text of texts) {
        for (const secret of [BASIC_PASSWORD, Buffer.from(`${BASIC_USER}:${BASIC_PASSWORD}`).toString('base64'), ...tokens.issued])
          expect(text).not.toContain(secret);
      }
    });
  },
);
