// The recent reconcile outcomes of one app: a small ring buffer, newest first, of what is
// worth telling a person who asks "what did maracker do to my app, and why not?". Pure.
//
// A pass over 10,000 apps happens every resync, so what is recorded must not change while
// nothing happens: an app that stays in sync, blocked or waiting leaves its buffer (and so
// the ETag of GET /status/apps/{id}) as it is. Hence the rules:
// - a write Marathon accepted (`ok`) is always a new entry: each is a deployment of its own;
// - a failure repeated (same action, result and code; same message when it has no code) is
//   counted on the newest entry (count, last time, latest message), so a write retried with
//   backoff for hours keeps the history before it;
// - a state (`blocked`, `waiting`) is recorded when it begins: repeating it changes nothing;
// - `synced` is recorded only as the end of a failure, block or wait: after an accepted
//   write, or for an app that was never anything but in sync, it would say nothing new.

import type { OutcomeRecord } from './model.js';

/** Entries kept per app. */
export const OUTCOME_LIMIT = 10;
/** Longest message kept (a 422 body can list a whole definition's problems). */
export const OUTCOME_MESSAGE_MAX = 500;
/** Changed fields named per write; more are counted in a last line. */
export const OUTCOME_CHANGES_MAX = 5;
/** Longest line of `changes`. */
const CHANGE_LINE_MAX = 120;

/** What the reconciler reports; the log adds the times and the count. */
export type OutcomeInput = Omit<OutcomeRecord, 'at' | 'lastAt' | 'count'>;

export class OutcomeLog {
  #entries: OutcomeRecord[] = [];
  readonly #limit: number;

  constructor(limit = OUTCOME_LIMIT) {
    if (!Number.isInteger(limit) || limit < 1) throw new TypeError(`Expected \`limit\` to be an integer from 1 and up, got \`${limit}\``);
    this.#limit = limit;
  }

  /** Records an outcome at `at` (ISO 8601); false when, by the rules above, nothing changed. */
  add(input: OutcomeInput, at: string): boolean {
    const entry = bounded(input);
    const newest = this.#entries[0];
    if (entry.result === 'synced' && (newest === undefined || newest.result === 'ok' || newest.result === 'synced')) return false;
    if (newest && sameOutcome(newest, entry)) {
      if (entry.result === 'blocked' || entry.result === 'waiting') return false;
      if (entry.result === 'failed' || entry.result === 'rejected') {
        this.#entries[0] = { ...newest, ...entry, at: newest.at, lastAt: at, count: newest.count + 1 };
        return true;
      }
    }
    this.#entries = [{ at, lastAt: at, count: 1, ...entry }, ...this.#entries.slice(0, this.#limit - 1)];
    return true;
  }

  /** Newest first. */
  entries(): readonly OutcomeRecord[] {
    return this.#entries;
  }
}

function sameOutcome(a: OutcomeRecord, b: OutcomeInput): boolean {
  if (a.action !== b.action || a.result !== b.result || a.code !== b.code) return false;
  // A coded failure or state is the same one whatever its message says (a request id, a
  // count of slots in use); without a code, the message is all there is to tell them apart.
  return a.code !== undefined || a.message === b.message;
}

function bounded(input: OutcomeInput): OutcomeInput {
  const out: OutcomeInput = { ...input };
  if (out.message !== undefined && out.message.length > OUTCOME_MESSAGE_MAX) out.message = `${out.message.slice(0, OUTCOME_MESSAGE_MAX - 1)}…`;
  if (out.changes !== undefined) out.changes = summariseChanges(out.changes);
  return out;
}

/** At most OUTCOME_CHANGES_MAX lines, each cut short; the rest counted. */
export function summariseChanges(lines: readonly string[]): string[] {
  const shown = lines.slice(0, OUTCOME_CHANGES_MAX).map((l) => (l.length > CHANGE_LINE_MAX ? `${l.slice(0, CHANGE_LINE_MAX - 1)}…` : l));
  const more = lines.length - shown.length;
  return more > 0 ? [...shown, `(${more} more)`] : shown;
}
