// `maracker sandbox`: a stand-in for Marathon 1.10 (see src/sandbox/), for trying maracker out,
// for tests and for benchmarks. Runs until SIGINT/SIGTERM, then kills every task process it
// started and exits 0.

import { parseHostPort } from '../../config/daemon.js';
import { parseOptions, ConfigError, type OptionSpec } from '../../config/options.js';
import { errorMessage } from '../../base/errors.js';
import { createLogger, LOG_FORMATS, type LogFormat } from '../../base/log.js';
import { SandboxError } from '../../sandbox/errors.js';
import { startSandbox, type SandboxOptions } from '../../sandbox/sandbox.js';
import type { CliIO, Command } from '../command.js';
import { untilSignal } from '../signals.js';
import { explainListenFailure } from '../listen-errors.js';

const options: readonly OptionSpec[] = [
  {
    name: 'listen',
    type: 'string',
    env: 'MARACKER_SANDBOX_LISTEN',
    default: '127.0.0.1:8080',
    description: 'HOST:PORT to serve the Marathon API on (port 0 picks a free one)',
  },
  { name: 'exec', type: 'boolean', env: 'MARACKER_SANDBOX_EXEC', default: false, description: 'run apps that have a cmd and no container as local processes' },
  { name: 'seed', type: 'string', env: 'MARACKER_SANDBOX_SEED', default: '', description: 'a GET /v2/apps response to load and serve exactly as given' },
  {
    name: 'deployment-duration',
    type: 'number',
    min: 0,
    env: 'MARACKER_SANDBOX_DEPLOYMENT_DURATION',
    default: 1000,
    description: 'how long a deployment takes at least, in ms',
  },
  {
    name: 'write-latency',
    type: 'number',
    min: 0,
    env: 'MARACKER_SANDBOX_WRITE_LATENCY',
    default: 0,
    description: 'how long each write to apps, groups, deployments or pods takes to answer, in ms (one at a time, as Marathon)',
  },
  {
    name: 'max-running-deployments',
    type: 'number',
    min: 1,
    env: 'MARACKER_SANDBOX_MAX_RUNNING_DEPLOYMENTS',
    default: 100,
    description: "Marathon's --max_running_deployments (403 beyond it)",
  },
  {
    name: 'max-tasks',
    type: 'number',
    min: 0,
    env: 'MARACKER_SANDBOX_MAX_TASKS',
    default: 0,
    description: 'tasks held at once, all apps together; beyond it instances wait in the launch queue, as on a full cluster (0: 50000, or 256 with --exec)',
  },
  {
    name: 'work-dir',
    type: 'string',
    env: 'MARACKER_SANDBOX_WORK_DIR',
    default: '',
    description: '--exec task sandboxes and their stdout/stderr (default: a temporary dir, output discarded)',
  },
  { name: 'agent-host', type: 'string', env: 'MARACKER_SANDBOX_AGENT_HOST', default: '127.0.0.1', description: 'host name the tasks report' },
  {
    name: 'default-network-name',
    type: 'string',
    env: 'MARACKER_SANDBOX_DEFAULT_NETWORK_NAME',
    default: '',
    description: "Marathon's --default_network_name: the name given to a container network that names none (default: none, such an app is refused)",
  },
  {
    name: 'enable-features',
    type: 'list',
    env: 'MARACKER_SANDBOX_ENABLE_FEATURES',
    default: [],
    description: "Marathon's --enable_features (secrets, gpu_resources, ...); none by default, as Marathon",
  },
  { name: 'random-seed', type: 'number', env: 'MARACKER_SANDBOX_RANDOM_SEED', default: 1, description: 'seed of the fault-injection PRNG' },
  {
    name: 'log-level',
    type: 'string',
    env: 'MARACKER_SANDBOX_LOG_LEVEL',
    default: 'info',
    choices: ['trace', 'debug', 'info', 'warn', 'error', 'silent'],
    description: 'log level (logs go to stderr)',
  },
  {
    name: 'log-format',
    type: 'string',
    env: 'MARACKER_SANDBOX_LOG_FORMAT',
    default: 'auto',
    choices: LOG_FORMATS,
    description: 'JSON lines or readable lines (pretty); auto: pretty on a terminal',
  },
];

