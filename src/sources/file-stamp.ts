// What a file looks like from the outside (stat), enough to tell a changed file from an
// unchanged one without reading it: size, modification and change times, inode. The change
// time catches rewrites that keep size and mtime (`touch -r`, `cp -p`); the inode tells an
// atomic save (a new file renamed over the old one) from an in-place rewrite.
//
// Two ways to take a stamp, one decision: stampOf (asynchronous, for the event loop) and
// stampOfSync (the rescan's worker thread, ./folder-sweep-worker.ts) both stat, lstat only
// when stampFrom says it is needed, and let stampFrom decide what the results mean.

import { lstat as lstatCallback, lstatSync, type Stats, stat as statCallback, statSync } from 'node:fs';
import { codeOf } from '../base/errors.js';

// The callback API under a promise of our own: a rescan stats every file of the folder, and
// fs/promises' stat cost 15-18 µs of CPU each against 10-12 here (10,000 files, measured
// side by side on this project's 2-core machine: about 50 ms a pass).
const stat = (path: string): Promise<Stats> => new Promise((resolve, reject) => statCallback(path, (err, s) => (err ? reject(err) : resolve(s))));
const lstat = (path: string): Promise<Stats> => new Promise((resolve, reject) => lstatCallback(path, (err, s) => (err ? reject(err) : resolve(s))));

export type FileStamp =
  | { kind: 'file'; size: number; mtimeMs: number; ctimeMs: number; ino: number }
  /** Gone (deleted, renamed away), or a folder now. */
  | { kind: 'missing' }
  /**
   * There, but stat fails (permissions, a dangling or looping link) or it is not a regular
   * file (a FIFO, a socket, a device): read anyway, so the reader's refusal becomes the
   * file's problem and the apps it declared stay protected instead of being pruned.
   */
  | { kind: 'unreadable'; code: string };

/** What stat (following links) said: the Stats, or the error's code. */
export type StatOutcome = Stats | { code: string };
/** What lstat (not following) said, when stampFrom needs it: the Stats, or the error's code. */
export type LstatOutcome = Stats | { code: string };

function failed(o: StatOutcome | LstatOutcome): o is { code: string } {
  return 'code' in o && typeof o.code === 'string';
}

function outcomeOfError(err: unknown): { code: string } {
  return { code: codeOf(err) ?? 'EIO' };
}

/** Whether stampFrom needs the path's lstat besides its stat. */
export function needsLstat(s: StatOutcome): boolean {
  if (failed(s)) return s.code === 'ENOENT' || s.code === 'ENOTDIR';
  return s.isDirectory();
}

/**
 * The stamp of a path from its stat and, when needsLstat says so, its lstat. Pure: the one
 * decision of both ways to take a stamp.
 */
export function stampFrom(s: StatOutcome, l?: LstatOutcome): FileStamp {
  if (!failed(s)) {
    // A folder is no file (any more); a link to a folder is listed only when it leads out
    // of the manifests folder or loops, which the reader reports.
    if (s.isDirectory()) {
      // Gone between the two calls: as if stat had failed so.
      if (l === undefined || failed(l)) return gone(l === undefined ? 'ENOENT' : l.code);
      return l.isSymbolicLink() ? { kind: 'unreadable', code: 'ELINKDIR' } : { kind: 'missing' };
    }
    if (!s.isFile()) return { kind: 'unreadable', code: 'ENOTREG' };
    return { kind: 'file', size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, ino: s.ino };
  }
  if (s.code !== 'ENOENT' && s.code !== 'ENOTDIR') return { kind: 'unreadable', code: s.code };
  // A dangling link is still there: a problem of that file, not a deletion.
  return l !== undefined && !failed(l) ? { kind: 'unreadable', code: s.code } : { kind: 'missing' };
}

/** A directory whose lstat then failed with `code`: nothing there any more, or unreadable. */
function gone(code: string): FileStamp {
  return code === 'ENOENT' || code === 'ENOTDIR' ? { kind: 'missing' } : { kind: 'unreadable', code };
}

export async function stampOf(abs: string): Promise<FileStamp> {
  const s = await stat(abs).catch(outcomeOfError);
  return stampFrom(s, needsLstat(s) ? await lstat(abs).catch(outcomeOfError) : undefined);
}

/**
 * stampOf with synchronous calls, about a third of its CPU. Blocks its thread for as long as
 * the file system takes: never call it on the event loop (a hung network mount would hang
 * /healthz and the leader lock), only in the rescan's worker thread.
 */
export function stampOfSync(abs: string): FileStamp {
  let s: StatOutcome;
  try {
    s = statSync(abs);
  } catch (err) {
    s = outcomeOfError(err);
  }
  if (!needsLstat(s)) return stampFrom(s);
  let l: LstatOutcome;
  try {
    l = lstatSync(abs);
  } catch (err) {
    l = outcomeOfError(err);
  }
  return stampFrom(s, l);
}

export function sameStamp(a: FileStamp | undefined, b: FileStamp | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  if (a.kind !== 'file' || b.kind !== 'file') return a.kind === b.kind && (a.kind !== 'unreadable' || b.kind !== 'unreadable' || a.code === b.code);
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino;
}
