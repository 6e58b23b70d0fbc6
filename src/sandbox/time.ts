// Time for the sandbox, injectable so tests and the simulated Marathon share one notion of "now".
// Marathon versions are ISO-8601 timestamps with millisecond precision; two writes in the same
// millisecond must still get distinct versions (a rollback looks versions up by their string).

export interface Timer {
  unref?(): unknown;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): Timer;
  clearTimeout(timer: Timer): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, Math.max(0, ms)),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

/** Hands out strictly increasing Marathon version strings ("2017-07-19T17:34:41.967Z"). */
export class VersionStamper {
  #last = 0;

  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  next(): string {
    const now = Math.max(this.#clock.now(), this.#last + 1);
    this.#last = now;
    return new Date(now).toISOString();
  }

  /** An ISO timestamp without the uniqueness guarantee, for event and task times. */
  timestamp(): string {
    return new Date(this.#clock.now()).toISOString();
  }
}
