// An InputParser that asks a ParseCache before parsing a file, and keeps what parsing gave.
// Rows are not cached: a database source holds few, and reads only the rows that changed.

import type { InputParser } from './input-parser.js';
import type { ManifestFileResult, ParseOptions } from './parse.js';
import type { ParseCache } from './parse-cache.js';
import type { RowInput, RowOptions, RowResult } from './row.js';

export class CachingParser implements InputParser {
  readonly #inner: InputParser;
  readonly #cache: ParseCache;

  constructor(inner: InputParser, cache: ParseCache) {
    this.#inner = inner;
    this.#cache = cache;
  }

  async parseFile(text: string, file: string, opts: ParseOptions): Promise<ManifestFileResult> {
    const key = this.#cache.keyOf(text, file, opts);
    const hit = this.#cache.get(key);
    if (hit !== undefined) return hit;
    const result = await this.#inner.parseFile(text, file, opts);
    // The cache's copy, not the parser's: it does not keep the file's text alive.
    return this.#cache.set(key, result) ?? result;
  }

  translateRow(row: RowInput, opts: RowOptions): Promise<RowResult> {
    return this.#inner.translateRow(row, opts);
  }

  stop(): Promise<void> {
    return this.#inner.stop();
  }
}
