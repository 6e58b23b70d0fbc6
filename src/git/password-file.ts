// --git-password-file: the http(s) token kept in a file, read again before every fetch.
// Forges expire tokens (GitLab deploy tokens, GitHub App tokens last an hour) and secret
// stores rotate the files they mount; a token read once at start-up would make every fetch
// after a rotation fail until someone restarted maracker. The file is small and read only
// when a fetch is about to go out, so reading it each time costs nothing worth keeping.

import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { codeOf } from '../base/errors.js';
import { basicAuth } from './remote.js';

/** A password file larger than this is not a password (and is not read whole). */
export const MAX_PASSWORD_FILE_BYTES = 64 * 1024;

export type PasswordRead = { ok: true; password: string } | { ok: false; reason: string };

/** What a file's text gives: the text without one trailing newline (as `echo token > file` writes it). */
function fromText(text: string): PasswordRead {
  const password = text.replace(/\r?\n$/, '');
  if (password === '') return { ok: false, reason: '--git-password-file: the file is empty' };
  return { ok: true, password };
}

function unreadable(shown: string, err: unknown): PasswordRead {
  return { ok: false, reason: `--git-password-file: cannot read ${shown} (${codeOf(err) ?? 'error'})` };
}

function tooLarge(shown: string): PasswordRead {
  return { ok: false, reason: `--git-password-file: ${shown} is larger than ${MAX_PASSWORD_FILE_BYTES / 1024} KiB; not a password` };
}

/** At start-up (configuration): `shown` is the path as the operator gave it. */
export function readPasswordFileSync(path: string, shown = path): PasswordRead {
  try {
    const bytes = readFileSync(path);
    if (bytes.length > MAX_PASSWORD_FILE_BYTES) return tooLarge(shown);
    return fromText(bytes.toString('utf8'));
  } catch (err) {
    return unreadable(shown, err);
  }
}

/** Before a fetch: at most MAX_PASSWORD_FILE_BYTES + 1 bytes are read. */
export async function readPasswordFile(path: string): Promise<PasswordRead> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, 'r');
    const buf = Buffer.alloc(MAX_PASSWORD_FILE_BYTES + 1);
    let used = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, used, buf.length - used, null);
      if (bytesRead === 0) break;
      used += bytesRead;
      if (used > MAX_PASSWORD_FILE_BYTES) return tooLarge(path);
    }
    return fromText(buf.subarray(0, used).toString('utf8'));
  } catch (err) {
    return unreadable(path, err);
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** The git environment of the file's current password, read now: what GitMirror asks before each fetch. */
export function passwordFileCredentials(
  path: string,
  username: string | undefined,
): () => Promise<{ ok: true; env: Record<string, string> } | { ok: false; reason: string }> {
  return async () => {
    const read = await readPasswordFile(path);
    return read.ok ? { ok: true, env: basicAuth(username, read.password).env } : read;
  };
}
