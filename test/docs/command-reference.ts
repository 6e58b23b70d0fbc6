// The command reference of docs/operations.md, generated from the commands themselves: each
// command's OptionSpec declarations (flag, environment variable, default) and exit codes.
// The same declarations drive parsing and `--help`, so the doc cannot drift from either.

import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from '../../src/cli/command.js';
import type { OptionSpec } from '../../src/config/options.js';

const COMMANDS_DIR = fileURLToPath(new URL('../../src/cli/commands/', import.meta.url));

/** Every `maracker <command>`, as main.ts discovers them (one module per file), sorted by name. */
export async function loadCommands(): Promise<Command[]> {
  const files = readdirSync(COMMANDS_DIR).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  const commands: Command[] = [];
  for (const f of files.sort()) {
    const mod = (await import(/* @vite-ignore */ `${COMMANDS_DIR}${f}`)) as { command?: Command };
    if (!mod.command) throw new Error(`src/cli/commands/${f} exports no \`command\``);
    commands.push(mod.command);
  }
  return commands;
}

/** Markdown table cell: pipes escaped, line breaks flattened. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

function code(text: string): string {
  return `\`${text}\``;
}

function flag(spec: OptionSpec): string {
  const short = spec.short ? `${code(`-${spec.short}`)}, ` : '';
  if (spec.type === 'boolean') return `${short}${code(`--${spec.name}`)}, ${code(`--no-${spec.name}`)}`;
  const value = spec.choices ? spec.choices.join('|') : spec.type === 'list' ? 'a,b' : spec.type;
  return `${short}${code(`--${spec.name} <${value}>`)}`;
}

function envNames(spec: OptionSpec): string {
  const names = [spec.env, ...(spec.envAliases ?? [])].filter((n): n is string => n !== undefined);
  return names.length === 0 ? '' : names.map(code).join(', ');
}

function defaultValue(spec: OptionSpec): string {
  if (spec.default === undefined) return '';
  if (spec.secret) return '(set)';
  const d = Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default);
  return d === '' ? code('""') : code(d);
}

function describe(spec: OptionSpec): string {
  const notes: string[] = [];
  if (spec.choices) notes.push(`One of ${spec.choices.map(code).join(', ')}.`);
  if (spec.type === 'number' && spec.min !== undefined) notes.push(`At least ${spec.min}.`);
  if (spec.type === 'list') notes.push('Comma-separated; the flag can be repeated.');
  if (spec.secret) notes.push('Secret: never printed.');
  return cell(notes.length === 0 ? spec.description : `${spec.description.replace(/\.$/, '')}. ${notes.join(' ')}`);
}

export function renderCommand(cmd: Command): string {
  const lines = [`### \`maracker ${cmd.name}\``, '', cell(cmd.summary), '', `Usage: ${code(`maracker ${cmd.usage}`)}`, ''];
  if (cmd.options.length > 0) {
    lines.push('| Flag | Environment variable | Default | Meaning |', '|---|---|---|---|');
    for (const spec of cmd.options) lines.push(`| ${cell(flag(spec))} | ${envNames(spec)} | ${defaultValue(spec)} | ${describe(spec)} |`);
  } else {
    lines.push('No options.');
  }
  lines.push('');
  if (cmd.exitCodes && cmd.exitCodes.length > 0) {
    lines.push('| Exit code | Meaning |', '|---|---|');
    for (const [c, t] of cmd.exitCodes) lines.push(`| ${c} | ${cell(t)} |`);
  } else {
    lines.push('Exit codes: not declared by the command.');
  }
  return lines.join('\n');
}

/** Every environment variable any command reads, with its flag and the commands that read it. */
export function renderEnvironmentIndex(commands: readonly Command[]): string {
  const rows = new Map<string, { flag: string; commands: string[] }>();
  for (const cmd of commands) {
    for (const spec of cmd.options) {
      for (const name of [spec.env, ...(spec.envAliases ?? [])]) {
        if (name === undefined) continue;
        const row = rows.get(name) ?? { flag: `--${spec.name}`, commands: [] };
        if (!row.commands.includes(cmd.name)) row.commands.push(cmd.name);
        rows.set(name, row);
      }
    }
  }
  const lines = ['| Variable | Flag | Read by |', '|---|---|---|'];
  for (const [name, row] of [...rows.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`| ${code(name)} | ${code(row.flag)} | ${row.commands.map((c) => code(c)).join(', ')} |`);
  }
  return lines.join('\n');
}

export function renderReference(commands: readonly Command[]): string {
  return [
    `Commands: ${commands.map((c) => code(c.name)).join(', ')}.`,
    '',
    ...commands.flatMap((c) => [renderCommand(c), '']),
    '### Environment variables',
    '',
    'Every variable a command reads, for container and service configurations:',
    '',
    renderEnvironmentIndex(commands),
  ].join('\n');
}
