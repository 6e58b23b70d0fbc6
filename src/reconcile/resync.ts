// When to look at everything again: the periodic resync and its scheduling. File events and
// Marathon's event stream are hints that get lost (an overflowing inotify queue, a dropped
// stream), so every `intervalMs` every source is re-read and Marathon listed again.
//
// - Jitter (±10 %): daemons started together (a rollout, a standby taking over) must not
//   list Marathon in step forever.
// - Coalescing: a resync asked for while one runs (a gap, a new leader, the timer) runs once
//   more after it, however often it was asked: the second pass sees everything that changed
//   during the first.
// - A deadline per source read: a source whose read hangs (a dead network mount, a watcher
//   that never gets ready) must not stop every later resync, and with it the whole daemon. It
//   keeps what it last published; its read may still finish later.

import type { Logger } from '../base/log.js';
import type { Timers } from '../base/timers.js';
import type { Source } from '../sources/source.js';

export interface ResyncDeps {
  sources: readonly Source[];
  /** Between two periodic resyncs, before jitter. */
  intervalMs: number;
  /** A source's re-read taking longer no longer holds the resync. Default 60000 ms. */
  sourceReadTimeoutMs?: number;
  /**
   * The rest of a pass, once every source was re-read: list Marathon, queue the apps.
   * Resolves whether Marathon answered.
   */
  pass: (reason: string) => Promise<boolean>;
  /** Told after each pass, with how long it took and whether Marathon answered. */
  resynced?: (durationMs: number, ok: boolean) => void;
  timers: Timers;
  /** [0, 1) source for the jitter. */
  random: () => number;
  logger: Logger;
}

export class Resync {
  readonly #d: ResyncDeps;
  readonly #readTimeoutMs: number;
  #running: Promise<void> | undefined;
  #again = false;
  #timer: unknown;
  #stopped = false;

  constructor(deps: ResyncDeps) {
    const interval = deps.intervalMs;
    const readTimeout = deps.sourceReadTimeoutMs ?? 60_000;
    if (!(Number.isFinite(interval) && interval > 0)) {
      throw new TypeError(`Expected \`intervalMs\` to be a number above 0, got \`${interval}\``);
    }
    if (!(Number.isFinite(readTimeout) && readTimeout > 0)) {
      throw new TypeError(`Expected \`sourceReadTimeoutMs\` to be a number above 0, got \`${readTimeout}\``);
    }
    this.#d = deps;
    this.#readTimeoutMs = readTimeout;
  }

  /** Starts the periodic resyncs (after the first full sync: before, the initial sync retries). */
  start(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    const jittered = Math.round(this.#d.intervalMs * (0.9 + 0.2 * this.#d.random()));
    this.#timer = this.#d.timers.setTimeout(() => {
      void this.run('periodic').finally(() => {
        this.#timer = undefined;
        this.start();
      });
    }, jittered);
  }

  /** Re-reads every source, then runs the pass. Coalesced: see the top of this file. */
  run(reason: string): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        const started = this.#d.timers.now();
        this.#d.logger.debug({ reason }, 'resync');
        await this.readSources(this.#d.sources);
        const ok = await this.#d.pass(reason);
        this.#d.resynced?.(this.#d.timers.now() - started, ok);
      } while (this.#again && !this.#stopped);
    })().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Re-reads `sources`, each within the deadline. */
  async readSources(sources: readonly Source[]): Promise<void> {
    const deadlineMs = this.#readTimeoutMs;
    const timers = this.#d.timers;
    await Promise.all(
      sources.map(async (s) => {
        let timer: unknown;
        const timedOut = new Promise<true>((resolve) => (timer = timers.setTimeout(() => resolve(true), deadlineMs)));
        const late = await Promise.race([s.resync().then(() => false as const), timedOut]);
        timers.clearTimeout(timer);
        if (!late) return;
        const seconds = Math.round(deadlineMs / 1000);
        this.#d.logger.error({ source: s.name, deadlineMs }, `source ${s.name} did not finish reading within ${seconds} s: going on with what it last read`);
      }),
    );
  }

  /** No more periodic resyncs; a pass under way ends after its current round. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#d.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
