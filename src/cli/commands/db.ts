// `maracker db migrate`: creates or updates the `maracker` schema (the daemon does the same
// at start; this is for deploy pipelines that migrate before rolling daemons out). Safe to
// run while daemons run, and from several machines at once.

import { parseOptions, type OptionSpec } from '../../config/options.js';
import { errorCode, errorMessage } from '../../base/errors.js';
import { clientConfig, redactUrl } from '../../postgres/connection.js';
import { migrate } from '../../postgres/migrations.js';
import type { CliIO, Command } from '../command.js';
import pg from 'pg';

const options: readonly OptionSpec[] = [
  {
    name: 'database-url',
    type: 'string',
    env: 'MARACKER_DATABASE_URL',
    envAliases: ['DATABASE_URL'],
    secret: true,
    description: 'PostgreSQL URL of the database holding schema maracker',
  },
];

const USAGE = 'usage: maracker db migrate [--database-url URL]\n';

async function migrateCommand(url: string, io: CliIO): Promise<number> {
  const client = new pg.Client({ ...clientConfig(url, 'migrate'), statement_timeout: 0, query_timeout: 0 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    io.stderr.write(`maracker db migrate: cannot connect to ${redactUrl(url)}: ${errorMessage(err)}\n`);
    return 2;
  }
  try {
    const report = await migrate(client);
    for (const m of report.applied) io.stdout.write(`applied ${m.version} ${m.name}\n`);
    const count = report.applied.length;
    io.stdout.write(
      count === 0
        ? `schema maracker is up to date (version ${report.version})\n`
        : `schema maracker migrated to version ${report.version} (${count} applied)\n`,
    );
    if (report.unknown.length > 0) {
      io.stderr.write(
        `maracker db migrate: the database has migrations this maracker does not know (${report.unknown.join(', ')}): a newer maracker migrated it\n`,
      );
    }
    return 0;
  } catch (err) {
    const code = errorCode(err);
    io.stderr.write(`maracker db migrate: ${errorMessage(err)}${code ? ` [${code}]` : ''}\n`);
    return 2;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const command: Command = {
  name: 'db',
  summary: 'Database administration: `db migrate` creates or updates schema maracker',
  usage: 'db migrate [--database-url URL]',
  description: [
    'db migrate   applies the pending migrations of schema maracker (tables apps, app_status,',
    '             daemons; the change-notification triggers), each in its own transaction,',
    '             and prints what it applied. Safe to run concurrently with daemons and other',
    '             migrations: they serialise on an advisory lock. The daemon migrates at start too.',
  ].join('\n'),
  options,
  exitCodes: [
    [0, 'schema up to date (migrations applied, or none pending)'],
    [1, 'invalid usage or configuration'],
    [2, 'the database cannot be reached or a migration failed (rolled back)'],
  ],
  async run(args, io) {
    const parsed = parseOptions(options, args, io.env);
    const [sub, ...extra] = parsed.positionals;
    if (sub !== 'migrate' || extra.length > 0) {
      io.stderr.write(
        sub === undefined ? `maracker db: missing subcommand\n${USAGE}` : `maracker db: unknown subcommand "${[sub, ...extra].join(' ')}"\n${USAGE}`,
      );
      return 1;
    }
    const url = parsed.values['database-url'] as string | undefined;
    if (!url) {
      io.stderr.write(`maracker db migrate: no database: give --database-url or set MARACKER_DATABASE_URL\n${USAGE}`);
      return 1;
    }
    return migrateCommand(url, io);
  },
};
