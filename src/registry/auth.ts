// Answering a registry's authentication challenges: anonymous first; HTTP basic when the
// registry asks for it; the bearer-token flow of Docker Hub–style registries (a 401 with
// `WWW-Authenticate: Bearer realm=…,service=…,scope=…` → a token from the realm, with basic
// credentials when there are any → the request again with the token). Tokens are kept per
// registry and scope until shortly before they expire. Credentials go to the registry they
// are for and to the realm its challenge names, nowhere else, and never in plain HTTP to a
// host Docker's rule does not allow it (the transport refuses).

import { parseChallenges, type Challenge } from './challenge.js';
import type { CredentialStore } from './credentials.js';
import type { BasicCredentials } from './docker-config.js';
import { RegistryBadResponseError, RegistryUnauthorizedError, type RegistryErrorFields } from './errors.js';
import { parseJsonObject, ShapeError } from './json.js';
import type { ResolvedRegistryOptions } from './options.js';
import type { Secrets } from './secrets.js';
import { statusError } from './status.js';
import type { RawResponse, Transport } from './transport.js';

/** A token answer is small; anything bigger is not one. */
const MAX_TOKEN_BYTES = 1024 * 1024;
/** Tokens without `expires_in` last 60 s (the distribution token spec). */
const DEFAULT_TOKEN_SECONDS = 60;
/** A token is renewed this long before it expires, so it does not expire in flight. */
const RENEW_EARLY_MS = 5_000;

interface CachedToken {
  header: string;
  expiresAt: number;
}

export function basicHeader(c: BasicCredentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')}`;
}

export class Authenticator {
  readonly #opts: ResolvedRegistryOptions;
  readonly #transport: Transport;
  readonly #credentials: CredentialStore;
  readonly #secrets: Secrets;
  /** Registries that answered with a Basic challenge: credentials are sent up front from then on. */
  readonly #basic = new Set<string>();
  readonly #tokens = new Map<string, CachedToken>();

  constructor(opts: ResolvedRegistryOptions, transport: Transport, credentials: CredentialStore, secrets: Secrets) {
    this.#opts = opts;
    this.#transport = transport;
    this.#credentials = credentials;
    this.#secrets = secrets;
  }

  /** Why the credentials for `registry` are none or were refused (401) or not enough (403): for UNAUTHORIZED errors. */
  hint(registry: string, status?: number): string {
    const lookup = this.#credentials.lookup(registry);
    if (status === 403 && lookup.credentials !== undefined) {
      return `the credentials for ${registry} (from ${lookup.source === 'options' ? 'the options' : lookup.source}) do not allow reading this repository`;
    }
    return lookup.hint;
  }

  /** The Authorization header to send first: a live token, basic credentials once asked for, or none. */
  initial(registry: string, scope: string): string | undefined {
    const token = this.#tokens.get(tokenKey(registry, scope));
    if (token !== undefined && token.expiresAt > this.#opts.now()) return token.header;
    const credentials = this.#credentials.lookup(registry).credentials;
    if (this.#basic.has(registry) && credentials !== undefined) return basicHeader(credentials);
    return undefined;
  }

  /**
   * The Authorization header that answers the challenge of a 401, fetching a token when the
   * registry asks for one. Throws UNAUTHORIZED when it cannot be answered (no credentials
   * for a Basic challenge, the same credentials refused again, an unknown scheme).
   */
  async answer(registry: string, scope: string, res: RawResponse, sent: string | undefined, fields: RegistryErrorFields, attempt: number): Promise<string> {
    const raw = res.headers['www-authenticate'];
    const challenges = parseChallenges(raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]);
    const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm !== undefined);
    const lookup = this.#credentials.lookup(registry);
    if (bearer !== undefined) {
      this.#tokens.delete(tokenKey(registry, scope));
      const token = await this.#fetchToken(bearer, scope, lookup.credentials, { ...fields, resource: 'token' }, attempt, lookup.hint);
      this.#tokens.set(tokenKey(registry, scope), token);
      return token.header;
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      if (lookup.credentials === undefined) throw new RegistryUnauthorizedError({ ...fields, status: res.status, hint: lookup.hint });
      const header = basicHeader(lookup.credentials);
      if (sent === header) throw new RegistryUnauthorizedError({ ...fields, status: res.status, hint: lookup.hint });
      this.#basic.add(registry);
      return header;
    }
    const schemes = challenges.map((c) => c.scheme).join(', ');
    throw new RegistryUnauthorizedError({
      ...fields,
      status: res.status,
      hint:
        schemes === ''
          ? 'the registry sent no WWW-Authenticate challenge to answer'
          : `the registry asks for ${schemes} authentication, which maracker cannot answer`,
    });
  }

  async #fetchToken(
    challenge: Challenge,
    scope: string,
    credentials: BasicCredentials | undefined,
    fields: RegistryErrorFields,
    attempt: number,
    hint: string,
  ): Promise<CachedToken> {
    let realm: URL;
    try {
      realm = new URL(challenge.params.realm as string);
    } catch {
      throw new RegistryBadResponseError({ ...fields, reason: 'the bearer challenge names a realm that is not a URL' });
    }
    if (realm.protocol !== 'https:' && realm.protocol !== 'http:') {
      throw new RegistryBadResponseError({ ...fields, reason: `the bearer challenge names a ${realm.protocol} realm` });
    }
    // The registry knows which scope it wants; ours is the fallback.
    for (const s of (challenge.params.scope ?? scope).split(' ').filter((x) => x !== '')) realm.searchParams.append('scope', s);
    if (challenge.params.service !== undefined) realm.searchParams.set('service', challenge.params.service);
    if (credentials !== undefined) realm.searchParams.set('account', credentials.username);

    const res = await this.#transport.send({
      method: 'GET',
      url: realm,
      accept: 'application/json',
      ...(credentials === undefined ? {} : { authorization: basicHeader(credentials) }),
      maxBytes: MAX_TOKEN_BYTES,
      fields,
      attempt,
    });
    if (res.status < 200 || res.status > 299) throw statusError(res.status, res.headers, res.body, fields, (t) => this.#secrets.redact(t), hint);
    let token: string;
    let seconds = DEFAULT_TOKEN_SECONDS;
    try {
      const body = parseJsonObject(res.body, 'the token answer');
      const value = typeof body.token === 'string' && body.token !== '' ? body.token : body.access_token;
      if (typeof value !== 'string' || value === '') throw new ShapeError('the token answer has no `token`');
      token = value;
      if (typeof body.expires_in === 'number' && body.expires_in > 0) seconds = body.expires_in;
    } catch (err) {
      if (!(err instanceof ShapeError)) throw err;
      throw new RegistryBadResponseError({ ...fields, status: res.status, reason: err.message });
    }
    this.#secrets.add(token);
    return { header: `Bearer ${token}`, expiresAt: this.#opts.now() + seconds * 1000 - RENEW_EARLY_MS };
  }
}

function tokenKey(registry: string, scope: string): string {
  return `${registry} ${scope}`;
}
