// Whether Marathon answers, in one small object. Every read tells it how it went (the resync's
// listing, a reconcile's read of one app); the status store shows it; an app's health reads
// it (Unknown while Marathon is). It logs "reachable again" once per outage, and tells the
// controller when Marathon becomes known again, since every decision held back meanwhile is
// due then.

import { errorCode } from '../base/errors.js';
import type { Logger } from '../base/log.js';
import type { Timers } from '../base/timers.js';
import type { StatusStore } from '../status/store.js';
import { errorRecord } from './error-record.js';

export interface MarathonReachabilityDeps {
  /** Marathon's URL, as the status document shows it. */
  url: string;
  status: StatusStore;
  timers: Timers;
  logger: Logger;
}

type State =
  /** Nothing read yet: neither known nor failing. */
  | 'unread'
  | 'reachable'
  /** The last read failed (and is the status document's lastError). */
  | 'unreachable';

export class MarathonReachability {
  readonly #d: MarathonReachabilityDeps;
  readonly #listeners: Array<() => void> = [];
  #state: State = 'unread';
  #lastReadAt: string | null = null;

  constructor(deps: MarathonReachabilityDeps) {
    this.#d = deps;
  }

  /** Marathon answered the last read: what it said can be trusted (for health, among others). */
  get known(): boolean {
    return this.#state === 'reachable';
  }

  /** Called each time Marathon answers after not being known, the first answer included. */
  onKnown(listener: () => void): void {
    this.#listeners.push(listener);
  }

  /** A read was answered (a 404 for one app is an answer too). */
  answered(): void {
    const was = this.#state;
    if (was === 'unreachable') this.#d.logger.info('Marathon reachable again');
    this.#state = 'reachable';
    this.#lastReadAt = new Date(this.#d.timers.now()).toISOString();
    this.#d.status.setMarathon({ url: this.#d.url, reachable: true, lastReadAt: this.#lastReadAt, lastError: null });
    if (was !== 'reachable') for (const l of this.#listeners) l();
  }

  /**
   * A read failed. Returns whether that is news (Marathon answered before, or never failed
   * yet): worth a warning, where every retry during an outage is not.
   */
  failed(err: unknown): boolean {
    const news = this.#state !== 'unreachable';
    this.#state = 'unreachable';
    this.#d.status.setMarathon({ url: this.#d.url, reachable: false, lastReadAt: this.#lastReadAt, lastError: errorRecord(err) });
    return news;
  }
}

/**
 * Whether a failed read of one app says Marathon cannot be read: no connection, no complete
 * answer, its server failing, or refusing this daemon's credentials. A refusal of the request
 * itself (a 400 or 422 naming what is wrong with it), or an error raised before any request
 * was sent, is that app's alone: it must not make every other app Unknown.
 */
export function saysMarathonUnreadable(err: unknown): boolean {
  const code = errorCode(err);
  return code?.startsWith('MRK_MARATHON_') === true && code !== 'MRK_MARATHON_VALIDATION';
}
