// One log line per invalid file or row, when its problems change, listing them all: an
// operator tailing the log sees a broken manifest once (not at every resync), sees every
// mistake of it at once, and sees it fixed.

import type { Logger } from '../base/log.js';
import { formatProblem, type Problem } from '../model/problem.js';

export class ProblemLog {
  /** What was last logged for each input (file path, row id): the problems, formatted. */
  readonly #logged = new Map<string, string>();

  constructor(
    readonly what: 'manifest' | 'row',
    readonly log: Logger,
  ) {}

  /** Logs the inputs whose problems changed since the last call; `all` holds every input now. */
  update(all: ReadonlyMap<string, readonly Problem[]>): void {
    for (const [key, problems] of all) {
      const lines = problems.map(formatProblem);
      const signature = lines.join('\n');
      if ((this.#logged.get(key) ?? '') === signature) continue;
      if (lines.length === 0) {
        this.#logged.delete(key);
        this.log.info({ [this.what]: key }, `${this.what} ${key} is valid again`);
      } else {
        this.#logged.set(key, signature);
        this.log.warn(
          { [this.what]: key, problems: lines },
          `${this.what} ${key} is invalid (${lines.length} problem${lines.length === 1 ? '' : 's'}): its apps are left as they are`,
        );
      }
    }
    for (const key of [...this.#logged.keys()]) {
      if (!all.has(key)) this.#logged.delete(key);
    }
  }
}
