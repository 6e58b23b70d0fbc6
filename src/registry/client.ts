// RegistryClient: reads what maracker needs of an image from an OCI distribution registry.
//   tag → digest      HEAD /v2/<name>/manifests/<tag> (Docker-Content-Digest), GET when the
//                     header is missing; kept for tagTtlMs
//   digest → manifest GET /v2/<name>/manifests/<digest>, hashed and compared; an image index
//                     is followed to the manifest of the wanted platform
//   manifest → config GET /v2/<name>/blobs/<digest>, size and hash compared; its Labels and
//                     ExposedPorts
// Reads are retried on 5xx, timeouts and connection failures; content is kept by digest.
// The same read asked twice at once is sent once.

import { backoffDelay, readRetryBackoff } from '../base/backoff.js';
import { Authenticator } from './auth.js';
import { RegistryCache } from './cache.js';
import { CredentialStore } from './credentials.js';
import { digestOf, isDigest } from './digest.js';
import {
  RegistryBadResponseError,
  RegistryDigestMismatchError,
  RegistryError,
  RegistryPlatformNotFoundError,
  RegistryTooLargeError,
  type RegistryErrorFields,
} from './errors.js';
import { parseImageConfig, type ImageConfig } from './image-config.js';
import { ShapeError } from './json.js';
import { parseManifest, type Descriptor, type Manifest } from './manifest.js';
import { MANIFEST_ACCEPT } from './media-types.js';
import { resolveRegistryOptions, type RegistryClientOptions, type ResolvedRegistryOptions } from './options.js';
import { PlainHttpPolicy } from './plain-http.js';
import { formatPlatform, parsePlatform, platformMatches, selectPlatform, type Platform } from './platform.js';
import { formatReference, parseImageReference, referenceTarget, registryApiHost, type ImageReference } from './reference.js';
import { Secrets } from './secrets.js';
import { isRetryableRead, statusError } from './status.js';
import { Transport, type RawResponse } from './transport.js';

export interface ImageInspection {
  /** The reference, normalised: `docker.io/library/nginx:latest`. */
  reference: string;
  registry: string;
  repository: string;
  tag?: string;
  /** What the reference resolves to (an index's digest for a multi-platform image): pin with this. */
  digest: string;
  /** Media type of what `digest` names. */
  mediaType: string;
  /** The manifest of the platform read; equal to `digest` for a single-platform image. */
  manifestDigest: string;
  platform: Platform;
  configDigest: string;
  labels: Record<string, string>;
  /** Keys of the config's ExposedPorts: `80/tcp`. */
  exposedPorts: string[];
  created?: string;
}

export interface Resolution {
  reference: ImageReference;
  /** The digest the tag points at now (or the pinned digest). */
  digest: string;
}

/** An index inside an index is followed; deeper nesting is refused. */
const MAX_INDEX_DEPTH = 2;

interface Read {
  method: 'GET' | 'HEAD';
  path: string;
  accept?: string;
  maxBytes: number;
  fields: RegistryErrorFields;
}

export class RegistryClient {
  readonly #o: ResolvedRegistryOptions;
  readonly #secrets: Secrets;
  readonly #credentials: CredentialStore;
  readonly #transport: Transport;
  readonly #auth: Authenticator;
  readonly #cache: RegistryCache;
  readonly #inflight = new Map<string, Promise<unknown>>();

