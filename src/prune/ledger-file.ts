// The prune guard's deletion history in a file, for a daemon without a database: a restart
// (or a crash loop) reads back the deletions of the window and does not get a fresh budget.
// One JSON object per line, appended and flushed to disk with each deletion; when the lines
// older than the window outnumber the rest, the file is rewritten without them (a rename:
// the old file or the new one, never a part).
//
// The file decides how many apps may still be deleted, so it is trusted as the parse cache
// is (src/base/private-file.ts): a file others can write, a link, or one of another user is
// refused, and the guard then deletes nothing until it can be read (its status says the
// history is not loaded); so is a file that cannot be created (a read-only file system),
// since no delete could be put on record before it goes out. A damaged line (a crash
// mid-append) is skipped with a warning.
//
// One daemon at a time uses the file: it holds a lock beside it (ledger-lock.ts) from its load
// until it stops. Another daemon finds the history not loaded, and deletes nothing, while the
// first runs; a daemon whose lock was taken from it records nothing more, so sends no delete.

import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errorMessage } from '../base/errors.js';
import { isValidAppId } from '../model/app-id.js';
import type { Logger } from '../base/log.js';
import { appendPrivateFile, readPrivateFile, replacePrivateFile } from '../base/private-file.js';
import type { PruneDeletion } from './budget.js';
import type { PruneLedger } from './ledger.js';
import { LedgerLock, type LedgerLockOptions } from './ledger-lock.js';

/** A larger file is refused: a window's deletions take a few hundred bytes each. */
export const PRUNE_LEDGER_MAX_BYTES = 64 * 1024 * 1024;
/** Lines older than the window tolerated before a rewrite, besides as many as are kept. */
const STALE_SLACK = 256;

export interface FilePruneLedgerOptions {
  path: string;
  logger: Logger;
  /** The lock's clock and periods (tests). */
  lock?: Omit<LedgerLockOptions, 'onLost'>;
}

export class FilePruneLedger implements PruneLedger {
  readonly kind = 'file';
  readonly #o: FilePruneLedgerOptions;
  /** Every deletion the file holds (as read, then as appended), oldest first. */
  #held: PruneDeletion[] = [];
  #lock: LedgerLock | undefined;
  /** The lock being taken: one take at a time, and close waits for it. */
  #taking: Promise<void> | undefined;
  #closed = false;

  constructor(options: FilePruneLedgerOptions) {
    this.#o = options;
  }

  get path(): string {
    return this.#o.path;
  }

  /** The lock file beside the ledger. */
  get lockPath(): string {
    return `${this.#o.path}.lock`;
  }

  async load(since: number): Promise<PruneDeletion[]> {
    const { path, logger } = this.#o;
    await this.#takeLock();
    const read = await readPrivateFile(path, PRUNE_LEDGER_MAX_BYTES);
    if (read.kind === 'refused') throw new Error(`prune ledger ${path} not read: ${read.reason}`);
    // Made now, empty, so that a folder it cannot be written in (a read-only file system) is
    // said at start, not at the first delete (which could not go out either).
    if (read.kind === 'absent') {
      await appendPrivateFile(path, '', { create: true }).catch((err: unknown) => {
        throw new Error(`prune ledger ${path} cannot be created: ${errorMessage(err)}`, { cause: err });
      });
    }
    const { deletions, damaged } = read.kind === 'read' ? parseLedger(read.text) : { deletions: [], damaged: [] };
    if (damaged.length > 0) {
      logger.warn(
        { file: path, lines: damaged.slice(0, 10) },
        `prune ledger ${path}: ${damaged.length} damaged lines skipped (a deletion they held is not counted)`,
      );
    }
    this.#held = deletions;
    return deletions.filter((d) => d.at >= since);
  }

  async record(d: PruneDeletion, dropBefore: number): Promise<void> {
    const { path } = this.#o;
    await this.#takeLock();
    if (this.#lock?.lost !== undefined) throw new Error(`prune ledger ${path} not written: ${this.#lock.lost}; no delete is sent until maracker restarts`);
    const held = [...this.#held, d];
    const stale = held.filter((x) => x.at < dropBefore).length;
    if (stale > held.length - stale + STALE_SLACK) {
      const kept = held.filter((x) => x.at >= dropBefore);
      await replacePrivateFile(path, [kept.map(lineOf).join('')], { sync: true });
      this.#held = kept;
      return;
    }
    await appendPrivateFile(path, lineOf(d), { create: true, sync: true });
    this.#held = held;
  }

  /**
   * Lets the file go (its lock removed) for the next daemon. A lock being taken meanwhile is
   * waited for and let go too: once this resolves, nothing of this ledger touches the lock,
   * so a daemon started right after (or another ledger of this process) is not robbed of it.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#taking?.catch(() => undefined);
    const lock = this.#lock;
    this.#lock = undefined;
    await lock?.release();
  }

  /** Takes the lock unless held; a load and a record asking at once share one take. */
  #takeLock(): Promise<void> {
    if (this.#lock !== undefined) return Promise.resolve();
    if (this.#closed) return Promise.reject(new Error(`prune ledger ${this.#o.path} is closed`));
    this.#taking ??= this.#take().finally(() => {
      this.#taking = undefined;
    });
    return this.#taking;
  }

  async #take(): Promise<void> {
    const { path, logger } = this.#o;
    await mkdir(dirname(path), { recursive: true, mode: 0o700 }).catch((err: unknown) => {
      throw new Error(`prune ledger ${path} cannot be created: ${errorMessage(err)}`, { cause: err });
    });
    let lock: LedgerLock;
    try {
      lock = await LedgerLock.acquire(this.lockPath, {
        ...this.#o.lock,
        onLost: (reason) => logger.error({ file: path, reason }, `prune ledger ${path}: ${reason}; no delete is sent until maracker restarts`),
      });
    } catch (err) {
      throw new Error(`prune ledger ${path} not used: ${errorMessage(err)}`, { cause: err });
    }
    // Closed (the daemon stopping) while the lock was being taken: let it go at once.
    if (this.#closed) {
      await lock.release();
      throw new Error(`prune ledger ${path} is closed`);
    }
    this.#lock = lock;
  }
}

function lineOf(d: PruneDeletion): string {
  return `${JSON.stringify({ id: d.id, at: d.at, approvedBy: d.approvedBy, episode: d.episode, managedBefore: d.managedBefore })}\n`;
}

/** The deletions of a ledger's text, and the numbers (1-based) of the lines that are none. */
export function parseLedger(text: string): { deletions: PruneDeletion[]; damaged: number[] } {
  const deletions: PruneDeletion[] = [];
  const damaged: number[] = [];
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const d = deletionOf(line);
    if (d) deletions.push(d);
    else damaged.push(i + 1);
  }
  deletions.sort((a, b) => a.at - b.at);
  return { deletions, damaged };
}

function deletionOf(line: string): PruneDeletion | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const r = v as Record<string, unknown>;
  const nullableString = (x: unknown): x is string | null => x === null || typeof x === 'string';
  if (typeof r.id !== 'string' || !isValidAppId(r.id)) return undefined;
  if (typeof r.at !== 'number' || !Number.isFinite(r.at)) return undefined;
  if (!nullableString(r.approvedBy) || !nullableString(r.episode)) return undefined;
  if (!(r.managedBefore === null || (typeof r.managedBefore === 'number' && Number.isInteger(r.managedBefore) && r.managedBefore >= 0))) return undefined;
  return { id: r.id, at: r.at, approvedBy: r.approvedBy, episode: r.episode, managedBefore: r.managedBefore };
}
