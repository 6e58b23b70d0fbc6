// A registry, a token endpoint, blob storage, made of handlers on an undici MockAgent with
// the network disabled: the unit tests reach hosts such as registry.example.com without any
// traffic leaving the process, and every request is recorded for the test to assert on.

import { MockAgent } from 'undici';
import type { Blob } from '../../helpers/oci-image.js';

export interface Recorded {
  method: string;
  origin: string;
  path: string;
  authorization?: string;
  accept?: string;
}

export interface Reply {
  status: number;
  body?: string | Buffer;
  headers?: Record<string, string>;
}

export type Handler = (req: Recorded) => Reply;

export class MockNet {
  readonly agent = new MockAgent();
  readonly requests: Recorded[] = [];

  constructor() {
    this.agent.disableNetConnect();
  }

  /** Answers every request to `origin` with `handler`. */
  serve(origin: string, handler: Handler): void {
    this.agent
      .get(origin)
      .intercept({ path: () => true, method: () => true })
      .reply((opts) => {
        const h = opts.headers as unknown;
        const get = (name: string): string | undefined => {
          if (h && typeof (h as Headers).get === 'function') return (h as Headers).get(name) ?? undefined;
          const rec = (h ?? {}) as Record<string, string>;
          return rec[name] ?? rec[name.toLowerCase()];
        };
        const req: Recorded = { method: opts.method, origin, path: opts.path };
        const authorization = get('authorization');
        const accept = get('accept');
        if (authorization !== undefined) req.authorization = authorization;
        if (accept !== undefined) req.accept = accept;
        this.requests.push(req);
        const reply = handler(req);
        const body = reply.body ?? '';
        return { statusCode: reply.status, data: body, responseOptions: { headers: { 'content-length': String(Buffer.byteLength(body)), ...reply.headers } } };
      })
      .persist();
  }

  /** Fails every request to `origin` with a socket error of `code` (ECONNREFUSED, ERR_SSL_WRONG_VERSION_NUMBER, ...). */
  fail(origin: string, code: string): void {
    this.agent
      .get(origin)
      .intercept({ path: () => true, method: () => true })
      .replyWithError(Object.assign(new Error(`mock ${code}`), { code }))
      .persist();
  }

  to(origin: string): Recorded[] {
    return this.requests.filter((r) => r.origin === origin);
  }
}

export interface Repository {
  tags: Record<string, string>;
  blobs: Blob[];
}

export type RegistryAuth =
  | { kind: 'none' }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'bearer'; realm: string; service: string; token: string };

export interface RegistryBehaviour {
  auth?: RegistryAuth;
  /** Leave Docker-Content-Digest out of HEAD answers. Default false. */
  noDigestHeader?: boolean;
}

/** The /v2/ API of a distribution registry over `repos`, as `name → {tags, blobs}`. */
export function registryHandler(repos: Record<string, Repository>, behaviour: RegistryBehaviour = {}): Handler {
  const auth = behaviour.auth ?? { kind: 'none' };
  return (req): Reply => {
    if (auth.kind === 'basic') {
      const expected = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
      if (req.authorization !== expected)
        return { status: 401, headers: { 'www-authenticate': 'Basic realm="basic-realm"' }, body: errors('UNAUTHORIZED', 'authentication required') };
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(req.path);
    if (auth.kind === 'bearer' && req.authorization !== `Bearer ${auth.token}`) {
      const scope = m ? `,scope="repository:${m[1]}:pull"` : '';
      return {
        status: 401,
        headers: { 'www-authenticate': `Bearer realm="${auth.realm}",service="${auth.service}"${scope}` },
        body: errors('UNAUTHORIZED', 'authentication required'),
      };
    }
    if (!m) return { status: 404, body: errors('NOT_FOUND', 'no route') };
    const [, name, kind, ref] = m as unknown as [string, string, string, string];
    const repo = repos[name];
    if (repo === undefined) return { status: 404, body: errors('NAME_UNKNOWN', 'repository name not known to registry') };
    const digest = kind === 'manifests' ? (repo.tags[ref] ?? ref) : ref;
    const found = repo.blobs.find((b) => b.digest === digest);
    if (found === undefined)
      return { status: 404, body: errors(kind === 'manifests' ? 'MANIFEST_UNKNOWN' : 'BLOB_UNKNOWN', `${kind === 'manifests' ? 'manifest' : 'blob'} unknown`) };
    const headers: Record<string, string> = { 'content-type': found.mediaType };
    if (!(behaviour.noDigestHeader && req.method === 'HEAD')) headers['docker-content-digest'] = found.digest;
    if (req.method === 'HEAD') return { status: 200, headers: { ...headers, 'content-length': String(found.size) } };
    return { status: 200, headers, body: found.bytes };
  };
}

export function errors(code: string, message: string): string {
  return JSON.stringify({ errors: [{ code, message, detail: null }] });
}
