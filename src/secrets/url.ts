// Credentials inside URLs and headers, found without a URL parser. A URL that `new URL`
// rejects is exactly the one that leaks: `postgres://u:pa/ss@db/x` is not a valid URL (the
// `/` ends the authority early), and the old redaction, a pattern stopping at the first `/`,
// let the password through. Here a URL's userinfo is everything between `scheme://` and the
// *last* `@` of the token (a password may hold `/`, `@`, `:` or `%`, encoded or not), so a
// path that happens to hold an `@` is blanked too: too much rather than too little.

export const REDACTED = '[redacted]';

/** `scheme://` then a run of characters that cannot end a URL in text (quotes, blanks, brackets end it). */
const URL_TOKEN = /\b([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([^\s"'`<>]*)/g;
/** Query parameters whose values are secrets (libpq's `password`/`sslpassword`, tokens). */
const SECRET_PARAM = /([?&;](?:password|sslpassword|passwd|pwd|token|access_token|api_?key|secret)=)[^&#;\s"'`<>]*/gi;
/**
 * A credential after `Bearer `, `Basic ` or `token=` (Marathon's DC/OS header), wherever it
 * stands. Only what looks like one: 8 characters and more, with a digit or a sign, so prose
 * ("Bearer token required", "Authorization: token=...") is left alone.
 */
const HEADER_CREDENTIAL = /\b(Bearer\s+|Basic\s+|token=)([A-Za-z0-9+/=._~-]{8,})/g;

/** `text` with every URL's userinfo, secret query parameter and Authorization credential blanked. */
export function redactCredentials(text: string): string {
  let out = text;
  // Query parameters first: a password there may hold an `@`, which would otherwise be taken
  // for the end of a userinfo and leave the rest of the password after it.
  if (out.includes('=')) out = out.replace(SECRET_PARAM, `$1${REDACTED}`);
  if (out.includes('://')) {
    out = out.replace(URL_TOKEN, (whole, scheme: string, rest: string) => {
      const at = rest.lastIndexOf('@');
      if (at < 0) return whole;
      const userinfo = rest.slice(0, at);
      const colon = userinfo.indexOf(':');
      // The user name stays (it says which account), unless it is all there is (a token).
      const shown = colon < 0 ? REDACTED : `${userinfo.slice(0, colon)}:${REDACTED}`;
      return `${scheme}${shown}${rest.slice(at)}`;
    });
  }
  if (/Bearer|Basic|token=/.test(out)) {
    out = out.replace(HEADER_CREDENTIAL, (whole, prefix: string, value: string) => (/[^A-Za-z]/.test(value) ? `${prefix}${REDACTED}` : whole));
  }
  return out;
}

/**
 * The secret values a URL carries, for a scrubber to find wherever else they show up: the
 * password of its userinfo (as written and percent-decoded), a user-only userinfo (a token),
 * and secret query parameters. Works on strings no URL parser accepts.
 */
export function urlSecrets(raw: string): string[] {
  const out: string[] = [];
  const userinfo = userinfoOf(raw.trim());
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    const user = colon < 0 ? undefined : userinfo.slice(0, colon);
    const secret = colon < 0 ? userinfo : userinfo.slice(colon + 1);
    // A password equal to its user name keeps nothing secret (`maracker:maracker`, the
    // embedded database of `npm start`), and searching for it would blank every mention of
    // the user, the schema and the product in every line. It is still blanked where it
    // stands in a URL or a header.
    if (secret !== user) out.push(secret);
  }
  for (const p of raw.matchAll(new RegExp(SECRET_PARAM.source, 'gi'))) {
    const value = p[0].slice((p[1] as string).length);
    out.push(value);
  }
  return out.filter((s) => s.length > 0).flatMap((s) => [s, decoded(s)]);
}

/**
 * A URL's userinfo as written: everything between `scheme://` and the *last* `@` (see the
 * top of this file), or undefined when there is no `@`. Needs no URL parser.
 */
export function userinfoOf(raw: string): string | undefined {
  const rest = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/(.*)$/s.exec(raw)?.[1];
  const at = rest?.lastIndexOf('@') ?? -1;
  return rest === undefined || at < 0 ? undefined : rest.slice(0, at);
}

/** `s` percent-decoded, or as it is when it holds a `%` that is no escape. */
export function decoded(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
