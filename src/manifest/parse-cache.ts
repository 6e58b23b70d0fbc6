// What parsing a manifest file gave, remembered by what it was given: the file's text, its
// path, the parse options and the code that parsed (`code`, see src/base/code-identity.ts).
// Parsing is a pure function of exactly those (parse-job.ts), so an entry found under the
// same key is what parsing would give again; a restart over 10,000 unchanged files then
// reads them but parses none (docs/architecture.md, "The parse cache").
//
// Only clean results are kept (no problem at all): a failure of maracker's own must be
// tried again, and an invalid file is rare and cheap to report again. A result is kept as
// its JSON text with a digest of it, and only when that text gives back an equal result, so
// that what comes out of the cache is what parsing returned, and a copy of its own every
// time: nothing downstream can change an entry.
//
// Serialised as one header line and one line per entry (`seal`, `takePending`, `load`); a
// line that does not check out (bad key, digest or JSON) is a miss, never an error. Until the
// owner seals it (every source has been read once), entries loaded and entries found or
// stored are held; sealing hands out the header and the entries found or stored (what was
// loaded and never asked for is gone from the sources), and lets go of their text, so that a
// daemon does not hold a second copy of its manifests. Entries stored afterwards are held
// until the owner takes them (`takePending`) to append them to the file.

import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { ManifestFileResult, ParseOptions } from './parse.js';
import { canonicalJson } from './spec-hash.js';

/** First word of the header line; a file that does not start with it is not a parse cache. */
export const PARSE_CACHE_MAGIC = 'maracker-parse-cache';
/** Version of the file's layout. */
export const PARSE_CACHE_FORMAT = 1;

const KEY = /^[0-9a-f]{64}$/;
const DIGEST = /^[0-9a-f]{32}$/;

interface Entry {
  /** sha256 of json, first 32 hex digits. */
  digest: string;
  json: string;
}

export interface ParseCacheOptions {
  /** Identity of the parsing code: entries made by other code are never used. */
  code: string;
  /** Entries held at most; the oldest go first. Default 200,000. */
  maxEntries?: number;
}

export interface ParseCacheLoad {
  /** Entries taken from the text. */
  loaded: number;
  /** Why nothing was taken, when nothing was: another layout, or other code. */
  ignored?: 'not-a-cache' | 'other-format' | 'other-code';
  /** Lines that did not check out. */
  badLines: number;
}

export class ParseCache {
  readonly #code: string;
  readonly #max: number;
  /** Before seal: found or stored in this process. After: stored and not yet handed out. */
  #held = new Map<string, Entry>();
  /** Loaded, not asked for yet (before seal only). */
  #loaded = new Map<string, Entry>();
  /** After seal: keys whose entries were handed out, to be in the file. */
  #sealed: Set<string> | undefined;
  #hits = 0;
  #misses = 0;

  constructor(o: ParseCacheOptions) {
    this.#code = o.code;
    this.#max = o.maxEntries ?? 200_000;
  }

