// How problem messages may show user input. Messages travel to /status (readable without a
// token), logs and maracker.app_status, so they never carry file or row content beyond
// the offending token itself, and even that is cut short and escaped: a value that is the
// whole of a file that is not a manifest (a link to /proc/self/environ once showed the
// daemon's environment this way) is named by its type, never quoted.

/** Longest value shown, in characters. */
export const MAX_TOKEN_CHARS = 40;
/** Longest key shown in a JSON path (Traefik label keys run to 60 characters and more). */
export const MAX_KEY_CHARS = 128;

function cut(token: string, max: number): string {
  const chars = Array.from(token.length > max * 2 ? token.slice(0, max * 2) : token);
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : chars.join('');
}

/** `"brige"`, `"very-long-value-…"`: a JSON string literal of at most `max` characters. */
export function quoteToken(token: string, max = MAX_TOKEN_CHARS): string {
  return JSON.stringify(cut(token, max));
}

/** Control characters as escapes: a newline in a token never starts a fake line of output. */
function escapeControls(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => JSON.stringify(c).slice(1, -1));
}

/** The token without quotes, cut short, control characters escaped. */
export function bareToken(token: string, max = MAX_TOKEN_CHARS): string {
  return escapeControls(cut(token, max));
}

/**
 * A message from a library (the yaml parser's errors quote the token they stumbled on):
 * cut to `max` characters, control characters escaped.
 */
export function libraryMessage(message: string, max = 120): string {
  return escapeControls(cut(message, max));
}

/** `a, b, c, …`: at most `max` tokens. */
export function tokenList(tokens: readonly string[], max = 10): string {
  const shown = tokens
    .slice(0, max)
    .map((t) => bareToken(t))
    .join(', ');
  return tokens.length > max ? `${shown}, …` : shown;
}

/**
 * What was found, without its content: "a string", "a list", "a mapping"; numbers and
 * booleans as written (they carry nothing but themselves).
 */
export function describeKind(v: unknown): string {
  if (v === null || v === undefined) return 'an empty value';
  if (Array.isArray(v)) return 'a list';
  switch (typeof v) {
    case 'string':
      return 'a string';
    case 'number':
    case 'boolean':
      return String(v);
    case 'object':
      return 'a mapping';
    default:
      return `a ${typeof v}`;
  }
}

/**
 * The offending value itself, when it is a short scalar: strings quoted and cut, numbers
 * and booleans as written; containers and empty values by their kind.
 */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return quoteToken(v);
  return describeKind(v);
}
