// The log of API requests the sandbox received (admin requests under /sandbox/ are not
// logged), so tests can assert which calls a client made, in order, with their outcome.

import type { JsonValue } from '../model/marathon.js';

export interface RequestLogEntry {
  seq: number;
  /** When the request arrived. */
  time: string;
  /**
   * When the API handled it, after any injected latency and write latency: when a write took
   * effect. Absent when it was not handled (an injected fault answered, or the connection
   * was dropped before).
   */
  handledAt?: string;
  method: string;
  path: string;
  query: Record<string, string[]>;
  /** The parsed JSON body; the raw text when it is not JSON; null when empty. */
  body: JsonValue;
  /** Status answered; null while pending or when no answer was sent (hang, reset). */
  status: number | null;
  /** Ids of the faults applied to this request. */
  faults: string[];
  /** The client's User-Agent (maracker names its instance there), when it sent one. */
  userAgent?: string;
}

export class RequestLog {
  #entries: RequestLogEntry[] = [];
  #nextSeq = 1;

  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  append(entry: Omit<RequestLogEntry, 'seq'>): RequestLogEntry {
    const full = { seq: this.#nextSeq++, ...entry };
    this.#entries.push(full);
    if (this.#entries.length > this.#limit) this.#entries.splice(0, this.#entries.length - this.#limit);
    return full;
  }

  /** Entries with seq greater than `since`. */
  since(since = 0): RequestLogEntry[] {
    return this.#entries.filter((e) => e.seq > since).map((e) => ({ ...e, query: { ...e.query }, faults: [...e.faults] }));
  }

  clear(): void {
    this.#entries = [];
  }
}
