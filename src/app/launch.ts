// Starts the daemon with everything its configuration asks for: the folder source always,
// and, when a database URL is set, the database source, leader election, the SQL status
// table and the prune guard's deletion history. Used by `maracker run` and `maracker up`.

import { configSecrets, type DaemonConfig } from '../config/daemon.js';
import { startDaemon, type Daemon, type DaemonExtras } from './daemon.js';
import { startDatabase } from './database.js';
import { createLogger, type Logger } from '../base/log.js';
import { limitHeapGrowth } from '../base/heap-growth.js';
import { ParsePool } from '../manifest/parse-pool.js';
import { CachingParser } from '../manifest/caching-parser.js';
import type { InputParser } from '../manifest/input-parser.js';
import { ParseCache } from '../manifest/parse-cache.js';
import { codeIdentity } from '../base/code-identity.js';
import { ParseCacheKeeper } from './parse-cache-file.js';
import { FilePruneLedger } from '../prune/ledger-file.js';
import { createScrubber } from '../secrets/scrubber.js';

export async function launchDaemon(config: DaemonConfig, given: Pick<DaemonExtras, 'logger' | 'observer' | 'parser'> = {}): Promise<Daemon> {
  const logger = given.logger ?? createLogger({ level: config.logLevel, format: config.logFormat, scrubber: createScrubber(configSecrets(config)) });
  // Large files and rows are parsed off the event loop; the workers stop after the sources.
  // With --manifest-cache, files parsed by an earlier run of the same code are not parsed again.
  const pool = given.parser ?? new ParsePool({ logger: logger.child({ component: 'parser' }) });
  const keeper = await parseCacheKeeper(config, logger);
  const parser: InputParser = keeper ? new CachingParser(pool, keeper.cache) : pool;
  const stopParsing = async (): Promise<void> => {
    await keeper?.keeper.stop();
    await parser.stop();
  };
  // The heap's growth is bounded once start-up is over (src/base/heap-growth.ts): the process
  // is this daemon's alone.
  const extras = {
    ...given,
    observer: {
      ...given.observer,
      firstSync: () => {
        if (limitHeapGrowth()) logger.debug('heap growth between full collections bounded (--heap-growing-percent)');
        keeper?.keeper.firstSync();
        given.observer?.firstSync?.();
      },
    },
  };
  if (config.databaseUrl === null) {
    const daemon = await startDaemon(config, { ...extras, logger, parser, onStop: stopParsing, ...fileLedger(config, logger) });
    // Said once it runs (a daemon that cannot start says only why).
    if (config.prune && config.pruneLedger === null) {
      logger.warn('the prune guard counts deletions in memory only (--prune-ledger none, or no XDG_STATE_HOME nor HOME): a restart starts a fresh budget');
    }
    return daemon;
  }
  // Never blocks on the database: when it is down the source is Unknown and this daemon a
  // follower until it can hold the leader lock.
  const db = await startDatabase(config.databaseUrl, {
    logger,
    instance: config.instance,
    translate: { traefik: config.traefik, rowTraefikLabels: config.rowTraefikLabels },
    limits: config.limits,
    parser,
  });
  void db.installation.then((stored) => {
    // Every daemon sharing a database must be the same installation, or a failover makes the
    // apps of one look like another's (Conflict, nothing written).
    if (stored && config.installation !== null && stored.name !== config.installation) {
      logger.warn(
        { installation: config.installation, stored: stored.name },
        `--installation ${config.installation} differs from the installation stored in the database (${stored.name}): give every daemon sharing this database the same --installation`,
      );
    }
  });
  const daemon = await startDaemon(config, {
    ...extras,
    logger,
    sources: db.sources,
    leadership: db.leadership,
    pruneLedger: db.pruneLedger,
    setRowInstances: db.setRowInstances,
    role: db.role,
    installation: db.installation,
    parser,
    onStop: async () => {
      await db.onStop();
      await stopParsing();
    },
  });
  db.attach({ status: daemon.status });
  return daemon;
}

/**
 * Without a database, the prune guard counts its deletions in a file (--prune-ledger), so that a
 * restart does not refill its budget; without one, in memory, and a restart starts it empty.
 */
function fileLedger(config: DaemonConfig, logger: Logger): { pruneLedger?: FilePruneLedger } {
  // Kept with the guard disabled too, as the database keeps them: deletions made meanwhile count once it is on again.
  if (!config.prune || config.pruneLedger === null) return {};
  logger.info({ file: config.pruneLedger }, 'the prune guard counts deletions in its ledger file');
  return { pruneLedger: new FilePruneLedger({ path: config.pruneLedger, logger: logger.child({ component: 'prune-ledger' }) }) };
}

/** The parse cache and what keeps its file, loaded; undefined when --manifest-cache is off. */
async function parseCacheKeeper(config: DaemonConfig, logger: Logger): Promise<{ cache: ParseCache; keeper: ParseCacheKeeper } | undefined> {
  if (config.manifestCache === null) return undefined;
  const cache = new ParseCache({ code: codeIdentity() });
  const keeper = new ParseCacheKeeper({ path: config.manifestCache, cache, logger: logger.child({ component: 'parse-cache' }) });
  await keeper.load();
  return { cache, keeper };
}
