#!/usr/bin/env node
// Entry point of the `maracker` binary: finds the command module by name and runs it.

import { readdirSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processEnv } from '../base/env.js';
import { ConfigError, renderOptionsHelp, secretInputs } from '../config/options.js';
import { MarackerError } from '../base/errors.js';
import { createScrubber } from '../secrets/scrubber.js';
import type { CliIO, Command } from './command.js';
import { scrubbedStream } from './scrubbed-io.js';
import { VERSION } from '../base/version.js';
import { suggest } from '../base/suggest.js';

const commandsDir = join(dirname(fileURLToPath(import.meta.url)), 'commands');

function commandNames(): string[] {
  return readdirSync(commandsDir)
    .filter((f) => f.endsWith('.js'))
    .map((f) => f.slice(0, -3))
    .sort();
}

async function loadCommand(name: string): Promise<Command | undefined> {
  if (!/^[a-z][a-z-]*$/.test(name) || !commandNames().includes(name)) return undefined;
  const mod = (await import(`./commands/${name}.js`)) as { command: Command };
  return mod.command;
}

export function renderCommandHelp(cmd: Command): string {
  const parts = [`Usage: maracker ${cmd.usage}`, '', cmd.summary];
  if (cmd.description) parts.push('', cmd.description);
  if (cmd.options.length > 0) parts.push('', 'Options:', renderOptionsHelp(cmd.options));
  if (cmd.exitCodes && cmd.exitCodes.length > 0) {
    parts.push('', 'Exit codes:', ...cmd.exitCodes.map(([c, t]) => `  ${c}  ${t}`));
  }
  return `${parts.join('\n')}\n`;
}

async function renderGlobalHelp(): Promise<string> {
  const lines = ['Usage: maracker <command> [options]', '', 'maracker keeps Marathon equal to YAML manifests and PostgreSQL rows.', '', 'Commands:'];
  for (const name of commandNames()) {
    const cmd = await loadCommand(name);
    if (cmd) lines.push(`  ${name.padEnd(12)}${cmd.summary}`);
  }
  lines.push('', 'Run `maracker <command> --help` for the options of a command.', '');
  return lines.join('\n');
}

export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(await renderGlobalHelp());
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-V' || name === '-v' || name === 'version') {
    io.stdout.write(`maracker ${VERSION}\n`);
    return 0;
  }
  const cmd = await loadCommand(name);
  if (!cmd) {
    const near = suggest(name, commandNames());
    io.stderr.write(`maracker: unknown command "${name}"${near ? ` (did you mean ${near}?)` : ''}\n\n${await renderGlobalHelp()}`);
    return 1;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(renderCommandHelp(cmd));
    return 0;
  }
  // Whatever the command writes leaves without the secrets it was given, even when they do
  // not parse (a configuration error must not echo a password). Errors and logs (stderr)
  // lose any URL's credentials too; the command's own output keeps what it shows on purpose
  // (the psql command of `maracker up`'s embedded database).
  const secrets = secretInputs(cmd.options, rest, io.env);
  const safe: CliIO = {
    ...io,
    stdout: scrubbedStream(io.stdout, createScrubber(secrets, { anyCredentials: false })),
    stderr: scrubbedStream(io.stderr, createScrubber(secrets)),
  };
  // Node exits when nothing holds its event loop, even with a promise pending: a command
  // awaiting an unref'd child (say, while cleaning up after a failure) would end the process
  // silently with status 0. Hold the loop until the command has settled.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    return await cmd.run(rest, safe);
  } catch (err) {
    if (err instanceof ConfigError) {
      safe.stderr.write(`maracker ${name}: ${err.message}\n`);
      return 1;
    }
    if (err instanceof MarackerError) {
      safe.stderr.write(`maracker ${name}: ${err.message}\n`);
      return 1;
    }
    // A bug: its stack, scrubbed too (a driver's error can quote a connection string).
    safe.stderr.write(`maracker ${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  } finally {
    clearInterval(keepAlive);
  }
}

// Resolve symlinks: npm installs the binary as a symlink in node_modules/.bin.
const isEntryPoint = process.argv[1] !== undefined && realpathSync(fileURLToPath(import.meta.url)) === realpathSync(process.argv[1]);
if (isEntryPoint) {
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: processEnv(), cwd: process.cwd() }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`maracker: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
