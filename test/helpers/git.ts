// git and files for test repositories, free of vitest (the torture runner uses it outside vitest).

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** git's arguments to run in `root` as a fixed committer (no global git config needed). */
export function gitArgs(root: string, args: readonly string[]): string[] {
  return ['-C', root, '-c', 'user.email=ops@example.org', '-c', 'user.name=ops', ...args];
}

/** Writes `text` to `rel` below `folder`, creating the folders between. */
export async function writeBelow(folder: string, rel: string, text: string): Promise<void> {
  await mkdir(dirname(join(folder, rel)), { recursive: true });
  await writeFile(join(folder, rel), text);
}
