// Credentials and TLS trust for talking to Marathon. Secrets live only in the Authorization
// header built here; everything that might reach a log line or an error message goes through
// `redact`, so a server that echoes a header back cannot leak it either.

import { readSmallFileSync } from '../base/small-file.js';
import { createScrubber } from '../secrets/scrubber.js';

/** HTTP basic authentication (Marathon's `--http_credentials`). */
export interface BasicAuth {
  username: string;
  password: string;
}

/** A DC/OS authentication token, sent as `Authorization: token=<token>`. */
export interface TokenAuth {
  token: string;
}

export type MarathonAuth = BasicAuth | TokenAuth;

export function isTokenAuth(auth: MarathonAuth): auth is TokenAuth {
  return 'token' in auth;
}

/**
 * Why HTTP basic cannot carry this user name, or undefined: the one rule of the
 * configuration (--marathon-user) and the client (`auth.username`).
 */
export function basicUserProblem(username: string): string | undefined {
  if (username.length === 0) return 'expected a non-empty user name';
  if (username.includes(':')) return 'expected a user name without `:` (HTTP basic forbids it)';
  return undefined;
}

export function authorizationHeader(auth: MarathonAuth | undefined): string | undefined {
  if (auth === undefined) return undefined;
  if (isTokenAuth(auth)) return `token=${auth.token}`;
  return `Basic ${basicCredential(auth)}`;
}

export { REDACTED } from '../secrets/url.js';

/**
 * Replaces every appearance of a configured secret (and its encoded header form) in `text`,
 * with the daemon's one scrubber (src/secrets/scrubber.ts): a server that echoes a header or
 * a URL with credentials back cannot leak them either.
 */
export function secretRedactor(auth: MarathonAuth | undefined): (text: string) => string {
  return createScrubber(authSecrets(auth)).text;
}

/** The secrets `auth` carries: the token, or the password and the basic credential it makes. */
export function authSecrets(auth: MarathonAuth | undefined): string[] {
  if (auth === undefined) return [];
  return isTokenAuth(auth) ? [auth.token] : [auth.password, basicCredential(auth)];
}

function basicCredential(auth: BasicAuth): string {
  return Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64');
}

/** A CA bundle larger than this is not one (Debian's whole ca-certificates.crt is about 200 KiB). */
const MAX_CA_BYTES = 8 * 1024 * 1024;

/**
 * The CA bundle to trust: PEM text as given, or the content of the file it names. Read once,
 * at construction, so a wrong path fails at startup with a precise message, not at the first
 * request.
 */
export function loadCa(ca: string | Buffer): string | Buffer {
  if (Buffer.isBuffer(ca)) return ca;
  if (ca.includes('-----BEGIN')) return ca;
  // A regular file of sane size (src/base/small-file.ts): a FIFO or /dev/zero would hang start-up.
  const read = readSmallFileSync(ca, MAX_CA_BYTES);
  if (!read.ok) {
    const why = read.kind === 'errno' ? `could not read \`${ca}\` (${read.code})` : `\`${ca}\` ${read.reason}`;
    throw new TypeError(`Expected \`ca\` to be PEM text or the path of a readable PEM file, ${why}`);
  }
  const text = read.bytes.toString('utf8');
  if (!text.includes('-----BEGIN')) {
    throw new TypeError(`Expected \`ca\` file \`${ca}\` to contain a PEM certificate ("-----BEGIN ...")`);
  }
  return text;
}
