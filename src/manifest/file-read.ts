// Reads one manifest file as a boundary: whoever can commit to the manifests repository
// chooses what is in the folder, including symbolic links, FIFOs and files of any size.
// A link to /proc/self/environ once showed the daemon's environment through /status, so:
//
// - a file (or a link to one) whose real path is outside the folder is never opened;
// - anything but a regular file is refused before it is opened (opening a FIFO blocks until
//   a writer comes), and opened with O_NONBLOCK in case it is swapped for one meanwhile; a
//   path the caller has just seen as a regular file (its stat) is opened at once, without a
//   link in its last part, and checked on the descriptor (readDirect);
// - what was actually opened is checked again on the open descriptor (on Linux its path in
//   /proc/self/fd, elsewhere its device and inode), so a swap between the check and the
//   read is caught, and only that descriptor is read;
// - the size is checked before opening, and at most limit + 1 bytes are read (a file can
//   grow after it was checked);
// - bytes that are not UTF-8 text (a NUL, an invalid sequence) are not parsed as YAML, so no
//   message can quote them.

import { closeSync, constants, fstatSync, openSync, readlinkSync, readSync, type Stats } from 'node:fs';
import { open, readlink, realpath, stat, type FileHandle } from 'node:fs/promises';
import { dirname, sep } from 'node:path';
import { fileTooLarge, LIMIT_EXCEEDED, type InputLimits } from './limits.js';
import { codeOf } from '../base/errors.js';

export type FileRead = { kind: 'text'; text: string } | { kind: 'refused'; code: string; message: string };

/** Problem codes of files refused before parsing (docs/manifest.md lists them). */
export const FILE_CODES = {
  unreadable: 'unreadable',
  linkOutside: 'link-outside',
  linkLoop: 'link-loop',
  notAFile: 'not-a-file',
  notText: 'not-text',
} as const;

export interface ReadWithinOptions {
  /** Real path of the folder the file must stay inside; undefined for a file named explicitly. */
  root?: string;
  limits: InputLimits;
  /**
   * The caller has just seen a regular file at this path (its stat): it is opened at once and
   * checked on the descriptor, without resolving and checking its path first. A link in its
   * last part, or a system without /proc, still takes the full way.
   */
  regular?: boolean;
}

const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0) | (constants.O_NOFOLLOW ?? 0);

