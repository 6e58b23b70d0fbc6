// Files the daemon keeps for itself across restarts (the parse cache, the prune guard's
// ledger): written 0600 in a folder made 0700, replaced whole by a rename, and read only when
// they are a regular file of this user that no one else can write, as ssh treats its keys.
// A file that fails those checks is refused with the reason; what a refusal means is the
// caller's business (a cache is only slower, a ledger blocks what it guards).

import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';

export type PrivateFileRead = { kind: 'read'; text: string } | { kind: 'absent' } | { kind: 'refused'; reason: string };

/** The file's text when it may be trusted (see above) and holds at most `maxBytes`. */
export async function readPrivateFile(path: string, maxBytes: number): Promise<PrivateFileRead> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'absent' };
    if (code === 'ELOOP') return { kind: 'refused', reason: 'it is a symbolic link' };
    return { kind: 'refused', reason: `it cannot be opened (${code ?? 'error'})` };
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) return { kind: 'refused', reason: 'it is not a regular file' };
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== uid) return { kind: 'refused', reason: `it belongs to uid ${st.uid}, not to this process (uid ${uid})` };
    if ((st.mode & 0o022) !== 0) return { kind: 'refused', reason: `others can write it (mode ${(st.mode & 0o777).toString(8)})` };
    if (st.size > maxBytes) return { kind: 'refused', reason: `it is larger than ${maxBytes} bytes` };
    return { kind: 'read', text: await handle.readFile('utf8') };
  } finally {
    await handle.close();
  }
}

/**
 * Writes the chunks beside `path` (a turn of the event loop between two) and renames them over
 * it: a reader sees the old file or the new one, never a part. `sync` flushes the data to disk
 * before the rename.
 */
export async function replacePrivateFile(path: string, chunks: Iterable<string>, o: { sync?: boolean } = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  let done = false;
  try {
    let first = true;
    for (const chunk of chunks) {
      if (!first) await nextTurn();
      first = false;
      await handle.write(chunk);
    }
    if (o.sync) await handle.datasync();
    await handle.close();
    await rename(tmp, path);
    done = true;
  } finally {
    if (!done) {
      await handle.close().catch(() => undefined);
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }
}

/**
 * Appends `text` to the file. With `create`, a missing file (and its folder) is made private;
 * without, a missing file is left missing and 0 is returned. The bytes written otherwise.
 */
export async function appendPrivateFile(path: string, text: string, o: { create?: boolean; sync?: boolean } = {}): Promise<number> {
  if (o.create) await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW | (o.create ? constants.O_CREAT : 0), 0o600);
  } catch (err) {
    if (!o.create && (err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  try {
    await handle.write(text);
    if (o.sync) await handle.datasync();
    return Buffer.byteLength(text);
  } finally {
    await handle.close();
  }
}
