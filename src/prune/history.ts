// The prune guard's memory of the deletions it counts: the sliding window (prune-budget.ts)
// in memory, written through to a ledger (the database, or a file) when there is one, and read back
// from it at start and when this daemon becomes leader. Until it has been read back, the
// history is not `loaded` and the guard deletes nothing: a daemon restarted (or crashing)
// every few minutes would otherwise get a fresh budget each time. Without a ledger it is
// loaded at once and a restart starts empty (docs/operations.md says so).

import { errorMessage } from '../base/errors.js';
import type { Logger } from '../base/log.js';
import { BACKOFF, backoffDelay, type BackoffOptions } from '../base/backoff.js';
import { DeletionWindow, type PruneBudgetOptions, type PruneDeletion } from './budget.js';
import type { PruneLedger } from './ledger.js';
import type { Timers } from '../base/timers.js';

export interface PruneHistoryDeps {
  windowMs: number;
  timers: Timers;
  logger: Logger;
  /** Default: none (memory only). */
  ledger?: PruneLedger;
  /** Told each time the history has been read back, with what was read. */
  onLoaded: (deletions: readonly PruneDeletion[]) => void;
  /** [0, 1) source for the jitter of read retries. Default Math.random. */
  random?: () => number;
  /** Between attempts to read the history back. Default 500 ms doubling to 30 s. */
  loadBackoff?: BackoffOptions;
}

export class PruneHistory {
  readonly #d: PruneHistoryDeps;
  readonly #window: DeletionWindow;
  #loaded: boolean;
  #generation = 0;
  #timer: unknown;
  #stopped = false;
  #writes: Promise<void> = Promise.resolve();
  readonly #unsaved: PruneDeletion[] = [];

  constructor(deps: PruneHistoryDeps) {
    this.#d = deps;
    this.#window = new DeletionWindow(deps.windowMs);
    this.#loaded = deps.ledger === undefined;
  }

  /** Where it is kept (status shows it). */
  get kind(): 'database' | 'file' | 'memory' {
    return this.#d.ledger?.kind ?? 'memory';
  }

  /** The deletions of earlier starts (or of the previous leader) have been read back. */
  get loaded(): boolean {
    return this.#loaded;
  }

  /** Deletions without approval in the window ending `now`, and when the oldest of them leaves it. */
  budget(now: number): { used: number; freesAt: number | undefined } {
    this.#window.trim(now);
    return { used: this.#window.used, freesAt: this.#window.freesAt };
  }

  /**
   * Deletions allowed without approval in the window ending `now` (DeletionWindow.limit), with
   * `managed` the managed apps Marathon lists and `remaining` those of them not deleted yet.
   */
  limit(now: number, managed: number, remaining: number, o: Pick<PruneBudgetOptions, 'minApps' | 'share'>): number {
    this.#window.trim(now);
    return this.#window.limit(managed, remaining, o);
  }

  /** Reads the history back (retried until the ledger answers). */
  start(): void {
    this.#load();
  }

  /** Reads it again, not loaded meanwhile: another daemon may have deleted apps. */
  reload(): void {
    if (!this.#d.ledger || this.#stopped) return;
    this.#loaded = false;
    this.#load();
  }

  /**
   * Counts a deletion, and writes it to the ledger (in order; what fails is written with the
   * next one). Resolves true once it is on record (at once without a ledger), false when the
   * ledger could not take it: it counts in memory only until a later write succeeds.
   */
  record(d: PruneDeletion): Promise<boolean> {
    this.#window.add(d);
    if (!this.#d.ledger) return Promise.resolve(true);
    this.#unsaved.push(d);
    this.#flush(this.#d.ledger);
    return this.#writes.then(() => !this.#unsaved.includes(d));
  }

  /** Writes what is not on record yet; resolves true once nothing is left unwritten. */
  flushed(): Promise<boolean> {
    const ledger = this.#d.ledger;
    if (!ledger || this.#unsaved.length === 0) return Promise.resolve(true);
    this.#flush(ledger);
    return this.#writes.then(() => this.#unsaved.length === 0);
  }

  /** Stops reading and waits for the writes under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#d.timers.clearTimeout(this.#timer);
    await this.#writes;
    if (this.#unsaved.length > 0) {
      this.#d.logger.warn(
        { deletions: this.#unsaved.map((d) => d.id) },
        'stopping with deletions not recorded in the prune history: the next start will not count them',
      );
    }
    await this.#d.ledger?.close?.().catch((err: unknown) => this.#d.logger.warn({ err: errorMessage(err) }, 'cannot close the prune ledger'));
  }

  #load(): void {
    const ledger = this.#d.ledger;
    if (!ledger || this.#stopped) return;
    if (this.#timer !== undefined) this.#d.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    // A reload started meanwhile wins: an older read may miss what the new one sees.
    const generation = ++this.#generation;
    const attempt = async (failures: number): Promise<void> => {
      this.#timer = undefined;
      try {
        const list = await ledger.load(this.#d.timers.now() - this.#d.windowMs);
        if (this.#stopped || generation !== this.#generation) return;
        this.#window.add(...list);
        this.#loaded = true;
        const { used } = this.budget(this.#d.timers.now());
        this.#d.logger.info({ deletions: list.length, used }, `prune history read: ${used} deletions without approval within the window`);
        if (this.#unsaved.length > 0) this.#flush(ledger);
        this.#d.onLoaded(list);
      } catch (err) {
        if (this.#stopped || generation !== this.#generation) return;
        const delay = backoffDelay(failures, this.#d.loadBackoff ?? BACKOFF.databaseSetup, this.#d.random ?? Math.random);
        if (failures === 1)
          this.#d.logger.warn({ err: errorMessage(err), retryInMs: delay }, 'cannot read the prune history yet: nothing is deleted until it can be read');
        this.#timer = this.#d.timers.setTimeout(() => void attempt(failures + 1), delay);
      }
    };
    void attempt(1);
  }

  #flush(ledger: PruneLedger): void {
    this.#writes = this.#writes.then(async () => {
      while (this.#unsaved.length > 0) {
        const d = this.#unsaved[0] as PruneDeletion;
        try {
          await ledger.record(d, this.#d.timers.now() - this.#d.windowMs);
          this.#unsaved.shift();
        } catch (err) {
          this.#d.logger.warn(
            { err: errorMessage(err), appId: d.id, unsaved: this.#unsaved.length },
            'cannot record a deletion in the prune history: it counts in memory, and is written with the next one',
          );
          return;
        }
      }
    });
  }
}
