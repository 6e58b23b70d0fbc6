// Starts the daemon with everything its configuration asks for: the folder source always,
// and, when a database URL is set, the database source, leader election and the SQL status
// table. Used by `maracker run` and `maracker up`.

import type { DaemonConfig } from './config/daemon.js';
import { startDaemon, type Daemon, type DaemonExtras } from './daemon.js';
import { startDatabase } from './db/wiring.js';
import { createLogger } from './log.js';
import { ParsePool } from './manifest/parse-pool.js';

export async function launchDaemon(config: DaemonConfig, extras: Pick<DaemonExtras, 'logger' | 'observer' | 'parser'> = {}): Promise<Daemon> {
  const logger = extras.logger ?? createLogger({ level: config.logLevel });
  // Large files and rows are parsed off the event loop; the workers stop after the sources.
  const parser = extras.parser ?? new ParsePool({ logger: logger.child({ component: 'parser' }) });
  if (config.databaseUrl === null) return startDaemon(config, { ...extras, logger, parser, onStop: () => parser.stop() });
  // Never blocks on the database: when it is down the source is Unknown and this daemon a
  // follower until it can hold the leader lock.
  const db = await startDatabase(config.databaseUrl, { logger, instance: config.instance, translate: { traefik: config.traefik }, limits: config.limits, parser });
  const daemon = await startDaemon(config, {
    ...extras,
    logger,
    sources: db.sources,
    leadership: db.leadership,
    role: db.role,
    parser,
    onStop: async () => {
      await db.onStop();
      await parser.stop();
    },
  });
  db.attach({ status: daemon.status });
  return daemon;
}