  constructor(options: RegistryClientOptions = {}) {
    this.#o = resolveRegistryOptions(options);
    const credentials = new CredentialStore(this.#o.credentials, this.#o.dockerConfig);
    this.#credentials = credentials;
    this.#secrets = new Secrets(credentials.secrets());
    this.#transport = new Transport(this.#o, new PlainHttpPolicy(this.#o.insecureRegistries));
    this.#auth = new Authenticator(this.#o, this.#transport, credentials, this.#secrets);
    this.#cache = new RegistryCache({ now: this.#o.now, tagTtlMs: this.#o.tagTtlMs, maxEntries: this.#o.cacheEntries });
  }

  /** The digest a reference names now: its pinned digest, or what its tag points at. */
  async resolve(reference: string | ImageReference): Promise<Resolution> {
    const ref = typeof reference === 'string' ? parseImageReference(reference) : reference;
    await this.#followConfig();
    if (ref.digest !== undefined) return { reference: ref, digest: ref.digest };
    return { reference: ref, digest: await this.#resolveTag(ref, ref.tag as string) };
  }

  /** The labels and exposed ports of the image `reference` names, for `platform` (default: the client's). */
  async inspect(reference: string | ImageReference, options: { platform?: string | Platform } = {}): Promise<ImageInspection> {
    const wanted =
      options.platform === undefined ? this.#o.platform : typeof options.platform === 'string' ? parsePlatform(options.platform) : options.platform;
    const { reference: ref, digest } = await this.resolve(reference);
    const top = await this.#manifest(ref, digest);
    let manifest = top;
    let manifestDigest = digest;
    let platform: Platform | undefined;
    for (let depth = 0; manifest.kind === 'index'; depth++) {
      if (depth >= MAX_INDEX_DEPTH) {
        throw new RegistryBadResponseError({
          ...this.#fields(ref, manifestDigest, 'manifest'),
          reason: `image indexes nested more than ${MAX_INDEX_DEPTH} deep`,
        });
      }
      const chosen = selectPlatform(manifest.manifests, wanted);
      if (chosen === undefined) {
        const available = manifest.manifests.flatMap((d) => (d.platform && d.platform.os !== 'unknown' ? [formatPlatform(d.platform)] : []));
        throw new RegistryPlatformNotFoundError({ ...this.#fields(ref, referenceTarget(ref), 'image index'), wanted: formatPlatform(wanted), available });
      }
      platform = chosen.platform;
      manifestDigest = chosen.digest;
      manifest = await this.#manifest(ref, chosen.digest);
    }
    const config = await this.#config(ref, manifest.config);
    // A single-platform image says its platform in its config only.
    if (platform === undefined && config.platform !== undefined && !platformMatches(config.platform, wanted)) {
      throw new RegistryPlatformNotFoundError({
        ...this.#fields(ref, referenceTarget(ref), 'image config'),
        wanted: formatPlatform(wanted),
        available: [formatPlatform(config.platform)],
      });
    }
    const inspection: ImageInspection = {
      reference: formatReference(ref),
      registry: ref.registry,
      repository: ref.repository,
      digest,
      mediaType: top.mediaType,
      manifestDigest,
      platform: platform ?? config.platform ?? wanted,
      configDigest: manifest.config.digest,
      labels: config.labels,
      exposedPorts: config.exposedPorts,
    };
    if (ref.tag !== undefined) inspection.tag = ref.tag;
    if (config.created !== undefined) inspection.created = config.created;
    return inspection;
  }

  /**
   * A followed config.json is looked at before every read (a stat; read again only when it
   * changed), and what it now holds is redacted from registry answers like the rest.
   */
  async #followConfig(): Promise<void> {
    const file = this.#o.dockerConfig;
    if (file === undefined || !('refresh' in file)) return;
    await file.refresh();
    for (const secret of this.#credentials.secrets()) this.#secrets.add(secret);
  }

  /** Forgets every tag and every content kept (tests, and a reload of credentials). */
  clearCache(): void {
    this.#cache.clear();
  }

  async close(): Promise<void> {
    await this.#transport.close();
  }

  #resolveTag(ref: ImageReference, tag: string): Promise<string> {
    const key = `${ref.registry}/${ref.repository}:${tag}`;
    const cached = this.#cache.tag(key);
    if (cached !== undefined) return Promise.resolve(cached);
    return this.#once(`tag ${key}`, async () => {
      const fields = this.#fields(ref, tag, 'manifest');
      const path = `/v2/${ref.repository}/manifests/${tag}`;
      // HEAD: the digest without the body (and, on Docker Hub, without counting as a pull).
      // A registry that does not implement HEAD (405, 501) is asked with GET instead.
      const head = await this.#read(ref, { method: 'HEAD', path, accept: MANIFEST_ACCEPT, maxBytes: this.#o.maxManifestBytes, fields }).catch(
        (err: unknown) => {
          if (err instanceof RegistryBadResponseError && (err.status === 405 || err.status === 501)) return undefined;
          throw err;
        },
      );
      const announced = head === undefined ? undefined : header(head, 'docker-content-digest');
      let digest: string;
      if (announced !== undefined && isDigest(announced)) {
        digest = announced;
      } else {
        const res = await this.#read(ref, { method: 'GET', path, accept: MANIFEST_ACCEPT, maxBytes: this.#o.maxManifestBytes, fields });
        const announcedByGet = header(res, 'docker-content-digest');
        digest = digestOf(res.body, announcedByGet !== undefined && isDigest(announcedByGet) ? announcedByGet : 'sha256:');
        if (announcedByGet !== undefined && announcedByGet !== digest) {
          throw new RegistryDigestMismatchError({ ...fields, expected: announcedByGet, actual: digest, what: 'the registry announced digest' });
        }
        this.#cache.setContent(
          contentKey('manifest', ref, digest),
          this.#parse(fields, () => parseManifest(res.body, header(res, 'content-type'))),
        );
      }
      this.#cache.setTag(key, digest);
      return digest;
    });
  }

  #manifest(ref: ImageReference, digest: string): Promise<Manifest> {
    const key = contentKey('manifest', ref, digest);
    const cached = this.#cache.content<Manifest>(key);
    if (cached !== undefined) return Promise.resolve(cached);
    return this.#once(key, async () => {
      const fields = this.#fields(ref, digest, 'manifest');
      const res = await this.#read(ref, {
        method: 'GET',
        path: `/v2/${ref.repository}/manifests/${digest}`,
        accept: MANIFEST_ACCEPT,
        maxBytes: this.#o.maxManifestBytes,
        fields,
      });
      verify(res.body, digest, fields, 'asked for manifest');
      const manifest = this.#parse(fields, () => parseManifest(res.body, header(res, 'content-type')));
      this.#cache.setContent(key, manifest);
      return manifest;
    });
  }

  #config(ref: ImageReference, descriptor: Descriptor): Promise<ImageConfig> {
    const key = contentKey('config', ref, descriptor.digest);
    const cached = this.#cache.content<ImageConfig>(key);
    if (cached !== undefined) return Promise.resolve(cached);
    return this.#once(key, async () => {
      const fields = this.#fields(ref, descriptor.digest, 'image config');
      if (descriptor.size > this.#o.maxConfigBytes)
        throw new RegistryTooLargeError({ ...fields, limitBytes: this.#o.maxConfigBytes, sizeBytes: descriptor.size });
      const res = await this.#read(ref, { method: 'GET', path: `/v2/${ref.repository}/blobs/${descriptor.digest}`, maxBytes: this.#o.maxConfigBytes, fields });
      if (res.body.length !== descriptor.size) {
        throw new RegistryBadResponseError({ ...fields, reason: `the manifest says ${descriptor.size} bytes, ${res.body.length} were received` });
      }
      verify(res.body, descriptor.digest, fields, 'the manifest names config');
      const config = this.#parse(fields, () => parseImageConfig(res.body));
      this.#cache.setContent(key, config);
      return config;
    });
  }

  /** One read, authenticated, retried while the failure is worth another try. */
  async #read(ref: ImageReference, read: Read): Promise<RawResponse> {
    const apiHost = registryApiHost(ref.registry);
    const scope = `repository:${ref.repository}:pull`;
    for (let attempt = 1; ; attempt++) {
      try {
        const sent = this.#auth.initial(ref.registry, scope);
        const exchange = {
          method: read.method,
          maxBytes: read.maxBytes,
          fields: read.fields,
          attempt,
          ...(read.accept === undefined ? {} : { accept: read.accept }),
        };
        let res = await this.#transport.api(apiHost, read.path, { ...exchange, ...(sent === undefined ? {} : { authorization: sent }) });
        if (res.status === 401) {
          const authorization = await this.#auth.answer(ref.registry, scope, res, sent, read.fields, attempt);
          res = await this.#transport.api(apiHost, read.path, { ...exchange, authorization });
        }
        if (res.status >= 200 && res.status <= 299) return res;
        throw statusError(res.status, res.headers, res.body, read.fields, (t) => this.#secrets.redact(t), this.#auth.hint(ref.registry, res.status));
      } catch (err) {
        if (!(err instanceof RegistryError) || attempt >= this.#o.readAttempts || !isRetryableRead(err)) throw err;
        const delayMs = backoffDelay(attempt, readRetryBackoff(this.#o.retryBaseDelayMs, this.#o.retryMaxDelayMs), this.#o.random);
        this.#o.logger?.debug({ registry: ref.registry, repository: ref.repository, code: err.code, attempt, delayMs }, 'registry read retry');
        await this.#o.sleep(delayMs);
      }
    }
  }

  #parse<T>(fields: RegistryErrorFields, parse: () => T): T {
    try {
      return parse();
    } catch (err) {
      if (!(err instanceof ShapeError)) throw err;
      throw new RegistryBadResponseError({ ...fields, reason: err.message });
    }
  }

  #fields(ref: ImageReference, reference: string, resource: string): RegistryErrorFields {
    return { registry: ref.registry, repository: ref.repository, reference, resource };
  }

  #once<T>(key: string, run: () => Promise<T>): Promise<T> {
    const pending = this.#inflight.get(key);
    if (pending !== undefined) return pending as Promise<T>;
    const promise = run().finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, promise);
    return promise;
  }
}

function contentKey(kind: string, ref: ImageReference, digest: string): string {
  return `${kind} ${ref.registry}/${ref.repository}@${digest}`;
}

function header(res: RawResponse, name: string): string | undefined {
  const v = res.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}

/** A registry is not trusted blindly: content must hash to the digest it was fetched by. */
function verify(body: Uint8Array, expected: string, fields: RegistryErrorFields, what: string): void {
  const actual = digestOf(body, expected);
  if (actual !== expected) throw new RegistryDigestMismatchError({ ...fields, expected, actual, what });
}
