// Marathon's base URL, checked once: the configuration (--marathon) and the client (`url`)
// ask this function and report its answer, so the two cannot accept different URLs.
//
// A problem never quotes credentials. Userinfo is looked for as written, before any URL
// parser runs (a password with an unencoded `/` is what makes `new URL` fail in the first
// place, and the URL shown with it would carry the password), and what is quoted of a URL
// goes through the same redaction as the logs (src/secrets/url.ts).

import { redactCredentials, userinfoOf } from '../secrets/url.js';

const CREDENTIALS = 'expected no credentials (user:password@) in the URL, where logs would show them: give them as the authentication options';

export type MarathonUrlCheck =
  | {
      ok: true;
      /** As given, without trailing slashes: what the configuration shows and names the installation after. */
      url: string;
      /** As the URL parser writes it, without trailing slashes: what requests are sent to. */
      baseUrl: string;
    }
  | { ok: false; problem: string };

/**
 * Checks `raw` as Marathon's base URL, `http(s)://host:port[/base/path]`: no credentials
 * (they travel in the Authorization header, never in a URL that logs and errors show), no
 * query, no fragment. The problem is a phrase ("expected ..."), for the caller to prefix
 * with the name it knows the value by.
 */
export function checkMarathonUrl(raw: unknown): MarathonUrlCheck {
  if (typeof raw !== 'string' || raw.length === 0) return { ok: false, problem: `expected an http(s) URL, got "${String(raw)}"` };
  if (userinfoOf(raw) !== undefined) return { ok: false, problem: CREDENTIALS };
  const shown = redactCredentials(raw);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Userinfo written some other way (`http:\\user:pass@host`) is not quoted either.
    return {
      ok: false,
      problem: raw.includes('@') ? 'expected an http(s) URL, got something else (not quoted: it holds an "@")' : `expected an http(s) URL, got "${shown}"`,
    };
  }
  if (url.username !== '' || url.password !== '') return { ok: false, problem: CREDENTIALS };
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, problem: `expected an http(s) URL, got "${shown}"` };
  if (url.search !== '' || url.hash !== '') return { ok: false, problem: `expected a URL without query or fragment, got "${shown}"` };
  return { ok: true, url: raw.replace(/\/+$/, ''), baseUrl: `${url.origin}${url.pathname.replace(/\/+$/, '')}` };
}
