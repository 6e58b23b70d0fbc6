// What the harness did to the sources and to Marathon, with times on the request log's clock
// (Date.now() of this process, where the sandbox runs too). The invariant checker reads this
// together with the sandbox's request log; nothing here knows about the daemon.
//
// Every event covers an interval [start, end]: the operation began at `start` and was done
// at `end` (a `git checkout` rewrites files over a while; a polling recorder only knows that
// a change happened between two polls). Between start and end, both the old and the new
// state are possible, and the checker gives the daemon the benefit of the doubt.

import type { AppId } from '../../src/model/app-id.js';

export type SourceName = 'folder' | 'database';

export interface FileChange {
  /** Path relative to the manifests folder, '/' separated (what `maracker.source` records). */
  path: string;
  /** The new text; null when the file was deleted. */
  text: string | null;
}

export interface RowChange {
  id: string;
  /** The new spec (any JSON, valid or not); null when the row was deleted. */
  spec: unknown;
  labels?: unknown;
  adopt?: boolean;
}

export type HistoryEvent =
  /** Files of the manifests folder changed (an edit, a save, a checkout: one event). */
  | { kind: 'files'; start: number; end: number; changes: FileChange[]; note?: string }
  /** Rows of maracker.apps changed (one statement or transaction: one event). */
  | { kind: 'rows'; start: number; end: number; changes: RowChange[]; note?: string }
  /** A source became unreadable (folder moved away, database stopped) or readable again. */
  | { kind: 'readable'; start: number; end: number; source: SourceName; readable: boolean; note?: string }
  /** The harness put an app maracker does not own into Marathon (never to be touched). */
  | { kind: 'unowned'; start: number; end: number; id: AppId; version?: string }
  /** An app of another maracker installation on the same Marathon: this daemon never writes it. */
  | { kind: 'foreign'; start: number; end: number; id: AppId; installation: string }
  /** An app that already carries the ownership label existed before maracker ran (left by an earlier run). */
  | { kind: 'owned'; start: number; end: number; id: AppId }
  /** Every app was deleted behind maracker's back (Marathon lost its state). */
  | { kind: 'wipe'; start: number; end: number }
  /** Someone approved the prune guard's blocked list (POST /prune/approve). */
  | { kind: 'prune-approved'; start: number; end: number; ids: AppId[] }
  /** Anything else worth showing next to a violation (daemon killed, fault added, ...). */
  | { kind: 'note'; start: number; end: number; text: string };

/** Query parameter the harness adds to its own requests to Marathon (hand edits): not maracker's writes. */
export const HARNESS_MARK = '_harness';

/** Appends events in the order operations start; `during` brackets one operation. */
export class History {
  readonly events: HistoryEvent[] = [];

  add(event: HistoryEvent): void {
    this.events.push(event);
  }

  /** Runs `op`, then records the event `make` builds, stamped with when `op` started and ended. */
  async during<T>(op: () => Promise<T> | T, make: (result: T) => DistributiveOmit<HistoryEvent, 'start' | 'end'> | undefined): Promise<T> {
    const start = Date.now();
    const result = await op();
    const end = Date.now();
    const event = make(result);
    if (event) this.add({ ...event, start, end } as HistoryEvent);
    return result;
  }

  note(text: string): void {
    const now = Date.now();
    this.add({ kind: 'note', start: now, end: now, text });
  }
}

export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export function describeEvent(e: HistoryEvent): string {
  switch (e.kind) {
    case 'files':
      return `files ${e.changes.map((c) => `${c.text === null ? '-' : '~'}${c.path}`).join(' ')}${e.note ? ` (${e.note})` : ''}`;
    case 'rows':
      return `rows ${e.changes.map((c) => `${c.spec === null ? '-' : '~'}${c.id}`).join(' ')}${e.note ? ` (${e.note})` : ''}`;
    case 'readable':
      return `${e.source} ${e.readable ? 'readable again' : 'unreadable'}${e.note ? ` (${e.note})` : ''}`;
    case 'unowned':
      return `unowned app ${e.id} put into Marathon`;
    case 'foreign':
      return `app ${e.id} of installation ${e.installation}`;
    case 'owned':
      return `owned app ${e.id} already in Marathon`;
    case 'wipe':
      return 'Marathon wiped';
    case 'prune-approved':
      return `prune approved for ${e.ids.join(', ')}`;
    case 'note':
      return e.text;
  }
}
