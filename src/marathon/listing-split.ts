// Where each app of a GET /v2/apps body starts and ends, found in the bytes without parsing
// them. Marathon answers `{"apps":[{...},{...}]}`; an app whose bytes are the same as in the
// last listing is the same app, so only the apps that changed need JSON.parse (see
// ./listing-cache.ts). At 10,000 apps with their tasks (about 34 MiB), decoding and parsing
// the whole body took about 370 ms of CPU per pass and allocated every object again.
//
// The scan tracks strings (with their escapes) and nesting depth only. It accepts exactly
// this shape: optional whitespace, `{`, `"apps"`, `:`, `[`, objects separated by single
// commas, `]`, `}`, optional whitespace, with whitespace allowed between tokens as JSON
// allows it. Anything else (another key, a different order, a truncated body) is left to the
// whole-body JSON.parse, which gives the precise error. What is accepted here is what
// JSON.parse accepts, provided each element's bytes are parsed (or equal to bytes that were):
// everything outside the elements is checked here, token by token.
//
// Scanning is resumable at element boundaries, so a caller can yield to the event loop
// between slices of a large body. Pure.

/** JSON's structural bytes (listing-volatile.ts scans with them too). */
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;
export const OPEN_BRACKET = 0x5b;
export const CLOSE_BRACKET = 0x5d;
export const COMMA = 0x2c;
export const COLON = 0x3a;

const APPS_KEY = [QUOTE, 0x61, 0x70, 0x70, 0x73, QUOTE]; // "apps"

export interface Span {
  start: number;
  end: number;
}

/** A scan in progress: where the next element (or the closing bracket) is looked for. */
export interface SplitCursor {
  /** Position after `[` or after the last element. */
  pos: number;
  /** Elements found so far. */
  count: number;
  done: boolean;
}

/**
 * Checks the opening `{"apps":[` and returns a cursor just after the bracket, or undefined
 * when the body does not start that way (the caller parses it whole).
 */
export function beginSplit(bytes: Uint8Array): SplitCursor | undefined {
  let i = skipBom(bytes);
  i = skipWs(bytes, i);
  if (bytes[i] !== OPEN_BRACE) return undefined;
  i = skipWs(bytes, i + 1);
  for (const b of APPS_KEY) {
    if (bytes[i] !== b) return undefined;
    i++;
  }
  i = skipWs(bytes, i);
  if (bytes[i] !== COLON) return undefined;
  i = skipWs(bytes, i + 1);
  if (bytes[i] !== OPEN_BRACKET) return undefined;
  return { pos: i + 1, count: 0, done: false };
}

/**
 * Finds further elements, appending their spans to `out`, until `budgetBytes` bytes were
 * scanned or the array ended. Returns false when the body is not of the accepted shape from
 * here on (the caller parses it whole); the cursor is then unusable.
 *
 * `known(start)` may name the length of an element starting at `start` that the caller has
 * recognised (its bytes are those of an element it read before, whole): the element is then
 * taken without scanning it. Bytes equal to a complete object's are that object, so the span
 * is the one the scan would find. 0: not recognised.
 */
export function continueSplit(bytes: Uint8Array, cursor: SplitCursor, out: Span[], budgetBytes: number, known?: (start: number) => number): boolean {
  const stop = Math.min(bytes.length, cursor.pos + Math.max(1, budgetBytes));
  let i = cursor.pos;
  while (i < stop) {
    i = skipWs(bytes, i);
    if (cursor.count > 0) {
      // After an element: a comma and the next element, or the end of the array.
      if (bytes[i] === CLOSE_BRACKET) return finish(bytes, cursor, i + 1);
      if (bytes[i] !== COMMA) return false;
      i = skipWs(bytes, i + 1);
    } else if (bytes[i] === CLOSE_BRACKET) {
      return finish(bytes, cursor, i + 1);
    }
    if (bytes[i] !== OPEN_BRACE) return false;
    const length = known?.(i) ?? 0;
    const end = length > 0 ? i + length : objectEnd(bytes, i);
    if (end < 0) return false;
    out.push({ start: i, end });
    cursor.count++;
    i = end;
  }
  cursor.pos = i;
  // The body ended between elements, before its closing bracket: truncated.
  return i < bytes.length;
}

/** After `]`: `}` and whitespace to the end. */
function finish(bytes: Uint8Array, cursor: SplitCursor, from: number): boolean {
  let i = skipWs(bytes, from);
  if (bytes[i] !== CLOSE_BRACE) return false;
  i = skipWs(bytes, i + 1);
  if (i !== bytes.length) return false;
  cursor.pos = i;
  cursor.done = true;
  return true;
}

/**
 * The position just after the `}` that closes the object opening at `start`, or -1 when the
 * body ends first. Brackets are counted without telling `{` from `[`: a mismatch inside an
 * element is JSON.parse's to find, and a wrong end would leave bytes outside any element,
 * which the separators' check above refuses.
 */
function objectEnd(bytes: Uint8Array, start: number): number {
  const length = bytes.length;
  let depth = 0;
  let i = start;
  while (i < length) {
    const b = bytes[i++] as number;
    if (b === QUOTE) {
      i = stringEnd(bytes, i);
      if (i < 0) return -1;
    } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      depth++;
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) return b === CLOSE_BRACE ? i : -1;
    }
  }
  return -1;
}

/** The position after the quote that closes the string whose content starts at `from`; -1 if none. */
export function stringEnd(bytes: Uint8Array, from: number): number {
  let i = from;
  while (i < bytes.length) {
    const c = bytes[i++];
    // Only an unescaped quote ends a string.
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i;
  }
  return -1;
}

function skipBom(bytes: Uint8Array): number {
  return bytes.length > 2 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
}

/** JSON's whitespace: space, tab, line feed, carriage return. */
export function skipWs(bytes: Uint8Array, from: number): number {
  let i = from;
  for (;;) {
    const b = bytes[i];
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return i;
    i++;
  }
}
