// `maracker validate [PATH...]`: checks manifests without touching Marathon, for the
// manifest repository's CI. Every problem of every file is printed in one run, as
// path:line:column: message, so one CI round shows everything to fix.

import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { FILE_LIMIT_OPTIONS, inputLimits } from '../../config/daemon.js';
import { ConfigError, parseOptions, type OptionSpec } from '../../config/options.js';
import { errorMessage } from '../../base/errors.js';
import { duplicatedIds, findDuplicateIds } from '../../manifest/duplicates.js';
import { readManifestFile, readManifestFolder } from '../../manifest/folder.js';
import type { InputLimits } from '../../manifest/limits.js';
import type { ManifestFileResult } from '../../manifest/parse.js';
import { DEFAULT_TRAEFIK_GRAMMAR, TRAEFIK_GRAMMARS, type TraefikGrammar } from '../../manifest/types.js';
import { compareProblems, formatProblem, type Problem } from '../../model/problem.js';
import type { CliIO, Command } from '../command.js';
import { GIT_READ_OPTIONS, gitReadConfig, readFromGit } from '../git-read.js';

const DEFAULT_PATH = 'manifests';

const options: readonly OptionSpec[] = [
  {
    name: 'traefik',
    type: 'string',
    env: 'MARACKER_TRAEFIK',
    description: 'Traefik label grammar that expose generates (label collisions depend on it)',
    default: DEFAULT_TRAEFIK_GRAMMAR,
    choices: TRAEFIK_GRAMMARS,
  },
  { name: 'output', type: 'string', description: 'Output format', default: 'text', choices: ['text', 'json'] },
  // The daemon's limits: what validate accepts, the daemon reads.
  ...FILE_LIMIT_OPTIONS,
  // The commit a ref names, read as the daemon's git source reads it.
  ...GIT_READ_OPTIONS,
];

interface Collected {
  results: ManifestFileResult[];
  /** Paths that do not exist or cannot be listed. */
  pathProblems: Problem[];
}

async function collect(paths: readonly string[], cwd: string, traefik: TraefikGrammar, limits: InputLimits): Promise<Collected> {
  const results: ManifestFileResult[] = [];
  const pathProblems: Problem[] = [];
  const seen = new Set<string>();
  const add = (abs: string, r: ManifestFileResult): void => {
    if (seen.has(abs)) return; // the same file named twice (a folder and a file in it)
    seen.add(abs);
    results.push(r);
  };
  for (const path of paths) {
    const abs = resolve(cwd, path);
    const info = await stat(abs).catch((err: unknown) => err as NodeJS.ErrnoException);
    if (info instanceof Error) {
      const reason = info.code === 'ENOENT' ? 'no such file or folder' : `cannot read (${info.code ?? info.message})`;
      pathProblems.push({ code: 'unreadable', message: reason, location: { file: path } });
    } else if (info.isDirectory()) {
      try {
        const folder = await readManifestFolder(abs, { traefik, displayRoot: path, limits });
        for (const r of folder.files) add(join(abs, r.file), r);
      } catch (err) {
        pathProblems.push({ code: 'unreadable', message: errorMessage(err), location: { file: path } });
      }
    } else {
      add(abs, await readManifestFile(abs, basename(abs), { traefik, displayPath: path, limits }));
    }
  }
  return { results, pathProblems };
}

async function collectFromGit(git: NonNullable<ReturnType<typeof gitReadConfig>>, io: CliIO, traefik: TraefikGrammar, limits: InputLimits): Promise<Collected> {
  const read = await readFromGit(git, io.env, { traefik, limits });
  if (!read.ok) return { results: [], pathProblems: [{ code: 'unreadable', message: read.reason, location: { file: git.remote.display } }] };
  io.stderr.write(`${git.ref} of ${read.url} is commit ${read.commit.hash.slice(0, 12)} "${read.commit.subject}"\n`);
  return { results: read.files, pathProblems: [] };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

async function run(args: readonly string[], io: CliIO): Promise<number> {
  const parsed = parseOptions(options, args, io.env);
  const traefik = parsed.values.traefik as TraefikGrammar;
  const configProblems: string[] = [];
  const limits = inputLimits(parsed.values, configProblems);
  const git = gitReadConfig(parsed.values, io.cwd, configProblems);
  if (git && parsed.positionals.length > 0) configProblems.push('give either PATH or --git-url, not both');
  if (configProblems.length > 0) throw new ConfigError(configProblems);
  const paths = parsed.positionals.length > 0 ? parsed.positionals : [DEFAULT_PATH];
  const { results, pathProblems } = git ? await collectFromGit(git, io, traefik, limits) : await collect(paths, io.cwd, traefik, limits);

  const problems = [...pathProblems, ...results.flatMap((r) => r.problems), ...findDuplicateIds(results)].sort(compareProblems);
  const duplicated = duplicatedIds(results);
  const apps = results.flatMap((r) => r.apps.map((app) => ({ app, displayPath: r.displayPath }))).filter(({ app }) => !duplicated.has(app.id));

  if (parsed.values.output === 'json') {
    const report = {
      valid: problems.length === 0,
      files: results.map((r) => r.displayPath),
      apps: apps.map(({ app, displayPath }) => ({ id: app.id, file: displayPath, ...(app.url !== undefined ? { url: app.url } : {}) })),
      problems: problems.map((p) => ({ ...p, text: formatProblem(p) })),
    };
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    for (const p of problems) io.stderr.write(`${formatProblem(p)}\n`);
    io.stdout.write(`${plural(results.length, 'file')}, ${plural(apps.length, 'app')}, ${plural(problems.length, 'problem')}\n`);
  }
  return problems.length === 0 ? 0 : 1;
}

export const command: Command = {
  name: 'validate',
  summary: 'Check manifests and report every problem with its file, line and column',
  usage: 'validate [PATH... | --git-url URL [--git-ref REF] [--git-path DIR]]',
  description: [
    `Each PATH is a manifest file or a folder read recursively (*.yaml, *.yml; dotfiles and editor`,
    `backups are skipped). Default: ./${DEFAULT_PATH}. Problems are printed to stderr as`,
    `path:line:column: message, then a summary line to stdout. Nothing is sent to Marathon.`,
  ].join('\n'),
  options,
  exitCodes: [
    [0, 'every manifest is valid'],
    [1, 'at least one problem, or a PATH that does not exist or cannot be read'],
  ],
  run,
};
