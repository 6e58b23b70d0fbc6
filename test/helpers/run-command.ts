// Runs a CLI command in-process with recording streams: what it printed and its exit code.

import { Writable } from 'node:stream';
import type { Command } from '../../src/cli/command.js';

export interface CommandRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCommand(cmd: Command, args: string[], o: { cwd: string; env?: Record<string, string> }): Promise<CommandRun> {
  const chunks = { stdout: [] as string[], stderr: [] as string[] };
  const sink = (into: string[]): Writable =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        into.push(chunk.toString());
        done();
      },
    });
  const code = await cmd.run(args, { stdout: sink(chunks.stdout), stderr: sink(chunks.stderr), env: o.env ?? {}, cwd: o.cwd });
  return { code, stdout: chunks.stdout.join(''), stderr: chunks.stderr.join('') };
}
