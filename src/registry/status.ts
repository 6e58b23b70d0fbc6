// Non-2xx answers of a registry, sorted into the error catalogue. The registry's own error
// (`{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`) is quoted, short
// and redacted: a server that echoes a header back cannot leak a credential through us.

import type { IncomingHttpHeaders } from 'node:http';
import {
  RegistryBadResponseError,
  RegistryNotFoundError,
  RegistryRateLimitedError,
  RegistryServerError,
  RegistryUnauthorizedError,
  type RegistryCode,
  type RegistryError,
  type RegistryErrorFields,
} from './errors.js';
import { isObject } from '../model/json.js';

const MAX_SERVER_MESSAGE = 200;

/** `MANIFEST_UNKNOWN: manifest unknown`, from a registry's error body; undefined when it has none. */
export function serverMessage(body: Uint8Array, redact: (text: string) => string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
  const first = isObject(parsed) && Array.isArray(parsed.errors) ? (parsed.errors[0] as unknown) : undefined;
  if (!isObject(first)) return undefined;
  const code = typeof first.code === 'string' ? first.code : undefined;
  const message = typeof first.message === 'string' ? first.message : undefined;
  const text = [code, message].filter((t) => t !== undefined && t !== '').join(': ');
  if (text === '') return undefined;
  const clean = redact(text).replace(/\s+/g, ' ');
  return clean.length > MAX_SERVER_MESSAGE ? `${clean.slice(0, MAX_SERVER_MESSAGE)}…` : clean;
}

/** The error for a non-2xx status. `hint` says why the credentials used were none or refused. */
export function statusError(
  status: number,
  headers: IncomingHttpHeaders,
  body: Uint8Array,
  fields: RegistryErrorFields,
  redact: (text: string) => string,
  hint: string,
): RegistryError {
  const message = serverMessage(body, redact);
  const f = { ...fields, status, ...(message === undefined ? {} : { serverMessage: message }) };
  if (status === 401 || status === 403) return new RegistryUnauthorizedError({ ...f, hint });
  if (status === 404) return new RegistryNotFoundError(f);
  if (status === 429) {
    const after = Number(headers['retry-after']);
    return new RegistryRateLimitedError({ ...f, ...(Number.isFinite(after) && after >= 0 ? { retryAfterSeconds: after } : {}) });
  }
  if (status >= 500) return new RegistryServerError(f);
  return new RegistryBadResponseError({ ...f, reason: `unexpected HTTP status ${status}${message === undefined ? '' : ` (${message})`}` });
}

/** Codes worth another try of the same read. */
const RETRYABLE: ReadonlySet<RegistryCode> = new Set<RegistryCode>(['MRK_REGISTRY_SERVER_ERROR', 'MRK_REGISTRY_TIMEOUT', 'MRK_REGISTRY_UNREACHABLE']);

export function isRetryableRead(err: RegistryError): boolean {
  return RETRYABLE.has(err.code);
}
