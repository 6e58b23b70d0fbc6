// When may a changed manifest be read? Pure.
//
// A file rewritten in place (`cat > web.yaml` in several writes, a script, a slow editor, a
// big `git checkout`) passes through states that are valid YAML and wrong: empty right
// after the truncation (every app of the file looks deleted), or cut in the middle of a
// line (a `cmd` that is valid and wrong). Acting on one deletes or rolls running apps. So a
// change is read only once the file is *settled*:
//
// - fast: it appeared by rename (an editor's or a tool's atomic save: write a temporary
//   file, rename it over), which makes a complete file appear at once. Recognised by a new
//   inode at the path and no in-place write seen on it (the folder watcher reports
//   in-place writes of a directory's files); the read is then verified (see folder.ts);
// - stable: nothing touched it for `settleMs`: no watcher event, and its stamp unchanged
//   over that time (or, with no event history, its modification and change times are at
//   least that old).
// Until then the file's previous content stays in force: nothing of the new one is acted on.
//
// A file gone is a change like any other: `git checkout` and some editors delete a file and
// create it again (O_EXCL), and a rescan between the two finds it missing. Its deletion is
// applied only once it has stayed gone for `settleMs` (goneDecision); until then its
// previous content stays in force, so whatever appears at its path meanwhile (valid, broken,
// a FIFO) is judged as a change of that file, and never as a deletion plus a stranger.

import type { FileStamp } from './file-stamp.js';

/** How long a file written in place is left alone before it is read (--settle-ms). */
export const DEFAULT_SETTLE_MS = 250;

/** What the watcher said about one path since its content was last accepted. */
export interface Activity {
  /** Monotonic time (timers.now()) of the latest event. */
  lastEventAt: number;
  /** An in-place write was seen (or cannot be ruled out, e.g. with polling). */
  modified: boolean;
}

export interface SettleInput {
  /** The file as it is now. */
  stamp: Extract<FileStamp, { kind: 'file' }>;
  /** Inode of the content currently in force, if any. */
  previousIno?: number;
  activity?: Activity;
  /** Since when (monotonic) the stamp has been seen unchanged, if it was seen before. */
  stableSince?: number;
  /** timers.now(): monotonic, injectable. */
  now: number;
  /** Date.now(): wall clock, to compare with the file's times. */
  wallNow: number;
  settleMs: number;
}

export type SettleDecision = { kind: 'read'; verify: 'fast' | 'stable' } | { kind: 'wait'; ms: number };

export function settleDecision(i: SettleInput): SettleDecision {
  const a = i.activity;
  if (a && !a.modified && i.stamp.size > 0 && i.stamp.ino !== i.previousIno) return { kind: 'read', verify: 'fast' };
  const quietFor = a ? i.now - a.lastEventAt : Infinity;
  const seenStableFor = i.stableSince !== undefined ? i.now - i.stableSince : -Infinity;
  // Without an event history the file's own times say how long it has been untouched (a
  // time in the future, from another host's clock, proves nothing and counts as now).
  const age = i.wallNow - Math.max(i.stamp.mtimeMs, i.stamp.ctimeMs);
  const untouchedFor = a ? seenStableFor : Math.max(seenStableFor, age);
  const needQuiet = Math.max(0, i.settleMs - quietFor);
  const needUntouched = Math.max(0, i.settleMs - untouchedFor);
  if (needQuiet === 0 && needUntouched === 0) return { kind: 'read', verify: 'stable' };
  return { kind: 'wait', ms: Math.max(1, Math.ceil(Math.min(i.settleMs, Math.max(needQuiet, needUntouched)))) };
}

export interface GoneInput {
  /** Since when (monotonic) the file has been seen missing, if it was seen so before. */
  goneSince?: number;
  activity?: Activity;
  now: number;
  settleMs: number;
}

/** Whether a file found missing is gone for good (apply its deletion) or may still come back. */
export function goneDecision(i: GoneInput): { kind: 'gone' } | { kind: 'wait'; ms: number } {
  const goneFor = i.goneSince !== undefined ? i.now - i.goneSince : 0;
  const quietFor = i.activity ? i.now - i.activity.lastEventAt : Infinity;
  const need = Math.max(0, i.settleMs - goneFor, i.settleMs - quietFor);
  return need === 0 ? { kind: 'gone' } : { kind: 'wait', ms: Math.max(1, Math.ceil(Math.min(i.settleMs, need))) };
}
