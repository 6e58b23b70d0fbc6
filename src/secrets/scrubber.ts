// The one answer to "can this string leave the process?": a scrubber built from the secret
// values maracker was configured with (database password, Marathon password or token, status
// token, any URL credential), applied to everything that leaves: log lines, status records,
// `maracker.app_status`, metrics and CLI output. Errors from pg, undici or Marathon itself can
// quote a connection string, a header or a request; no code path has to remember to redact,
// because the way out does.
//
// Each secret is searched as written, percent-encoded, percent-decoded and JSON-escaped (a
// log line is JSON: a `"` or `\` in a password appears escaped there), longest first, in one
// pass; then URL userinfo and header credentials are blanked whatever their value
// (./url.ts). Values shorter than MIN_SECRET_LENGTH are not searched for as text (they would
// blank half of every line); they are still blanked where they stand in a URL or a header.

import { REDACTED, redactCredentials } from './url.js';

export const MIN_SECRET_LENGTH = 4;

export interface Scrubber {
  /** Plain text (CLI output, metrics, a message). */
  text(s: string): string;
  /** Every string inside a JSON-like value (status records, log objects); the same object when nothing changed. */
  value<T>(v: T): T;
  /**
   * One line of output that may be JSON (a log line): scrubbed inside its strings, so the
   * line stays valid JSON whatever a secret looks like; plain text otherwise.
   */
  line(s: string): string;
}

export interface ScrubberOptions {
  /**
   * Also blank URL userinfo and header credentials whatever their value (./url.ts). Default
   * true; false for output that shows credentials on purpose (`maracker up` prints the psql
   * command of its embedded database), where only the configured secrets are removed.
   */
  anyCredentials?: boolean;
}

export function createScrubber(secrets: Iterable<string | null | undefined>, options: ScrubberOptions = {}): Scrubber {
  const variants = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) continue;
    for (const form of forms(secret)) if (form.length >= MIN_SECRET_LENGTH) variants.add(form);
  }
  const sorted = [...variants].sort((a, b) => b.length - a.length);
  const pattern = sorted.length === 0 ? undefined : new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
  const generic = options.anyCredentials === false ? (s: string) => s : redactCredentials;
  const text = (s: string): string => generic(pattern === undefined ? s : s.replace(pattern, REDACTED));
  const value = <T>(v: T): T => deep(v, text);
  const line = (s: string): string => {
    const plain = text(s);
    // Nothing found (nearly every line): as it was, without parsing it.
    if (plain === s || !s.startsWith('{')) return plain;
    try {
      return JSON.stringify(value(JSON.parse(s) as unknown)) + (s.endsWith('\n') ? '\n' : '');
    } catch {
      return plain;
    }
  };
  return { text, value, line };
}

/** Scrubs nothing but URL credentials and header values (no configured secrets). */
export const BASIC_SCRUBBER: Scrubber = createScrubber([]);

function forms(secret: string): string[] {
  const out = [secret, encodeURIComponent(secret), json(secret)];
  try {
    const decoded = decodeURIComponent(secret);
    out.push(decoded, encodeURIComponent(decoded), json(decoded));
  } catch {
    // Not percent-encoding: the raw forms are all there is.
  }
  return out;
}

function json(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function deep<T>(v: T, text: (s: string) => string): T {
  if (typeof v === 'string') return text(v) as T;
  if (Array.isArray(v)) {
    let changed = false;
    const out = v.map((item: unknown) => {
      const next = deep(item, text);
      if (next !== item) changed = true;
      return next;
    });
    return (changed ? out : v) as T;
  }
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    let out: Record<string, unknown> | undefined;
    for (const [key, item] of Object.entries(v)) {
      const next = deep(item, text);
      if (next !== item) (out ??= { ...(v as Record<string, unknown>) })[key] = next;
    }
    return (out ?? v) as T;
  }
  return v;
}
