// `maracker plan`: what the daemon would do, like `terraform plan`, without doing it.
// Reads the manifests and lists Marathon once; exit 0 in sync, 2 changes pending, 1 error.

import { relative } from 'node:path';
import { buildDaemonConfig, DAEMON_OPTIONS, marathonClientOptions } from '../../config/daemon.js';
import { ConfigError, parseOptions, type OptionSpec } from '../../config/options.js';
import { errorMessage } from '../../base/errors.js';
import { readDesiredOnce } from '../../app/desired-once.js';
import { MarathonClient } from '../../marathon/client.js';
import type { DesiredApp } from '../../model/desired.js';
import { ownershipOf } from '../../model/labels.js';
import { formatProblem } from '../../model/problem.js';
import { plan } from '../../plan/plan.js';
import { planToJson, renderPlan } from '../../plan/render.js';
import { pruneLimit } from '../../prune/budget.js';
import type { Command } from '../command.js';

// The daemon's own options, read the same way (flags and MARACKER_* variables), so that
// `maracker plan` given the daemon's command line or environment plans what it would do.
const options: readonly OptionSpec[] = [
  ...DAEMON_OPTIONS,
  { name: 'output', type: 'string', default: 'text', choices: ['text', 'json'], description: 'Output format' },
];

export const command: Command = {
  name: 'plan',
  summary: 'Show what maracker would change in Marathon (+ create, ~ update, - delete)',
  usage:
    'plan [--marathon URL] [--manifests DIR | --git-url URL [--git-ref REF] [--git-path DIR]] [--database-url URL] [--output text|json] [any option of run]',
  description: [
    'Compares the manifests with Marathon the way the daemon does (Marathon defaults, assigned',
    'ports and list order are not changes) and prints each action: + create, ~ update marked',
    '"(scale only)" (no restart) or "(restart)" with every changed field old → new, - delete',
    '(managed apps no manifest declares), ! conflict (an app this installation does not own).',
    'Reads the same sources as `run` with the same options and environment: the manifests',
    'folder, with --git-url the commit a ref names (a branch is planned before it is merged),',
    'and with --database-url the apps table (and the installation stored there);',
    'the prune guard warning uses --prune-min-apps, --prune-share and --prune-window.',
  ].join('\n'),
  options,
  exitCodes: [
    [0, 'Marathon matches the manifests'],
    [1, 'error: invalid manifests or rows, a source that cannot be read, Marathon unreachable, bad options'],
    [2, 'changes pending'],
  ],
  async run(args, io) {
    const parsed = parseOptions(options, args, io.env);
    const { values, positionals } = parsed;
    if (positionals.length > 0) throw new ConfigError([`unexpected argument ${positionals[0]}`]);
    const config = buildDaemonConfig(values, io.cwd, io.env, parsed.explicit);

    let desired: Awaited<ReturnType<typeof readDesiredOnce>>;
    try {
      desired = await readDesiredOnce(config, {
        env: io.env,
        ...(config.manifests !== null ? { displayRoot: relative(io.cwd, config.manifests) || '.' } : {}),
      });
      for (const note of desired.notes) io.stderr.write(`maracker plan: ${note}\n`);
    } catch (err) {
      io.stderr.write(`maracker plan: ${errorMessage(err)}\n`);
      return 1;
    }
    if (desired.problems.length > 0) {
      for (const p of desired.problems) io.stderr.write(`${formatProblem(p)}\n`);
      io.stderr.write(`maracker plan: ${desired.problems.length} problem(s) in the manifests or rows; fix them first (maracker validate)\n`);
      return 1;
    }
    const installation = desired.installation.name;
    const apps: DesiredApp[] = [];
    for (const id of desired.view.appIds()) {
      const entry = desired.view.get(id);
      if (entry.kind === 'app') apps.push(entry.app);
    }

    const client = new MarathonClient(marathonClientOptions(config.marathon));
    let actual: Awaited<ReturnType<MarathonClient['listApps']>>;
    try {
      // Every app, not only owned ones: a declared id held by an unowned app is a conflict.
      // With their deployments and tasks, as the daemon lists them: tasks of an older
      // configuration left running are a change too (src/plan/stale-tasks.ts).
      actual = await client.listApps({ embed: ['apps.deployments', 'apps.tasks'] });
    } catch (err) {
      io.stderr.write(`maracker plan: cannot list Marathon apps: ${errorMessage(err)}\n`);
      return 1;
    } finally {
      await client.close();
    }

    const result = plan(apps, actual, { prune: config.prune, installation });
    const deletes = result.actions.filter((a) => a.kind === 'delete').map((a) => a.id);
    // What the guard allows at best (the daemon may have spent part of its budget already).
    const guardConfig = config.pruneGuard;
    const limit = guardConfig.disabled
      ? Number.POSITIVE_INFINITY
      : pruneLimit(actual.filter((a) => ownershipOf(a.labels, installation).kind === 'ours').length, guardConfig);
    const guard = { blocked: deletes.length > limit, limit: Number.isFinite(limit) ? limit : null };
    if (values.output === 'json') {
      io.stdout.write(`${JSON.stringify({ ...planToJson(result), installation, pruneGuard: guard }, null, 2)}\n`);
    } else {
      io.stdout.write(renderPlan(result));
      if (guard.blocked) {
        const hours = guardConfig.windowMs / 3_600_000;
        const window = Number.isInteger(hours) ? `${hours === 1 ? 'hour' : `${hours} hours`}` : `${guardConfig.windowMs / 1000} s`;
        io.stdout.write(
          `\nWarning: ${deletes.length} deletes exceed the prune guard limit (${guard.limit} per ${window}, --prune-min-apps/--prune-share/--prune-window); the daemon will hold them until approved.\n`,
        );
      }
    }
    return planToJson(result).inSync ? 0 : 2;
  },
};
