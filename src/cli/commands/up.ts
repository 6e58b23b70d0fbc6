// `maracker up` (and `npm start`): the embedded default. A Marathon sandbox that really runs
// command apps as local processes, an embedded PostgreSQL (unless DATABASE_URL is given),
// and the daemon on ./manifests with its status server. Nothing else to install.

import { createHash } from 'node:crypto';
import { lstat, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { buildDaemonConfig, configSecrets, DAEMON_OPTIONS, MARATHON_OPTIONS, parseHostPort } from '../../config/daemon.js';
import { ConfigError, parseOptions, type OptionSpec } from '../../config/options.js';
import { errorCode, errorMessage } from '../../base/errors.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../postgres/embedded.js';
import { closedFolderAbove, postgresCanReach } from '../../postgres/embedded-module.js';
import { launchDaemon } from '../../app/launch.js';
import { createLogger } from '../../base/log.js';
import { createScrubber } from '../../secrets/scrubber.js';
import { startSandbox, type Sandbox } from '../../sandbox/sandbox.js';
import type { Daemon } from '../../app/daemon.js';
import type { Command } from '../command.js';
import { canListen, explainListenFailure, listening } from '../listen-errors.js';
import { untilSignal } from '../signals.js';

const marathonNames = new Set(MARATHON_OPTIONS.map((o) => o.name));

export const UP_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'sandbox-listen',
    type: 'string',
    env: 'MARACKER_SANDBOX_LISTEN',
    default: '127.0.0.1:8080',
    description: 'Address of the Marathon sandbox, HOST:PORT',
  },
  {
    name: 'deployment-duration',
    type: 'number',
    env: 'MARACKER_SANDBOX_DEPLOYMENT_DURATION',
    default: 1000,
    min: 0,
    description: 'Shortest sandbox deployment, ms',
  },
  {
    name: 'data-dir',
    type: 'string',
    env: 'MARACKER_DATA_DIR',
    default: './.maracker',
    description:
      'Folder for task sandboxes and the embedded PostgreSQL data (run as root in a folder user postgres cannot enter, and not given: the data goes below $TMPDIR)',
  },
  {
    name: 'postgres-port',
    type: 'number',
    env: 'MARACKER_POSTGRES_PORT',
    default: 54329,
    min: 1,
    description: 'Port of the embedded PostgreSQL (127.0.0.1 only)',
  },
  {
    name: 'database',
    type: 'boolean',
    env: 'MARACKER_DATABASE',
    default: true,
    description: 'Run the database source (embedded PostgreSQL unless --database-url is given)',
  },
  // The daemon's options, except how to reach Marathon: here Marathon is the sandbox.
  ...DAEMON_OPTIONS.filter((o) => !marathonNames.has(o.name)),
];

