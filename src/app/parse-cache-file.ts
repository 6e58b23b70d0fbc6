// The parse cache on disk (--manifest-cache): loaded before the sources start, written whole
// once every source has been read (the first full sync: what no source asked for is left
// out), then what parsing adds is appended, at most once per save interval and at stop. The
// daemon keeps no copy of it in memory meanwhile. A cache: deleted or refused, the next start
// parses every file; a line cut short by a crash is one entry less.
//
// It holds the translated specs of the manifests, so it is treated as they are: written
// 0600 in a folder made 0700, and read only when it is a regular file of this user that no
// one else can write (as ssh treats its keys); otherwise it is ignored with a warning. A
// file another build wrote is ignored (its key is the code's identity), and every entry is
// checked on use (src/manifest/parse-cache.ts).

import type { Logger } from '../base/log.js';
import { appendPrivateFile, readPrivateFile, replacePrivateFile, type PrivateFileRead } from '../base/private-file.js';
import { systemTimers, type Timers } from '../base/timers.js';
import type { ParseCache } from '../manifest/parse-cache.js';

/** A larger file is not read: a parse cache of 100,000 manifests is about 150 MiB (1.5 KB each). */
export const PARSE_CACHE_MAX_BYTES = 512 * 1024 * 1024;
/** Entries written between two turns of the event loop. */
const LINES_PER_WRITE = 500;

export type CacheFileRead = PrivateFileRead;

/** The file's text when it may be trusted (src/base/private-file.ts). */
export function readCacheFile(path: string): Promise<CacheFileRead> {
  return readPrivateFile(path, PARSE_CACHE_MAX_BYTES);
}

/** Writes the lines beside path and renames them over path: a reader sees the old file or the new one. */
export function writeCacheFile(path: string, lines: Iterable<string>): Promise<void> {
  return replacePrivateFile(path, inChunks(lines));
}

function* inChunks(lines: Iterable<string>): Generator<string> {
  let batch: string[] = [];
  for (const line of lines) {
    batch.push(line);
    if (batch.length >= LINES_PER_WRITE) {
      yield `${batch.join('\n')}\n`;
      batch = [];
    }
  }
  if (batch.length > 0) yield `${batch.join('\n')}\n`;
}

/**
 * Appends lines to the file when it is there (never creates one: a file without its header
 * is no cache). The bytes written: 0 when there is no file.
 */
export function appendCacheLines(path: string, lines: readonly string[]): Promise<number> {
  return appendPrivateFile(path, `${lines.join('\n')}\n`);
}

export interface ParseCacheKeeperOptions {
  path: string;
  cache: ParseCache;
  logger: Logger;
  /** What parsing adds is appended at most this often. Default 60 s. */
  saveIntervalMs?: number;
  /** Bytes appended at most until the next start rewrites the file. Default 64 MiB. */
  maxAppendBytes?: number;
  timers?: Timers;
  /** Default: writeCacheFile. */
  write?: (path: string, lines: Iterable<string>) => Promise<void>;
  /** Default: appendCacheLines. */
  append?: (path: string, lines: readonly string[]) => Promise<number>;
}

type KeeperSettings = Required<Omit<ParseCacheKeeperOptions, 'timers' | 'write' | 'append'>> &
  Required<Pick<ParseCacheKeeperOptions, 'timers' | 'write' | 'append'>>;

/** Loads the cache, and writes it when it is worth it; never throws: a cache that fails is only slower. */
export class ParseCacheKeeper {
  readonly #o: KeeperSettings;
  #timer: unknown;
  #saving: Promise<void> = Promise.resolve();
  #sealed = false;
  #stopped = false;
  #appended = 0;
  #full = false;
  #warned = false;

  constructor(o: ParseCacheKeeperOptions) {
    this.#o = { saveIntervalMs: 60_000, maxAppendBytes: 64 * 1024 * 1024, timers: systemTimers, write: writeCacheFile, append: appendCacheLines, ...o };
  }

  async load(): Promise<void> {
    const { path, cache, logger } = this.#o;
    try {
      const read = await readCacheFile(path);
      if (read.kind === 'absent') return logger.info({ file: path }, 'no parse cache yet: every manifest is parsed');
      if (read.kind === 'refused') return logger.warn({ file: path }, `parse cache ${path} not read: ${read.reason}; every manifest is parsed`);
      const got = cache.load(read.text);
      if (got.ignored) return logger.info({ file: path, why: got.ignored }, 'parse cache made by another build or format: every manifest is parsed');
      if (got.badLines > 0) logger.warn({ file: path, badLines: got.badLines }, `parse cache ${path}: ${got.badLines} damaged entries skipped`);
      logger.info({ file: path, entries: got.loaded }, 'parse cache loaded');
    } catch (err) {
      logger.warn({ file: path, code: (err as NodeJS.ErrnoException).code }, `parse cache ${path} not read; every manifest is parsed`);
    }
  }

  /** Every source has been read once: the file is written whole, without what no source asked for. */
  firstSync(): void {
    if (this.#stopped || this.#sealed) return;
    this.#sealed = true;
    const { cache, logger, path, write } = this.#o;
    const { hits, misses } = cache.counts;
    logger.info({ hits, misses }, `first read of the sources: ${hits} files taken from the parse cache, ${misses} parsed`);
    const lines = cache.seal();
    this.#then(async () => {
      await write(path, lines);
      logger.debug({ file: path, entries: lines.length - 1 }, 'parse cache written');
    }, 'written');
    this.#arm();
  }

  /** Appends what parsing added since; later calls do nothing. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#o.timers.clearTimeout(this.#timer);
    this.#appendPending();
    await this.#saving;
  }

  #arm(): void {
    if (this.#stopped) return;
    this.#timer = this.#o.timers.setTimeout(() => {
      this.#appendPending();
      this.#arm();
    }, this.#o.saveIntervalMs);
  }

  #appendPending(): void {
    const lines = this.#o.cache.takePending();
    if (lines.length === 0 || this.#full) return;
    const { path, logger, append, maxAppendBytes } = this.#o;
    this.#then(async () => {
      this.#appended += await append(path, lines);
      if (this.#appended >= maxAppendBytes) {
        this.#full = true;
        logger.info({ file: path, bytes: this.#appended }, 'parse cache: nothing more is added until the next start rewrites it');
      }
    }, 'added to');
  }

  #then(step: () => Promise<void>, what: string): void {
    const { path, logger } = this.#o;
    this.#saving = this.#saving.then(async () => {
      try {
        await step();
      } catch (err) {
        // Said once as a warning (a read-only or full disk fails every time), then at debug.
        const level = this.#warned ? 'debug' : 'warn';
        this.#warned = true;
        logger[level]({ file: path, code: (err as NodeJS.ErrnoException).code }, `parse cache ${path} not ${what}; the next start parses what is missing`);
      }
    });
  }
}
