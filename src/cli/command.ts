// The contract every `maracker <command>` module in ./commands implements.
// main.ts discovers commands by file name, so adding a command touches no other file.

import type { Env } from '../base/env.js';
import type { OptionSpec } from '../config/options.js';

export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Env;
  cwd: string;
}

export interface Command {
  name: string;
  /** One line for `maracker --help`. */
  summary: string;
  /** Usage line after "maracker", e.g. "validate [PATH...]". */
  usage: string;
  /** Paragraphs shown by `maracker <command> --help` after the usage line. */
  description?: string;
  options: readonly OptionSpec[];
  /** Exit codes and their meaning, for `--help` and the docs. */
  exitCodes?: ReadonlyArray<readonly [number, string]>;
  /** Runs the command; resolves to the process exit code. */
  run(args: readonly string[], io: CliIO): Promise<number>;
}
