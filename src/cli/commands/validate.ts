// `maracker validate [PATH...]`: checks manifests without touching Marathon, for the
// manifest repository's CI. Every problem of every file is printed in one run, as
// path:line:column: message, so one CI round shows everything to fix.

import { stat } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { readDesiredOnce } from '../../app/desired-once.js';
import { buildDaemonConfig, DAEMON_OPTIONS } from '../../config/daemon.js';
import { ConfigError, parseOptions, type OptionSpec } from '../../config/options.js';
import { errorMessage } from '../../base/errors.js';
import { findDependencyCycles, type LocatedApp } from '../../manifest/dependency-cycles.js';
import { routeClashes } from '../../reconcile/route-clash.js';
import { duplicatedIds, findDuplicateIds } from '../../manifest/duplicates.js';
import { readManifestFile, readManifestFolder } from '../../manifest/folder.js';
import type { InputLimits } from '../../manifest/limits.js';
import type { ManifestFileResult } from '../../manifest/parse.js';
import type { TraefikGrammar } from '../../manifest/types.js';
import type { DesiredApp } from '../../model/desired.js';
import { compareProblems, formatProblem, type Location, type Problem } from '../../model/problem.js';
import type { CliIO, Command } from '../command.js';
import { readFromGit } from '../../app/git-read.js';
import type { GitSourceConfig } from '../../config/daemon.js';

// The daemon's own options, read the same way (flags and MARACKER_* variables): the Traefik
// grammar (label collisions depend on it), the input limits (what validate accepts, the daemon
// reads), the manifests folder (the default PATH) and, with --database-url, the apps table.
const options: readonly OptionSpec[] = [
  ...DAEMON_OPTIONS,
  { name: 'output', type: 'string', description: 'Output format', default: 'text', choices: ['text', 'json'] },
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

async function collectFromGit(git: GitSourceConfig, io: CliIO, traefik: TraefikGrammar, limits: InputLimits): Promise<Collected> {
  const read = await readFromGit(git, io.env, { traefik, limits });
  if (!read.ok) return { results: [], pathProblems: [{ code: 'unreadable', message: read.reason, location: { file: git.remote.display } }] };
  io.stderr.write(`${git.ref} of ${read.url} is commit ${read.commit.hash.slice(0, 12)} "${read.commit.subject}"\n`);
  return { results: read.files, pathProblems: [] };
}

/** Where a file's app is declared: its document's start. */
function appLocation(app: DesiredApp, displayPath: string): Location {
  const src = app.source;
  return src.kind === 'file' && src.line !== undefined ? { file: displayPath, line: src.line, column: src.column ?? 1 } : { file: displayPath };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

async function run(args: readonly string[], io: CliIO): Promise<number> {
  const parsed = parseOptions(options, args, io.env);
  const explicitPaths = parsed.positionals.length > 0;
  if (explicitPaths && parsed.values['git-url'] !== undefined) throw new ConfigError(['give either PATH or --git-url, not both']);
  // Paths given replace the folder: a source is needed only when none is.
  const config = buildDaemonConfig(explicitPaths ? { ...parsed.values, manifests: parsed.positionals[0] } : parsed.values, io.cwd, io.env, parsed.explicit);
  const paths = explicitPaths ? parsed.positionals : config.manifests !== null ? [relative(io.cwd, config.manifests) || '.'] : [];
  const { results, pathProblems } =
    config.git !== null ? await collectFromGit(config.git, io, config.traefik, config.limits) : await collect(paths, io.cwd, config.traefik, config.limits);

  const problems = [...pathProblems, ...results.flatMap((r) => r.problems), ...findDuplicateIds(results)];
  const duplicated = duplicatedIds(results);
  let rows = 0;
  const rowApps: LocatedApp[] = [];
  if (config.databaseUrl !== null) {
    // The rows as the daemon reads them, and the ids a file and a row both declare.
    try {
      const db = await readDesiredOnce({ ...config, manifests: null, git: null }, { images: false, env: io.env, cycles: false });
      rows = [...db.view.declaredIds()].length;
      problems.push(...db.problems);
      for (const id of db.view.appIds()) {
        const entry = db.view.get(id);
        if (entry.kind === 'app') rowApps.push({ app: entry.app, location: { row: id } });
      }
      for (const r of results) {
        for (const d of r.declarations) {
          if (db.view.get(d.id).kind === 'absent') continue;
          duplicated.add(d.id);
          problems.push({
            code: 'duplicate-id',
            message: `app ${d.id} is also declared by database row ${d.id}; neither is applied`,
            location: { ...d.location, file: r.displayPath },
          });
        }
      }
    } catch (err) {
      problems.push({ code: 'unreadable', message: errorMessage(err), location: {} });
    }
  }
  const apps = results.flatMap((r) => r.apps.map((app) => ({ app, displayPath: r.displayPath }))).filter(({ app }) => !duplicated.has(app.id));
  const located = apps.map(({ app, displayPath }) => ({ app, location: appLocation(app, displayPath) }));
  const everyApp = [...located, ...rowApps.filter(({ app }) => !duplicated.has(app.id))];
  problems.push(...findDependencyCycles(everyApp));
  problems.push(...routeClashes(everyApp.map(({ app }) => app)).values());
  problems.sort(compareProblems);

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
    const rowCount = config.databaseUrl !== null ? `${plural(rows, 'row')}, ` : '';
    io.stdout.write(`${plural(results.length, 'file')}, ${rowCount}${plural(apps.length, 'app')}, ${plural(problems.length, 'problem')}\n`);
  }
  return problems.length === 0 ? 0 : 1;
}

export const command: Command = {
  name: 'validate',
  summary: 'Check manifests and report every problem with its file, line and column',
  usage: 'validate [PATH... | --git-url URL [--git-ref REF] [--git-path DIR]] [--database-url URL] [any option of run]',
  description: [
    `Each PATH is a manifest file or a folder read recursively (*.yaml, *.yml; dotfiles and editor`,
    `backups are skipped). Default: --manifests (./manifests); with --git-url, the commit a ref`,
    `names, read as the daemon's git source reads it. With --database-url the rows of`,
    `the apps table are checked too, and ids a file and a row both declare. Problems are printed`,
    `to stderr as path:line:column: message, then a summary line to stdout. Nothing is sent to`,
    `Marathon. Takes the options of run, so the daemon's environment validates what it reads.`,
  ].join('\n'),
  options,
  exitCodes: [
    [0, 'every manifest is valid'],
    [1, 'at least one problem, or a PATH that does not exist or cannot be read'],
  ],
  run,
};
