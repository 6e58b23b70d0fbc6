// Files an operator names in options (a password or token file, Docker's config.json, a CA
// bundle): read whole, but only when they are a regular file of a sane size. A path naming a
// FIFO would block the read (the open itself, in a thread of libuv's small pool) until a writer
// came, and /dev/zero or a log file would be read until memory ran out. The file is opened
// without blocking, checked with fstat on that very descriptor (no window to swap it), and
// read up to `maxBytes`. Links are followed: a Kubernetes secret volume is made of them.

import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { codeOf } from './errors.js';

export type SmallFileRead =
  | { ok: true; bytes: Buffer }
  /** `code`: the errno of a failed open or read (ENOENT, EACCES...), with kind `errno`. */
  | { ok: false; kind: 'errno' | 'not-a-file' | 'too-large'; reason: string; code?: string };

const FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

function openFailed(err: unknown): SmallFileRead {
  const code = codeOf(err) ?? 'error';
  return { ok: false, kind: 'errno', reason: code === 'ENOENT' ? 'no such file' : `cannot be read (${code})`, code };
}

function tooLarge(maxBytes: number): SmallFileRead {
  return { ok: false, kind: 'too-large', reason: `is larger than ${maxBytes} bytes` };
}

function refusal(st: { isFile(): boolean; size: number }, maxBytes: number): SmallFileRead | undefined {
  if (!st.isFile()) return { ok: false, kind: 'not-a-file', reason: 'is not a regular file' };
  if (st.size > maxBytes) return tooLarge(maxBytes);
  return undefined;
}

/** The file's bytes, at most `maxBytes` of them (a file that grew past them meanwhile is refused too). */
export async function readSmallFile(path: string, maxBytes: number): Promise<SmallFileRead> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, FLAGS);
  } catch (err) {
    return openFailed(err);
  }
  try {
    const refused = refusal(await handle.stat(), maxBytes);
    if (refused) return refused;
    const buf = Buffer.alloc(maxBytes + 1);
    let used = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, used, buf.length - used, null);
      if (bytesRead === 0) break;
      used += bytesRead;
      if (used > maxBytes) return tooLarge(maxBytes);
    }
    return { ok: true, bytes: buf.subarray(0, used) };
  } catch (err) {
    return openFailed(err);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** readSmallFile at start-up, where the configuration is read synchronously. */
export function readSmallFileSync(path: string, maxBytes: number): SmallFileRead {
  let fd: number;
  try {
    fd = openSync(path, FLAGS);
  } catch (err) {
    return openFailed(err);
  }
  try {
    const refused = refusal(fstatSync(fd), maxBytes);
    if (refused) return refused;
    const buf = Buffer.alloc(maxBytes + 1);
    let used = 0;
    for (;;) {
      const n = readSync(fd, buf, used, buf.length - used, null);
      if (n === 0) break;
      used += n;
      if (used > maxBytes) return tooLarge(maxBytes);
    }
    return { ok: true, bytes: buf.subarray(0, used) };
  } catch (err) {
    return openFailed(err);
  } finally {
    closeSync(fd);
  }
}
