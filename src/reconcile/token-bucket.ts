// Global cap on Marathon write rate: a token bucket. Converging 1,000 new apps must not
// send 1,000 POSTs in one second to a Marathon that also serves everyone else.

import { sleep, systemTimers, type Timers } from '../base/timers.js';

export interface TokenBucketOptions {
  /** Tokens added per second. */
  ratePerSecond: number;
  /** Largest burst. Default: max(1, ratePerSecond). */
  burst?: number;
  timers?: Timers;
}

export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  readonly #timers: Timers;
  #tokens: number;
  #last: number;
  /** Waiters are served in order so no writer starves. */
  #tail: Promise<void> = Promise.resolve();

  constructor(options: TokenBucketOptions) {
    const { ratePerSecond } = options;
    if (!(Number.isFinite(ratePerSecond) && ratePerSecond > 0)) {
      throw new TypeError(`Expected \`ratePerSecond\` to be a number above 0, got \`${ratePerSecond}\``);
    }
    const burst = options.burst ?? Math.max(1, ratePerSecond);
    if (!(Number.isFinite(burst) && burst >= 1)) {
      throw new TypeError(`Expected \`burst\` to be a number from 1 and up, got \`${burst}\``);
    }
    this.#rate = ratePerSecond;
    this.#burst = burst;
    this.#timers = options.timers ?? systemTimers;
    this.#tokens = burst;
    this.#last = this.#timers.now();
  }

  #refill(): void {
    const now = this.#timers.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#rate);
    this.#last = now;
  }

  /** Takes a token if one is available now; otherwise returns the ms until one will be. */
  tryTake(): number {
    this.#refill();
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.#tokens) / this.#rate) * 1000);
  }

  /** Waits for a token (FIFO). Resolves false when aborted before one was taken. */
  take(signal?: AbortSignal): Promise<boolean> {
    const turn = this.#tail.then(async () => {
      for (;;) {
        if (signal?.aborted) return false;
        const wait = this.tryTake();
        if (wait === 0) return true;
        await sleep(this.#timers, wait, signal);
      }
    });
    this.#tail = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }
}
