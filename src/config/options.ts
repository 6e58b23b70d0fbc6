// Command-line options with environment-variable fallbacks, declared once per command.
// One declaration drives parsing, `--help` text and the documentation, so a flag, its
// variable and its default can never disagree. Pure: argv and env are passed in.

import { MarackerError } from '../base/errors.js';
import { urlSecrets } from '../secrets/url.js';
import { suggest } from '../base/suggest.js';

export type OptionType = 'string' | 'number' | 'boolean' | 'list';

export interface OptionSpec {
  /** Flag name without dashes, kebab-case: "marathon-url" -> --marathon-url. */
  name: string;
  type: OptionType;
  description: string;
  /** Environment variable, e.g. "MARACKER_MARATHON_URL". Omit for flags with no variable. */
  env?: string;
  /** Further variables read when `env` is unset, in order (e.g. the conventional DATABASE_URL). */
  envAliases?: readonly string[];
  default?: string | number | boolean | string[];
  /** Allowed values for a string option. */
  choices?: readonly string[];
  /** Minimum for a number option. */
  min?: number;
  /** Never print the value (passwords, tokens). */
  secret?: boolean;
  short?: string;
}

export type OptionValues = Record<string, string | number | boolean | string[] | undefined>;

export interface ParsedOptions {
  values: OptionValues;
  positionals: string[];
  /** Which options were given explicitly (flag or env), for logging overrides. */
  explicit: Set<string>;
}

export class ConfigError extends MarackerError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super('MRK_CONFIG_INVALID', `invalid configuration:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

/** ` (did you mean --listen?)` when a known name is a plausible typo of `given`. */
function didYouMean(given: string, known: Iterable<string>, dashes: string): string {
  const best = suggest(given, known);
  return best === undefined ? '' : ` (did you mean ${dashes}${best}?)`;
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off', '']);

function coerce(spec: OptionSpec, raw: string, origin: string, problems: string[]): OptionValues[string] {
  switch (spec.type) {
    case 'boolean': {
      const v = raw.toLowerCase();
      if (TRUE.has(v)) return true;
      if (FALSE.has(v)) return false;
      problems.push(`${origin}: expected true or false, got "${raw}"`);
      return undefined;
    }
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) {
        problems.push(`${origin}: expected a number, got "${raw}"`);
        return undefined;
      }
      if (spec.min !== undefined && n < spec.min) {
        problems.push(`${origin}: expected a number from ${spec.min} and up, got ${n}`);
        return undefined;
      }
      return n;
    }
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
    case 'string':
      if (spec.choices && !spec.choices.includes(raw)) {
        problems.push(`${origin}: expected one of ${spec.choices.join(', ')}, got "${raw}"`);
        return undefined;
      }
      return raw;
  }
}

/**
 * Parses argv against the specs. Precedence: flag, then environment variable, then default.
 * Reports every problem at once (unknown flags, bad numbers, bad choices) as a ConfigError.
 */
export function parseOptions(specs: readonly OptionSpec[], argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ParsedOptions {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short as string, s]));
  const problems: string[] = [];
  const fromFlags = new Map<string, string[]>();
  const positionals: string[] = [];

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    } else {
      const s = byShort.get(arg.slice(1));
      if (!s) {
        problems.push(`unknown option ${arg}${didYouMean(arg.slice(1), byShort.keys(), '-')}`);
        continue;
      }
      name = s.name;
    }
    let spec = byName.get(name);
    let negated = false;
    if (!spec && name.startsWith('no-') && byName.get(name.slice(3))?.type === 'boolean') {
      spec = byName.get(name.slice(3));
      negated = true;
    }
    if (!spec) {
      problems.push(`unknown option --${name}${didYouMean(name, byName.keys(), '--')}`);
      continue;
    }
    let raw: string;
    if (spec.type === 'boolean') {
      raw = inline ?? (negated ? 'false' : 'true');
    } else if (inline !== undefined) {
      raw = inline;
    } else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        problems.push(`option --${spec.name} needs a value`);
        continue;
      }
      raw = next;
      i++;
    }
    const list = fromFlags.get(spec.name) ?? [];
    list.push(raw);
    fromFlags.set(spec.name, list);
  }

  const values: OptionValues = {};
  const explicit = new Set<string>();
  for (const spec of specs) {
    const flagged = fromFlags.get(spec.name);
    if (flagged !== undefined) {
      explicit.add(spec.name);
      if (spec.type === 'list') {
        values[spec.name] = flagged.flatMap((raw) => coerce(spec, raw, `--${spec.name}`, problems) as string[]);
      } else {
        values[spec.name] = coerce(spec, flagged[flagged.length - 1] as string, `--${spec.name}`, problems);
      }
      continue;
    }
    const envName = [spec.env, ...(spec.envAliases ?? [])].find((n) => n !== undefined && env[n] !== undefined && env[n] !== '');
    if (envName !== undefined) {
      explicit.add(spec.name);
      values[spec.name] = coerce(spec, env[envName] as string, envName, problems);
      continue;
    }
    values[spec.name] = spec.default;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { values, positionals, explicit };
}

/**
 * The secrets a command line and environment carry, as typed and before any validation:
 * values of `secret` options (for a URL, its password), and credentials inside any other
 * URL-valued option. The CLI scrubs its own output with them, so that even a configuration
 * that fails to parse is never echoed with its password.
 */
export function secretInputs(specs: readonly OptionSpec[], argv: readonly string[], env: Readonly<Record<string, string | undefined>>): string[] {
  const out: string[] = [];
  const take = (spec: OptionSpec, value: string): void => {
    const isUrl = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(value.trim());
    if (isUrl) out.push(...urlSecrets(value));
    else if (spec.secret) out.push(value);
  };
  const byName = new Map(specs.map((s) => [s.name, s]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') break;
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    const spec = byName.get(eq >= 0 ? arg.slice(2, eq) : arg.slice(2));
    if (!spec || spec.type === 'boolean') continue;
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[i + 1];
    if (value !== undefined) take(spec, value);
  }
  for (const spec of specs) {
    for (const name of [spec.env, ...(spec.envAliases ?? [])]) {
      const value = name === undefined ? undefined : env[name];
      if (value) take(spec, value);
    }
  }
  return out;
}

function defaultText(spec: OptionSpec): string {
  if (spec.default === undefined) return '';
  if (spec.secret) return ' (default: set)';
  const d = Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default);
  return d === '' ? '' : ` (default: ${d})`;
}

/** The option table of `--help`: every option with its default and environment variable. */
export function renderOptionsHelp(specs: readonly OptionSpec[]): string {
  const rows = specs.map((s) => {
    const name = s.type === 'boolean' ? `--[no-]${s.name}` : `--${s.name}`;
    const value = s.type === 'boolean' ? '' : ` <${s.choices ? s.choices.join('|') : s.type === 'list' ? 'a,b' : s.type}>`;
    const flag = `${s.short ? `-${s.short}, ` : ''}${name}${value}`;
    const names = [s.env, ...(s.envAliases ?? [])].filter((n): n is string => n !== undefined);
    const env = names.length > 0 ? ` [env ${names.join(', ')}]` : '';
    return { flag, text: `${s.description}${defaultText(s)}${env}` };
  });
  const width = Math.min(40, Math.max(...rows.map((r) => r.flag.length), 0) + 2);
  // A flag wider than the column gets its description on the next line, never glued to it.
  return rows.map((r) => (r.flag.length + 2 > width ? `  ${r.flag}\n  ${''.padEnd(width)}${r.text}` : `  ${r.flag.padEnd(width)}${r.text}`)).join('\n');
}