export const command: Command = {
  name: 'up',
  summary: 'Run everything locally: Marathon sandbox, PostgreSQL and the daemon on ./manifests (npm start)',
  usage: 'up [--manifests DIR] [--listen HOST:PORT] [--sandbox-listen HOST:PORT] [options]',
  description: [
    'Starts a Marathon 1.10 sandbox that runs command apps as local processes, an embedded',
    'PostgreSQL in --data-dir (unless --database-url or --no-database), and the daemon',
    'watching --manifests. Prints where each is and how to try a change. SIGTERM or SIGINT',
    'stops the daemon, every app process, and the database.',
  ].join('\n'),
  options: UP_OPTIONS,
  exitCodes: [
    [0, 'stopped by SIGTERM or SIGINT'],
    [1, 'invalid configuration, or a port already in use'],
  ],
  async run(args, io) {
    const { values, positionals, explicit } = parseOptions(UP_OPTIONS, args, io.env);
    const problems = positionals.length > 0 ? [`unexpected argument ${positionals[0]}`] : [];
    const sandboxAt = parseHostPort(String(values['sandbox-listen']), '--sandbox-listen', problems);
    if (problems.length > 0) throw new ConfigError(problems);
    const dataDir = resolve(io.cwd, String(values['data-dir']));
    const embedded = values.database !== false && values['database-url'] === undefined;
    const configFor = (marathon: string, databaseUrl: string | undefined) =>
      buildDaemonConfig({ ...values, marathon, 'database-url': values.database === false ? undefined : databaseUrl }, io.cwd, io.env, explicit);
    // Validate everything before starting anything.
    const checked = configFor(
      `http://${sandboxAt.host}:${sandboxAt.port || 8080}`,
      embedded ? 'postgresql://placeholder/maracker' : (values['database-url'] as string | undefined),
    );

    const logger = createLogger({
      level: String(values['log-level']),
      format: checked.logFormat,
      destination: io.stderr,
      scrubber: createScrubber(configSecrets(checked)),
    });
    const postgresAt = await embeddedDataDir(join(dataDir, 'postgres'), explicit.has('data-dir'));
    const started: Array<() => Promise<void>> = [];
    const stopAll = async (): Promise<void> => {
      for (const stop of started.reverse()) await stop().catch((err: unknown) => logger.error({ err }, 'stop failed'));
    };
    let sandbox: Sandbox;
    let postgres: EmbeddedPostgres | undefined;
    let daemon: Daemon;
    let noDatabase: string | undefined;
    try {
      sandbox = await listening(
        () =>
          startSandbox({
            host: sandboxAt.host,
            port: sandboxAt.port,
            exec: true,
            workDir: join(dataDir, 'sandbox'),
            deploymentDurationMs: Number(values['deployment-duration']),
            logger: logger.child({ component: 'sandbox' }),
          }),
        '--sandbox-listen',
        sandboxAt.host,
        sandboxAt.port,
      );
      started.push(() => sandbox.close());
      if (embedded) {
        // PostgreSQL is a child process: its port is checked here, so a taken one is named.
        const pgPort = Number(values['postgres-port']);
        const taken = await canListen('127.0.0.1', pgPort);
        if (taken) throw (await explainListenFailure(taken, '--postgres-port', '127.0.0.1', pgPort)) ?? taken;
        try {
          postgres = await startEmbeddedPostgres({
            dataDir: postgresAt.dir,
            port: Number(values['postgres-port']),
            logger: logger.child({ component: 'embedded-postgres' }),
          });
          const pg = postgres;
          started.push(() => pg.stop());
        } catch (err) {
          // A first run should work wherever the checkout is: when the embedded server cannot
          // run here (e.g. a checkout under /root, which its `postgres` user cannot enter), go
          // on with the folder source and say why, unless the database was asked for explicitly.
          if (errorCode(err) !== 'MRK_DB_EMBEDDED_FAILED' || explicit.has('database')) throw err;
          noDatabase = `the embedded PostgreSQL could not start: ${errorMessage(err)}`;
          logger.warn({ err: errorMessage(err) }, 'running without the database source');
        }
      }
      const config = configFor(sandbox.url, postgres?.url ?? (values['database-url'] as string | undefined));
      daemon = await listening(() => launchDaemon(config, { logger }), '--listen', config.listen.host, config.listen.port);
      started.push(() => daemon.stop());
    } catch (err) {
      await stopAll();
      throw err;
    }

    const status = daemon.statusServer.url;
    const psql = postgres?.psqlCommand ?? (daemon.config.databaseUrl ? 'psql "$DATABASE_URL"' : undefined);
    const lines = [
      'maracker is up.',
      `  Marathon sandbox  ${sandbox.url}  (command apps run as local processes)`,
      `  Status            ${status}/status`,
      `  Dashboard         ${status}/ui/`,
      ...(psql ? [`  PostgreSQL        ${psql}`] : []),
      ...(postgres && postgresAt.why ? [`                    (data in ${postgresAt.dir}: ${postgresAt.why})`] : []),
      ...(noDatabase
        ? [
            `  PostgreSQL        not running: ${noDatabase}`,
            '                    (only the manifests folder is a source; --database-url uses a PostgreSQL of yours, --no-database silences this)',
          ]
        : []),
      `  Manifests         ${daemon.config.manifests ?? '(none)'}`,
      '',
      'Try a change:',
      `  edit ${daemon.config.manifests ?? 'a manifest'} (e.g. instances: 3), then: curl -s ${status}/status/apps/demo/hello`,
      ...(psql
        ? [
            `  ${psql} -c "INSERT INTO maracker.apps (id, spec) VALUES ('/demo/notebook', '{\\"cmd\\": \\"python3 -m http.server \\$PORT0 --bind 127.0.0.1\\", \\"instances\\": 1, \\"cpus\\": 0.1, \\"mem\\": 64}')"`,
            `  ${psql} -c "SELECT id, sync, health, running, url, message FROM maracker.app_status"`,
          ]
        : []),
      '',
      'Ctrl-C stops everything.',
      '',
    ];
    io.stdout.write(lines.join('\n'));
    io.stderr.write(`maracker: reconciling ${sandbox.url}; status at ${status}/status\n`);

    const signal = await untilSignal();
    logger.info({ signal }, 'signal received');
    await stopAll();
    return 0;
  },
};

/**
 * Where the embedded PostgreSQL keeps its data: `<data-dir>/postgres`, unless maracker runs
 * as root in a folder the `postgres` user cannot enter (a checkout under /root) and
 * --data-dir was not given: then a folder of its own in a root-owned folder below the
 * system's temporary folder, named after the default one so that each checkout keeps its own
 * database. A parent that is not a real folder owned by root and closed to writes by others
 * (someone made it first) is not used: the embedded server then does not start, and says why.
 */
export async function embeddedDataDir(preferred: string, explicit: boolean): Promise<{ dir: string; why?: string }> {
  // The folders above it: the data folder itself is PostgreSQL's (owner postgres, mode 0700).
  if (explicit || (await postgresCanReach(dirname(preferred)))) return { dir: preferred };
  const closed = await closedFolderAbove(dirname(preferred));
  const parent = join(tmpdir(), 'maracker-embedded-postgres-data');
  await mkdir(parent, { recursive: true, mode: 0o755 }).catch(() => undefined);
  const info = await lstat(parent).catch(() => undefined);
  if (!info?.isDirectory() || info.uid !== 0 || (info.mode & 0o022) !== 0) return { dir: preferred };
  const dir = join(parent, `postgres-${createHash('sha256').update(preferred).digest('hex').slice(0, 12)}`);
  return { dir, why: `the postgres user cannot enter ${closed?.dir ?? dirname(preferred)}` };
}