/** `path` is `root` or below it. */
export function isWithin(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

function refused(code: string, message: string): FileRead {
  return { kind: 'refused', code, message };
}

function unreadable(err: unknown): FileRead {
  const reason = codeOf(err) ?? (err instanceof Error ? err.name : String(err));
  if (reason === 'ELOOP') return refused(FILE_CODES.linkLoop, 'symbolic link loop; not followed');
  return refused(FILE_CODES.unreadable, `cannot read file (${reason})`);
}

function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a folder';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

const OUTSIDE = 'symbolic link to a place outside the manifests folder; not read';

export async function readFileWithin(abs: string, o: ReadWithinOptions): Promise<FileRead> {
  if (o.regular && o.root !== undefined) {
    const direct = await readDirect(abs, o.root, o.limits);
    if (direct !== 'full-way') return direct;
  }
  let real: string;
  let before: Stats;
  try {
    real = await realpath(abs);
    if (o.root !== undefined && !isWithin(real, o.root)) return refused(FILE_CODES.linkOutside, OUTSIDE);
    before = await stat(real);
  } catch (err) {
    return unreadable(err);
  }
  if (before.isDirectory()) {
    // Listed only when it is a link to a folder above it (others are walked into).
    const parent = await realpath(dirname(abs)).catch(() => undefined);
    if (parent !== undefined && isWithin(parent, real)) return refused(FILE_CODES.linkLoop, 'symbolic link to a folder above it (a loop); not followed');
  }
  if (!before.isFile()) return refused(FILE_CODES.notAFile, `${kindOf(before)}, not a regular file; not read`);
  if (before.size > o.limits.maxFileBytes) return refused(LIMIT_EXCEEDED, fileTooLarge(o.limits));

  let fh: FileHandle;
  try {
    // The real path, not following a link in its last part: one swapped in since is refused.
    fh = await open(real, OPEN_FLAGS);
  } catch (err) {
    return unreadable(err);
  }
  try {
    const opened = await openedAs(fh, before, o.root);
    if (opened) return opened;
    return await readText(fh, o.limits, before.size);
  } catch (err) {
    return unreadable(err);
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/**
 * The file the caller saw as a regular file a moment ago, opened without following a link in
 * its last part (O_NOFOLLOW: a link fails with ELOOP and takes the full way) and without
 * blocking (O_NONBLOCK: a FIFO swapped in meanwhile does not hang the read), then checked on
 * the descriptor: a regular file, within the size limit, and inside `root` by its path in
 * /proc/self/fd (a folder on the way that is a link out of the folder ends there). Two path
 * lookups fewer per file than the full way, which a folder of 10,000 manifests pays at every
 * start.
 */
async function readDirect(abs: string, root: string, limits: InputLimits): Promise<FileRead | 'full-way'> {
  let fh: FileHandle;
  try {
    fh = await open(abs, OPEN_FLAGS);
  } catch (err) {
    return codeOf(err) === 'ELOOP' ? 'full-way' : unreadable(err);
  }
  try {
    const path = await readlink(`/proc/self/fd/${fh.fd}`).catch(() => undefined);
    if (path === undefined) return 'full-way';
    const s = await fh.stat();
    const judged = judgeDirect(path, s, root, limits);
    if (judged !== undefined) return judged;
    return await readText(fh, limits, s.size);
  } catch (err) {
    return unreadable(err);
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/**
 * readFileWithin's direct way (`regular`), with synchronous calls, for many files at once:
 * cheaper in CPU than the asynchronous ones (a third, measured for stats: file-stamp.ts),
 * and off the event loop. Blocks its thread for as long as the file system takes: never call
 * it on the event loop, only in the rescan's worker thread (src/sources/folder-sweep-worker.ts).
 * 'full-way': the caller reads the file with readFileWithin (a link in its last part, no /proc).
 */
export function readDirectSync(abs: string, root: string, limits: InputLimits): FileRead | 'full-way' {
  let fd: number;
  try {
    fd = openSync(abs, OPEN_FLAGS);
  } catch (err) {
    return codeOf(err) === 'ELOOP' ? 'full-way' : unreadable(err);
  }
  try {
    let path: string;
    try {
      path = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return 'full-way';
    }
    const s = fstatSync(fd);
    const judged = judgeDirect(path, s, root, limits);
    if (judged !== undefined) return judged;
    return textWithin(readAtMostSync(fd, limits.maxFileBytes + 1, s.size), limits);
  } catch (err) {
    return unreadable(err);
  } finally {
    try {
      closeSync(fd);
    } catch {
      // Closing a descriptor opened for reading loses nothing.
    }
  }
}

/**
 * What the direct way makes of the descriptor it opened, by its path in /proc/self/fd and its
 * stat: undefined when it is a regular file inside `root` within the size limit (read it).
 */
function judgeDirect(path: string, s: Stats, root: string, limits: InputLimits): FileRead | undefined {
  if (!s.isFile()) return refused(FILE_CODES.notAFile, `${kindOf(s)}, not a regular file; not read`);
  // A file deleted since it was opened reads "<path> (deleted)"; it was inside or not all the same.
  if (!isWithin(path.replace(/ \(deleted\)$/, ''), root)) return refused(FILE_CODES.linkOutside, OUTSIDE);
  if (s.size > limits.maxFileBytes) return refused(LIMIT_EXCEEDED, fileTooLarge(limits));
  return undefined;
}

/** Undefined when the open descriptor is the regular file that was checked; else why not. */
async function openedAs(fh: FileHandle, checked: Stats, root: string | undefined): Promise<FileRead | undefined> {
  const now = await fh.stat();
  if (!now.isFile()) return refused(FILE_CODES.notAFile, `${kindOf(now)}, not a regular file; not read`);
  if (root === undefined) return undefined;
  const path = await readlink(`/proc/self/fd/${fh.fd}`).catch(() => undefined);
  if (path !== undefined) {
    // A file deleted since it was opened reads "<path> (deleted)"; it was inside or not all the same.
    return isWithin(path.replace(/ \(deleted\)$/, ''), root) ? undefined : refused(FILE_CODES.linkOutside, OUTSIDE);
  }
  // No /proc (macOS, BSD): the descriptor must be the very file whose real path was checked.
  if (now.dev !== checked.dev || now.ino !== checked.ino) {
    return refused(FILE_CODES.unreadable, 'cannot read file (it changed while it was opened; it is read again at its next change)');
  }
  return undefined;
}

/** The open file's text: at most the limit plus one byte is read (it can grow after its size was checked). */
async function readText(fh: FileHandle, limits: InputLimits, sizeHint: number): Promise<FileRead> {
  return textWithin(await readAtMost(fh, limits.maxFileBytes + 1, sizeHint), limits);
}

/** Bytes read (at most the limit plus one) as manifest text, or refused as too large or not text. */
function textWithin(bytes: Buffer, limits: InputLimits): FileRead {
  if (bytes.length > limits.maxFileBytes) return refused(LIMIT_EXCEEDED, fileTooLarge(limits));
  return decodeManifestBytes(bytes);
}

/**
 * At most `max` bytes of the open file. The buffer is sized from the size the file had when
 * checked (plus one byte, to see it grew) and doubled only if it did: a 256 KiB buffer per
 * file cost 5 GiB of allocation and a second of CPU for a folder of 10,000 small manifests.
 */
async function readAtMost(fh: FileHandle, max: number, sizeHint: number): Promise<Buffer> {
  let buf: Buffer = Buffer.allocUnsafe(Math.max(1, Math.min(max, sizeHint + 1)));
  let total = 0;
  for (;;) {
    if (total === buf.length) {
      if (total >= max) break;
      buf = grown(buf, total, max);
    }
    const { bytesRead } = await fh.read(buf, total, buf.length - total, null);
    if (bytesRead === 0) break;
    total += bytesRead;
  }
  return buf.subarray(0, total);
}

/** readAtMost with synchronous reads of a descriptor (readDirectSync). */
function readAtMostSync(fd: number, max: number, sizeHint: number): Buffer {
  let buf: Buffer = Buffer.allocUnsafe(Math.max(1, Math.min(max, sizeHint + 1)));
  let total = 0;
  for (;;) {
    if (total === buf.length) {
      if (total >= max) break;
      buf = grown(buf, total, max);
    }
    const bytesRead = readSync(fd, buf, total, buf.length - total, null);
    if (bytesRead === 0) break;
    total += bytesRead;
  }
  return buf.subarray(0, total);
}

/** A full buffer's first `total` bytes in one twice as large (at most `max`). */
function grown(buf: Buffer, total: number, max: number): Buffer<ArrayBuffer> {
  const bigger = Buffer.allocUnsafe(Math.min(max, buf.length * 2));
  buf.copy(bigger, 0, 0, total);
  return bigger;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes as manifest text, or refused: a NUL or invalid UTF-8 is never parsed (nor quoted). Shared with the git source. */
export function decodeManifestBytes(bytes: Buffer): FileRead {
  if (bytes.includes(0)) return refused(FILE_CODES.notText, 'not a text file (it contains a NUL byte); not read as YAML');
  try {
    return { kind: 'text', text: UTF8.decode(bytes) };
  } catch {
    return refused(FILE_CODES.notText, 'not UTF-8 text; not read as YAML');
  }
}
