// What a file looks like from the outside (stat), enough to tell a changed file from an
// unchanged one without reading it: size, modification and change times, inode. The change
// time catches rewrites that keep size and mtime (`touch -r`, `cp -p`); the inode tells an
// atomic save (a new file renamed over the old one) from an in-place rewrite.

import { stat } from 'node:fs/promises';

export type FileStamp =
  | { kind: 'file'; size: number; mtimeMs: number; ctimeMs: number; ino: number }
  /** Gone (deleted, renamed away) or not a regular file any more. */
  | { kind: 'missing' }
  /** There, but stat fails (permissions): read anyway so the failure becomes the file's problem. */
  | { kind: 'unreadable'; code: string };

export async function stampOf(abs: string): Promise<FileStamp> {
  try {
    const s = await stat(abs);
    if (!s.isFile()) return { kind: 'missing' };
    return { kind: 'file', size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, ino: s.ino };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    return code === 'ENOENT' || code === 'ENOTDIR' ? { kind: 'missing' } : { kind: 'unreadable', code };
  }
}

export function sameStamp(a: FileStamp | undefined, b: FileStamp | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  if (a.kind !== 'file' || b.kind !== 'file') return a.kind === b.kind && (a.kind !== 'unreadable' || b.kind !== 'unreadable' || a.code === b.code);
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino;
}
