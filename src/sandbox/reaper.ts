// Last line of defence against orphaned task processes: a tiny detached shell that watches
// the sandbox's pid and, once it is gone (even by SIGKILL, which no handler can catch), kills
// every process group listed in a file the exec runtime keeps up to date, and removes the
// temporary work folder the sandbox made for itself, if any.

import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync, rmSync } from 'node:fs';

const SCRIPT = [
  'parent="$1"; groups="$2"; scratch="$3"',
  'while kill -0 "$parent" 2>/dev/null; do sleep 1; done',
  'if [ -f "$groups" ]; then for g in $(cat "$groups"); do kill -KILL -"$g" 2>/dev/null; done; rm -f "$groups"; fi',
  'if [ -n "$scratch" ]; then rm -rf -- "$scratch"; fi',
].join('\n');

export class Reaper {
  readonly #child: ChildProcess;

  /** `scratchDir`: a folder to remove once the parent is gone (its own temporary work folder). */
  readonly #groupsFile: string;

  constructor(groupsFile: string, parentPid: number, scratchDir = '') {
    this.#groupsFile = groupsFile;
    writeFileSync(groupsFile, '');
    this.#child = spawn('/bin/sh', ['-c', SCRIPT, 'maracker-sandbox-reaper', String(parentPid), groupsFile, scratchDir], {
      detached: true,
      stdio: 'ignore',
    });
    this.#child.unref();
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  update(groups: Iterable<number>): void {
    writeFileSync(this.#groupsFile, [...groups].join('\n'));
  }

  /** Stops the watcher (the sandbox cleaned up by itself). */
  async stop(): Promise<void> {
    const pid = this.#child.pid;
    if (pid !== undefined && this.#child.exitCode === null && this.#child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await exited;
    }
    rmSync(this.#groupsFile, { force: true });
  }
}
