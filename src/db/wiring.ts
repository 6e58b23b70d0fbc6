// Everything a daemon needs from its database, in one call: schema migration, the database
// source, the leader election, the status table writer and the daemons registry. Nothing in
// here blocks on the database: when it is down at start the source is Unknown, migration is
// retried in the background, and the daemon stays a follower until it holds the lock.

import type pg from 'pg';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { InputParser } from '../manifest/input-parser.js';
import type { InputLimits } from '../manifest/limits.js';
import type { TranslateOptions } from '../manifest/types.js';
import type { Role } from '../model/status.js';
import { backoffDelay, type BackoffOptions } from '../reconcile/backoff.js';
import type { Leadership } from '../reconcile/ports.js';
import { systemTimers, type Timers } from '../reconcile/timers.js';
import { DatabaseSource, type DatabaseSourceOptions } from '../sources/database.js';
import type { Source } from '../sources/source.js';
import type { StatusStore } from '../status/store.js';
import { createPool } from './connection.js';
import { DaemonRegistry } from './daemons.js';
import { LeaderElection, type LeaderElectionOptions } from './leader.js';
import { migrate, type MigrationReport } from './migrations.js';
import { StatusWriter, type StatusWriterOptions } from './status-writer.js';

export interface DatabaseOptions {
  logger: Logger;
  /** Name of this daemon (config.instance). */
  instance: string;
  /** Traefik grammar of rows' `expose` (config.traefik). */
  translate?: TranslateOptions;
  /** Row size and depth limits (config.limits). */
  limits?: InputLimits;
  /** Where row specs are validated. Default: in this thread. */
  parser?: InputParser;
  timers?: Timers;
  random?: () => number;
  /** Tuning, mostly for tests. */
  source?: Partial<Omit<DatabaseSourceOptions, 'url' | 'logger' | 'instance' | 'translate' | 'limits' | 'parser' | 'schemaReady' | 'timers' | 'random'>>;
  leader?: Partial<Omit<LeaderElectionOptions, 'url' | 'logger' | 'instance' | 'timers'>>;
  statusWriter?: Partial<Pick<StatusWriterOptions, 'flushMs' | 'chunkSize' | 'backoff'>>;
  /** Between migration attempts while the database is down. Default 500 ms doubling to 30 s. */
  migrationBackoff?: BackoffOptions;
  /** maracker.daemons heartbeat. Default 5000 ms. */
  heartbeatMs?: number;
}

/** What the daemon attaches once it exists. */
export interface DaemonHandles {
  status: StatusStore;
}

export interface DatabaseWiring {
  /** For `DaemonExtras.sources`. */
  sources: Source[];
  /** For `DaemonExtras.leadership`. */
  leadership: Leadership;
  /** For `DaemonExtras.role`: 'follower' until the lock is held. */
  readonly role: Role;
  /** Call once the daemon exists: starts the status table writer and role reporting. */
  attach(daemon: DaemonHandles): void;
  /** For `DaemonExtras.onStop`: last status flush, lock released, connections closed. */
  onStop(): Promise<void>;
  /** Resolves when the schema is up to date (undefined if stopped first); never rejects. */
  readonly migrated: Promise<MigrationReport | undefined>;
  readonly source: DatabaseSource;
  readonly election: LeaderElection;
  readonly statusWriter: () => StatusWriter | undefined;
}

const MIGRATION_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000, factor: 2, jitter: 0.2 };

export async function startDatabase(databaseUrl: string, o: DatabaseOptions): Promise<DatabaseWiring> {
  const log = o.logger.child({ component: 'database' });
  const timers = o.timers ?? systemTimers;
  const random = o.random ?? Math.random;
  const pool: pg.Pool = createPool(databaseUrl, { purpose: 'status', instance: o.instance, max: 3, logger: log });
  let stopped = false;
  let role: Role = 'follower';

  // Migration, retried in the background until it succeeds.
  let retryTimer: unknown;
  let wake: (() => void) | undefined;
  let firstAttempt: () => void = () => undefined;
  const attempted = new Promise<void>((resolve) => (firstAttempt = resolve));
  const migrated = (async (): Promise<MigrationReport | undefined> => {
    for (let failures = 1; !stopped; failures++) {
      try {
        const report = await migrate(pool).finally(firstAttempt);
        for (const m of report.applied) log.info({ version: m.version, migration: m.name }, 'schema migration applied');
        if (report.unknown.length > 0) log.warn({ versions: report.unknown }, 'the database schema is newer than this maracker');
        return report;
      } catch (err) {
        const delay = backoffDelay(failures, o.migrationBackoff ?? MIGRATION_BACKOFF, random);
        if (failures === 1) log.warn({ err: errorMessage(err), retryInMs: delay }, 'cannot migrate schema maracker yet; retrying in the background');
        await new Promise<void>((resolve) => {
          wake = resolve;
          retryTimer = timers.setTimeout(resolve, delay);
        });
      }
    }
    firstAttempt();
    return undefined;
  })();

  const source = new DatabaseSource({
    url: databaseUrl,
    instance: o.instance,
    logger: o.logger,
    translate: o.translate ?? {},
    ...(o.limits ? { limits: o.limits } : {}),
    ...(o.parser ? { parser: o.parser } : {}),
    timers,
    random,
    schemaReady: attempted,
    ...o.source,
  });

  const election = new LeaderElection({ url: databaseUrl, instance: o.instance, logger: o.logger, timers, ...o.leader });
  const registry = new DaemonRegistry({ pool, instance: o.instance, role, logger: log, timers, ...(o.heartbeatMs !== undefined ? { heartbeatMs: o.heartbeatMs } : {}) });
  let writer: StatusWriter | undefined;
  let handles: DaemonHandles | undefined;

  election.subscribe((leader) => {
    role = leader ? 'leader' : 'follower';
    registry.setRole(role);
    handles?.status.setRole(role);
    writer?.setWriting(leader);
  });
  void election.start();
  registry.start();
  // The source's first read waits for the first migration attempt; a source (and a daemons
  // row) that found no schema is read (written) again as soon as it exists.
  void migrated.then((report) => {
    if (!report || stopped) return;
    if (source.snapshot().state === 'Unknown') void source.resync();
    registry.refresh();
  });

  return {
    sources: [source],
    leadership: election,
    get role() {
      return role;
    },
    migrated,
    source,
    election,
    statusWriter: () => writer,
    attach(daemon) {
      if (handles) throw new TypeError('attach() was already called');
      handles = daemon;
      daemon.status.setRole(role);
      writer = new StatusWriter({ pool, status: daemon.status, instance: o.instance, logger: o.logger, canWrite: () => election.canWrite(), writing: election.isLeader, timers, random, ...o.statusWriter });
      writer.start();
    },
    async onStop() {
      if (stopped) return;
      stopped = true;
      if (retryTimer !== undefined) timers.clearTimeout(retryTimer);
      wake?.();
      await writer?.stop();
      await registry.stop();
      await election.stop();
      await migrated;
      await pool.end().catch(() => undefined);
    },
  };
}
