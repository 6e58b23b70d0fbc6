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
// The body is split as it arrives (ListingSplitter): the caller needs to hold only the bytes
// of the element being read, never the whole body (34 MiB at 10,000 apps with their tasks),
// and can yield to the event loop between elements. No I/O.

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
/** The opening tokens, in order: `{`, `"apps"`, `:`, `[`. */
const HEAD: ReadonlyArray<readonly number[]> = [[OPEN_BRACE], APPS_KEY, [COLON], [OPEN_BRACKET]];

/**
 * One step of a split (positions index the bytes given to `next`):
 * - `element`: an app's bytes are `[start, end)`;
 * - `more`: the bytes given end before the next element does; bytes before `keep` are done
 *   with (the caller may drop them, and gives the rest again with more after it);
 * - `end`: the listing ended, its closing tokens checked;
 * - `invalid`: not the accepted shape from here on (or truncated): parse the body whole.
 */
export type SplitStep = { kind: 'element'; start: number; end: number } | { kind: 'more'; keep: number } | { kind: 'end' } | { kind: 'invalid' };

/**
 * `known(start, bytes)` may recognise the element starting at `start` as bytes read before,
 * whole: it returns their length (the element is taken without scanning it: bytes equal to a
 * complete object's are that object), 0 when it does not recognise it, or -1 when it cannot
 * tell before more bytes come.
 */
export type KnownElement = (start: number, bytes: Uint8Array) => number;

/**
 * Splits a listing fed in pieces (the body as it arrives), one element per step. Between
 * calls the caller may drop the bytes before the last `keep` (or after an element, before
 * its end) and must give the bytes from there on again, at any offset, with what arrived
 * since: the splitter remembers where it is relative to the first byte not yet done with.
 */
export class ListingSplitter {
  /** 0-3: the opening token looked for next; 4: elements; 5: after `]`; 6: after the final `}`. */
  #stage = 0;
  /** Elements found so far. */
  #count = 0;
  /** After a comma: an element must follow. */
  #needElement = false;
  /** A byte-order mark may still come (nothing read yet). */
  #atStart = true;
  /** The element being scanned: how far (from its start), its depth, and whether inside a string. */
  #scan = { offset: 0, depth: 0, inString: false, escaped: false };

  /** Elements found so far. */
  get count(): number {
    return this.#count;
  }

  /**
   * The next step over `bytes`, from `from` (the first byte not done with). `final`: no byte
   * will come after these.
   */
  next(bytes: Uint8Array, from: number, final: boolean, known?: KnownElement): SplitStep {
    let i = from;
    if (this.#atStart) {
      if (bytes.length - i < 3 && !final) return { kind: 'more', keep: i };
      if (bytes[i] === 0xef && bytes[i + 1] === 0xbb && bytes[i + 2] === 0xbf) i += 3;
      this.#atStart = false;
    }
    for (;;) {
      if (this.#stage < 4 || this.#stage > 4 || this.#scan.offset === 0) {
        i = skipWs(bytes, i);
        if (i >= bytes.length) return final ? this.#finalStep() : { kind: 'more', keep: i };
      }
      if (this.#stage < 4) {
        const token = HEAD[this.#stage] as readonly number[];
        if (bytes.length - i < token.length) return final ? { kind: 'invalid' } : { kind: 'more', keep: i };
        for (let k = 0; k < token.length; k++) if (bytes[i + k] !== token[k]) return { kind: 'invalid' };
        i += token.length;
        this.#stage++;
        continue;
      }
      if (this.#stage > 4) {
        // After `]`: one `}`, then whitespace to the end.
        if (this.#stage === 6 || bytes[i] !== CLOSE_BRACE) return { kind: 'invalid' };
        this.#stage = 6;
        i++;
        continue;
      }
      if (this.#scan.offset === 0) {
        if (!this.#needElement && bytes[i] === CLOSE_BRACKET) {
          this.#stage = 5;
          i++;
          continue;
        }
        if (this.#count > 0 && !this.#needElement) {
          if (bytes[i] !== COMMA) return { kind: 'invalid' };
          this.#needElement = true;
          i++;
          continue;
        }
        if (bytes[i] !== OPEN_BRACE) return { kind: 'invalid' };
        const length = known?.(i, bytes) ?? 0;
        if (length < 0) return final ? this.#scanElement(bytes, i, final) : { kind: 'more', keep: i };
        if (length > 0) return this.#found(i, i + length);
      }
      return this.#scanElement(bytes, i, final);
    }
  }

  #finalStep(): SplitStep {
    return this.#stage === 6 ? { kind: 'end' } : { kind: 'invalid' };
  }

  #found(start: number, end: number): SplitStep {
    this.#count++;
    this.#needElement = false;
    this.#scan = { offset: 0, depth: 0, inString: false, escaped: false };
    return { kind: 'element', start, end };
  }

  /**
   * Scans the element starting at `start` from where the last call stopped. Brackets are
   * counted without telling `{` from `[`: a mismatch inside an element is JSON.parse's to
   * find, and a wrong end would leave bytes outside any element, which the separators' check
   * refuses.
   */
  #scanElement(bytes: Uint8Array, start: number, final: boolean): SplitStep {
    const s = this.#scan;
    let { depth, inString, escaped } = s;
    const length = bytes.length;
    let i = start + s.offset;
    while (i < length) {
      const b = bytes[i++] as number;
      if (inString) {
        if (escaped) escaped = false;
        else if (b === BACKSLASH) escaped = true;
        else if (b === QUOTE) inString = false;
      } else if (b === QUOTE) {
        inString = true;
      } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
        depth++;
      } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return b === CLOSE_BRACE ? this.#found(start, i) : { kind: 'invalid' };
      }
    }
    if (final) return { kind: 'invalid' };
    this.#scan = { offset: i - start, depth, inString, escaped };
    return { kind: 'more', keep: start };
  }
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

/** JSON's whitespace: space, tab, line feed, carriage return. */
export function skipWs(bytes: Uint8Array, from: number): number {
  let i = from;
  for (;;) {
    const b = bytes[i];
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return i;
    i++;
  }
}