/** Environment variables --exec tasks inherit from the sandbox's own environment. */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'USER', 'LOGNAME', 'SHELL', 'TZ'];

/** --listen, read as the daemon reads its own (`parseHostPort`). */
export function parseListen(value: string): { host: string; port: number } {
  const problems: string[] = [];
  const at = parseHostPort(value, '--listen', problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return at;
}

/** Runs the sandbox until `stop` settles; resolves to the exit code. */
export async function runSandbox(args: readonly string[], io: CliIO, stop: () => Promise<unknown>): Promise<number> {
  const parsed = parseOptions(options, args, io.env);
  if (parsed.positionals.length > 0) throw new ConfigError([`unexpected argument "${parsed.positionals[0] as string}"`]);
  const v = parsed.values;
  const { host, port } = parseListen(v.listen as string);
  const taskEnv: Record<string, string> = {};
  for (const name of INHERITED_ENV) {
    const value = io.env[name];
    if (value !== undefined) taskEnv[name] = value;
  }
  const sandboxOptions: SandboxOptions = {
    host,
    port,
    exec: v.exec as boolean,
    seedFile: (v.seed as string) || undefined,
    deploymentDurationMs: v['deployment-duration'] as number,
    writeLatencyMs: v['write-latency'] as number,
    maxRunningDeployments: v['max-running-deployments'] as number,
    ...((v['max-tasks'] as number) > 0 ? { maxTasks: v['max-tasks'] as number } : {}),
    workDir: (v['work-dir'] as string) || undefined,
    agentHost: v['agent-host'] as string,
    randomSeed: v['random-seed'] as number,
    defaultNetworkName: (v['default-network-name'] as string) || undefined,
    features: v['enable-features'] as string[],
    taskEnv,
    logger: createLogger({ level: v['log-level'] as string, format: v['log-format'] as LogFormat, destination: io.stderr, name: 'maracker-sandbox' }),
  };
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  try {
    sandbox = await startSandbox(sandboxOptions);
  } catch (err) {
    // a bad seed file or a port in use is the operator's to fix: one line, exit code 1
    const explained = await explainListenFailure(err, '--listen', host, port);
    if (explained || err instanceof SandboxError) {
      io.stderr.write(`maracker sandbox: ${explained ? explained.message : errorMessage(err)}\n`);
      return 1;
    }
    throw err;
  }
  io.stdout.write(`maracker sandbox: Marathon 1.10 API on ${sandbox.url}${sandboxOptions.exec ? ' (--exec: local processes)' : ''}\n`);
  await stop();
  await sandbox.close();
  io.stdout.write('maracker sandbox: stopped\n');
  return 0;
}

export const command: Command = {
  name: 'sandbox',
  summary: 'Serve a Marathon 1.10 stand-in (for trying maracker out, tests and benchmarks)',
  usage: 'sandbox [--listen HOST:PORT] [--exec] [--seed FILE] [--deployment-duration MS] [--write-latency MS] [--max-running-deployments N]',
  description: [
    'Answers the Marathon REST API (/v2/apps, /v2/tasks, /v2/deployments, /v2/groups, /v2/queue,',
    '/v2/pods, /v2/events, /v2/info, /v2/leader, /metrics, /ping) the way Marathon 1.10 does: its',
    'validation, defaults filled in, service ports assigned, deployments that take time and lock',
    'their apps, 409/422/403 bodies, SSE events. Pods are kept but never run. Tasks are simulated; with --exec,',
    'apps that have a cmd and no container run as local processes with real ports and health checks.',
    'The admin API under /sandbox/ injects faults and exposes the request log. SIGINT or SIGTERM',
    'kills every task process and exits 0.',
  ].join('\n'),
  options,
  exitCodes: [
    [0, 'stopped by SIGINT or SIGTERM'],
    [1, 'invalid options, an unreadable seed file, or the address could not be bound'],
  ],
  async run(args, io) {
    return runSandbox(args, io, () => untilSignal());
  },
};
