// --git-password-file: the http(s) token kept in a file, read again before every fetch.
// Forges expire tokens (GitLab deploy tokens, GitHub App tokens last an hour) and secret
// stores rotate the files they mount; a token read once at start-up would make every fetch
// after a rotation fail until someone restarted maracker. The file is small and read only
// when a fetch is about to go out, so reading it each time costs nothing worth keeping.

import { readSmallFile, readSmallFileSync, type SmallFileRead } from '../base/small-file.js';
import { basicAuth } from './remote.js';

/** A password file larger than this is not a password (and is not read whole). */
export const MAX_PASSWORD_FILE_BYTES = 64 * 1024;

export type PasswordRead = { ok: true; password: string } | { ok: false; reason: string };

/** What a file's text gives: the text without one trailing newline (as `echo token > file` writes it). */
function fromRead(read: SmallFileRead, shown: string): PasswordRead {
  if (!read.ok) {
    if (read.kind === 'too-large')
      return { ok: false, reason: `--git-password-file: ${shown} is larger than ${MAX_PASSWORD_FILE_BYTES / 1024} KiB; not a password` };
    if (read.kind === 'not-a-file') return { ok: false, reason: `--git-password-file: ${shown} is not a regular file` };
    return { ok: false, reason: `--git-password-file: cannot read ${shown} (${read.code})` };
  }
  const password = read.bytes.toString('utf8').replace(/\r?\n$/, '');
  if (password === '') return { ok: false, reason: '--git-password-file: the file is empty' };
  return { ok: true, password };
}

/** At start-up (configuration): `shown` is the path as the operator gave it. */
export function readPasswordFileSync(path: string, shown = path): PasswordRead {
  return fromRead(readSmallFileSync(path, MAX_PASSWORD_FILE_BYTES), shown);
}

/** Before a fetch: a regular file of at most MAX_PASSWORD_FILE_BYTES (src/base/small-file.ts). */
export async function readPasswordFile(path: string): Promise<PasswordRead> {
  return fromRead(await readSmallFile(path, MAX_PASSWORD_FILE_BYTES), path);
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
