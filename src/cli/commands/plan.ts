// `maracker plan`: what the daemon would do, like `terraform plan`, without doing it.
// Reads the manifests and lists Marathon once; exit 0 in sync, 2 changes pending, 1 error.

import { relative, resolve } from 'node:path';
import { FILE_LIMIT_OPTIONS, inputLimits, marathonClientOptions, marathonConfig, MARATHON_OPTIONS } from '../../config/daemon.js';
import { derivedInstallation } from '../../config/installation.js';
import { ConfigError, parseOptions, type OptionSpec } from '../../config/options.js';
import { errorMessage } from '../../base/errors.js';
import { readManifestFolder } from '../../manifest/folder.js';
import { DEFAULT_TRAEFIK_GRAMMAR, TRAEFIK_GRAMMARS, type TraefikGrammar } from '../../manifest/types.js';
import { MarathonClient } from '../../marathon/client.js';
import { installationProblem } from '../../model/installation.js';
import { ownershipOf } from '../../model/labels.js';
import { compareProblems, formatProblem, type Problem } from '../../model/problem.js';
import type { DesiredApp } from '../../model/desired.js';
import { duplicatedIds, findDuplicateIds } from '../../manifest/duplicates.js';
import { GIT_READ_OPTIONS, gitReadConfig, readFromGit } from '../git-read.js';
import { plan } from '../../plan/plan.js';
import { planToJson, renderPlan } from '../../plan/render.js';
import { DEFAULT_PRUNE_BUDGET, pruneLimit } from '../../prune/budget.js';
import type { Command } from '../command.js';

const options: readonly OptionSpec[] = [
  ...MARATHON_OPTIONS,
  { name: 'manifests', type: 'string', env: 'MARACKER_MANIFESTS', default: './manifests', description: 'Folder of YAML manifests' },
  {
    name: 'traefik',
    type: 'string',
    env: 'MARACKER_TRAEFIK',
    default: DEFAULT_TRAEFIK_GRAMMAR,
    choices: TRAEFIK_GRAMMARS,
    description: 'Traefik label grammar',
  },
  { name: 'prune', type: 'boolean', env: 'MARACKER_PRUNE', default: true, description: 'Show deletes of managed apps no manifest declares' },
  {
    name: 'installation',
    type: 'string',
    env: 'MARACKER_INSTALLATION',
    description:
      'Plan as this installation (see GET /status of the daemon; default: derived from the manifests folder and the Marathon URL, as a daemon without a database does)',
  },
  { name: 'output', type: 'string', default: 'text', choices: ['text', 'json'], description: 'Output format' },
  // The daemon's limits: a file the daemon would refuse, plan refuses.
  ...FILE_LIMIT_OPTIONS,
  // A branch planned before it is merged: --git-url URL --git-ref feature-x.
  ...GIT_READ_OPTIONS,
];

export const command: Command = {
  name: 'plan',
  summary: 'Show what maracker would change in Marathon (+ create, ~ update, - delete)',
  usage: 'plan [--marathon URL] [--manifests DIR | --git-url URL [--git-ref REF] [--git-path DIR]] [--output text|json]',
  description: [
    'Compares the manifests with Marathon the way the daemon does (Marathon defaults, assigned',
    'ports and list order are not changes) and prints each action: + create, ~ update marked',
    '"(scale only)" (no restart) or "(restart)" with every changed field old → new, - delete',
    '(managed apps no manifest declares), ! conflict (an app this installation does not own).',
    'The database source is not read: rows declared there would show as deletes; a daemon',
    'with a database has its installation stored there: pass it with --installation.',
  ].join('\n'),
  options,
  exitCodes: [
    [0, 'Marathon matches the manifests'],
    [1, 'error: invalid manifests, unreadable folder, Marathon unreachable, bad options'],
    [2, 'changes pending'],
  ],
  async run(args, io) {
    const { values, positionals } = parseOptions(options, args, io.env);
    const problems: string[] = positionals.length > 0 ? [`unexpected argument ${positionals[0]}`] : [];
    const marathon = marathonConfig(values, problems);
    const limits = inputLimits(values, problems);
    const git = gitReadConfig(values, io.cwd, problems);
    const named = values.installation as string | undefined;
    const namedProblem = named === undefined ? undefined : installationProblem(named);
    if (namedProblem) problems.push(`--installation: ${namedProblem}`);
    if (problems.length > 0) throw new ConfigError(problems);
    const dir = resolve(io.cwd, String(values.manifests));
    // As the daemon derives it: from the folder, or from the repository it follows.
    const installation = named ?? derivedInstallation(git ? git.remote.display : dir, marathon.url).name;

    let folder: { apps: DesiredApp[]; problems: Problem[] };
    if (git) {
      const read = await readFromGit(git, io.env, { traefik: values.traefik as TraefikGrammar, limits });
      if (!read.ok) {
        io.stderr.write(`maracker plan: ${read.reason}\n`);
        return 1;
      }
      io.stderr.write(`maracker plan: ${git.ref} of ${read.url} is commit ${read.commit.hash.slice(0, 12)} "${read.commit.subject}"\n`);
      const duplicated = duplicatedIds(read.files);
      folder = {
        apps: read.files.flatMap((r) => r.apps).filter((a) => !duplicated.has(a.id)),
        problems: [...read.files.flatMap((r) => r.problems), ...findDuplicateIds(read.files)].sort(compareProblems),
      };
    } else {
      try {
        folder = await readManifestFolder(dir, { traefik: values.traefik as TraefikGrammar, displayRoot: relative(io.cwd, dir) || '.', limits });
      } catch (err) {
        io.stderr.write(`maracker plan: ${errorMessage(err)}\n`);
        return 1;
      }
    }
    if (folder.problems.length > 0) {
      for (const p of folder.problems) io.stderr.write(`${formatProblem(p)}\n`);
      io.stderr.write(`maracker plan: ${folder.problems.length} problem(s) in the manifests; fix them first (maracker validate)\n`);
      return 1;
    }

    const client = new MarathonClient(marathonClientOptions(marathon));
    let actual: Awaited<ReturnType<MarathonClient['listApps']>>;
    try {
      // Every app, not only owned ones: a declared id held by an unowned app is a conflict.
      actual = await client.listApps();
    } catch (err) {
      io.stderr.write(`maracker plan: cannot list Marathon apps: ${errorMessage(err)}\n`);
      return 1;
    } finally {
      await client.close();
    }

    const result = plan(folder.apps, actual, { prune: values.prune !== false, installation });
    const deletes = result.actions.filter((a) => a.kind === 'delete').map((a) => a.id);
    // What the guard allows at best (the daemon may have spent part of its budget already).
    const limit = pruneLimit(actual.filter((a) => ownershipOf(a.labels, installation).kind === 'ours').length, DEFAULT_PRUNE_BUDGET);
    const guard = { blocked: deletes.length > limit, limit };
    if (values.output === 'json') {
      io.stdout.write(`${JSON.stringify({ ...planToJson(result), pruneGuard: { blocked: guard.blocked, limit: guard.limit } }, null, 2)}\n`);
    } else {
      io.stdout.write(renderPlan(result));
      if (guard.blocked) {
        io.stdout.write(
          `\nWarning: ${deletes.length} deletes exceed the prune guard limit (${guard.limit} per hour by default); the daemon will hold them until approved.\n`,
        );
      }
    }
    return planToJson(result).inSync ? 0 : 2;
  },
};