  /** The key of one parse: everything its result depends on. */
  keyOf(text: string, file: string, opts: ParseOptions): string {
    return createHash('sha256').update(this.#code).update('\0').update(file).update('\0').update(canonicalJson(opts)).update('\0').update(text).digest('hex');
  }

  /** A copy of the result kept under key, or undefined. */
  get(key: string): ManifestFileResult | undefined {
    const entry = this.#held.get(key) ?? this.#loaded.get(key);
    const result = entry === undefined ? undefined : decode(entry);
    if (result === undefined) {
      if (entry !== undefined) {
        this.#held.delete(key);
        this.#loaded.delete(key);
      }
      this.#misses++;
      return undefined;
    }
    if (this.#loaded.delete(key)) this.#hold(key, entry as Entry);
    this.#hits++;
    return result;
  }

  /**
   * Keeps a result parsing just returned, when it is clean and survives JSON unchanged, and
   * returns the copy read back from that JSON (undefined when not kept). Equal to `result`,
   * but its strings are its own: a string of the YAML parser is a slice of the file's whole
   * text, and V8 keeps that text alive as long as the slice (5.8 MiB of manifests at 10,000
   * files, held by the images and commands of the declarations).
   */
  set(key: string, result: ManifestFileResult): ManifestFileResult | undefined {
    if (result.problems.length > 0 || this.#held.has(key) || this.#sealed?.has(key)) return undefined;
    const json = JSON.stringify(result);
    const copy = JSON.parse(json) as ManifestFileResult;
    if (!isDeepStrictEqual(copy, result)) return undefined;
    this.#hold(key, { digest: digestOf(json), json });
    return copy;
  }

  /**
   * Every source has been read once: the lines of the whole file (the header, then what was
   * found or stored; what was loaded and never asked for is dropped). The cache lets go of
   * their text; what is stored from now on waits in takePending.
   */
  seal(): string[] {
    const lines = [`${PARSE_CACHE_MAGIC} ${PARSE_CACHE_FORMAT} ${this.#code}`];
    this.#sealed ??= new Set();
    for (const [key, e] of this.#held) {
      lines.push(line(key, e));
      this.#sealed.add(key);
    }
    this.#held = new Map();
    this.#loaded = new Map();
    return lines;
  }

  /** After seal: the lines of the entries stored since the last call, to append to the file. */
  takePending(): string[] {
    if (this.#sealed === undefined) return [];
    const lines: string[] = [];
    for (const [key, e] of this.#held) {
      lines.push(line(key, e));
      this.#sealed.add(key);
    }
    this.#held = new Map();
    return lines;
  }

  get size(): number {
    return this.#held.size + this.#loaded.size;
  }

  get counts(): { hits: number; misses: number } {
    return { hits: this.#hits, misses: this.#misses };
  }

  /** Takes the entries of a serialised cache made by the same code. */
  load(text: string): ParseCacheLoad {
    const lines = text.split('\n');
    const [magic, format, code] = (lines[0] ?? '').split(' ');
    if (magic !== PARSE_CACHE_MAGIC) return { loaded: 0, ignored: 'not-a-cache', badLines: 0 };
    if (format !== String(PARSE_CACHE_FORMAT)) return { loaded: 0, ignored: 'other-format', badLines: 0 };
    if (code !== this.#code) return { loaded: 0, ignored: 'other-code', badLines: 0 };
    let loaded = 0;
    let badLines = 0;
    for (let i = 1; i < lines.length; i++) {
      const text = lines[i] as string;
      if (text === '') continue;
      const a = text.indexOf(' ');
      const b = text.indexOf(' ', a + 1);
      const key = text.slice(0, a);
      const digest = text.slice(a + 1, b);
      if (a < 0 || b < 0 || !KEY.test(key) || !DIGEST.test(digest)) {
        badLines++;
        continue;
      }
      // A later line of the same key (appended after a change) replaces an earlier one.
      if (this.#held.has(key)) continue;
      if (!this.#loaded.delete(key)) loaded++;
      // The JSON is checked when asked for (get): most of a big cache is read once, at start-up.
      this.#loaded.set(key, { digest, json: text.slice(b + 1) });
    }
    this.#trim();
    return { loaded, badLines };
  }

  #hold(key: string, entry: Entry): void {
    this.#held.delete(key);
    this.#held.set(key, entry);
    this.#trim();
  }

  #trim(): void {
    while (this.size > this.#max) {
      const map = this.#loaded.size > 0 ? this.#loaded : this.#held;
      const oldest = map.keys().next().value as string;
      map.delete(oldest);
    }
  }
}

function line(key: string, e: Entry): string {
  return `${key} ${e.digest} ${e.json}`;
}

function digestOf(json: string): string {
  return createHash('sha256').update(json).digest('hex').slice(0, 32);
}

/** The entry's result, or undefined when its text does not check out. */
function decode(entry: Entry): ManifestFileResult | undefined {
  if (digestOf(entry.json) !== entry.digest) return undefined;
  try {
    const value = JSON.parse(entry.json) as unknown;
    return isResult(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isResult(v: unknown): v is ManifestFileResult {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r.file === 'string' &&
    typeof r.displayPath === 'string' &&
    Array.isArray(r.apps) &&
    Array.isArray(r.problems) &&
    r.problems.length === 0 &&
    Array.isArray(r.declaredIds) &&
    Array.isArray(r.declarations)
  );
}
