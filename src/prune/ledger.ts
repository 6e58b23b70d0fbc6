// Where the prune guard keeps the deletions it counts, so that a restart does not hand out a
// fresh budget: a daemon restarted (or crashing) every few minutes would otherwise delete
// five apps per start. With a database: src/prune/ledger-postgres.ts (shared by the daemons of
// one database); without one: src/prune/ledger-file.ts. With neither (--prune-ledger none, or
// no folder to keep the file in), the guard keeps the window in memory only, and a restart
// starts it empty (docs/operations.md says so).

import type { PruneDeletion } from './budget.js';

export interface PruneLedger {
  /** Shown in status (`prune.budget.history`). */
  readonly kind: 'database' | 'file';
  /** The deletions at or after `since` (ms since the epoch), any order. Rejects when the store cannot be read. */
  load(since: number): Promise<PruneDeletion[]>;
  /** Records one deletion and forgets those before `dropBefore`. Rejects when it could not be written. */
  record(deletion: PruneDeletion, dropBefore: number): Promise<void>;
  /** Lets go of what it holds (the file ledger's lock). Called once the daemon stops recording. */
  close?(): Promise<void>;
}
