// The attack of issue 11 as a fixture: plain files, committed to a manifests folder, that make
// git take the folder for a bare repository of its own whose configuration runs a command
// (core.fsmonitor). The command only creates a marker file, so a test can prove it never ran.

import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface PlantedRepo {
  /** Created by the planted command if it ever runs. */
  marker: string;
}

/**
 * Writes the planted repository below `folder` (not committed: the caller commits it).
 * `headCommit`, a commit of the real repository, makes the planted HEAD resolve (through an
 * alternates file naming the real objects), so that git gets as far as `status` and its
 * fsmonitor, as it did before maracker located repositories itself.
 */
export async function plantBareRepository(folder: string, o: { markerDir: string; realObjects: string; headCommit: string }): Promise<PlantedRepo> {
  const marker = join(o.markerDir, 'PLANTED-COMMAND-RAN');
  const script = join(o.markerDir, 'planted-fsmonitor.sh');
  await writeFile(script, `#!/bin/sh\ntouch '${marker}'\nexit 1\n`);
  await chmod(script, 0o755);
  await mkdir(join(folder, 'objects', 'info'), { recursive: true });
  await mkdir(join(folder, 'refs', 'heads'), { recursive: true });
  await writeFile(join(folder, 'HEAD'), `${o.headCommit}\n`);
  await writeFile(join(folder, 'objects', 'info', 'alternates'), `${o.realObjects}\n`);
  await writeFile(join(folder, 'refs', 'heads', '.keep'), '');
  await writeFile(
    join(folder, 'config'),
    ['[core]', '\trepositoryformatversion = 0', '\tbare = false', '\tworktree = .', `\tfsmonitor = "${script}"`, '\thooksPath = .', ''].join('\n'),
  );
  // Hooks too, in case anything looked for them where the planted config says.
  await writeFile(join(folder, 'post-index-change'), `#!/bin/sh\ntouch '${marker}'\n`);
  await chmod(join(folder, 'post-index-change'), 0o755);
  return { marker };
}
