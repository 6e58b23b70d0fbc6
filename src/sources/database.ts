// The table maracker.apps as a source. Notifications are hints that name ids; the table is
// the truth:
// - at start and after every (re)connection of the listener, the whole table is read (what
//   changed while nobody listened is not lost) and `{ all: true }` is emitted;
// - notified ids are collected for a few ms and read in chunks (`WHERE id = ANY($1)`);
//   a bulk change (more ids than `fullReadAbove`, or TRUNCATE) becomes one full read;
// - when the database cannot be read, or the listener stays disconnected longer than
//   `unknownAfterMs`, the source is Unknown (never empty: nothing it declares is deleted)
//   until a full read succeeds again.
// - no notification says that the table went away (renamed, dropped, its privileges revoked):
//   before a write, `confirm` probes it when it was last read or probed too long ago, and
//   every `probeEveryMs` the source confirms itself, so that status says so without a write.
// Reads run one at a time, in order, so a slow read never overtakes a newer one.

import type pg from 'pg';
import { errorMessage } from '../base/errors.js';
import type { Logger } from '../base/log.js';
import { failureOf, hasTransientFailure, stackOf } from '../manifest/failure.js';
import { INLINE_PARSER, type InputParser } from '../manifest/input-parser.js';
import { DEFAULT_INPUT_LIMITS, type InputLimits } from '../manifest/limits.js';
import type { RowResult } from '../manifest/row.js';
import type { TranslateOptions } from '../manifest/types.js';
import { BACKOFF, backoffDelay, type BackoffOptions } from '../base/backoff.js';
import { systemTimers, type Timers } from '../base/timers.js';
import { clientConfig, createPool, withTimeout, type ConnectionTuning } from '../postgres/connection.js';
import { SupervisedListener } from '../postgres/listener.js';
import { APPS_CHANNEL } from '../postgres/names.js';
import { IdBatch, RowReader, type AppRow } from './database-rows.js';
import { databaseSnapshot, lastGoodRoutes, maxRevision, type DatabaseRow } from './database-snapshot.js';
import { ProblemLog } from './problem-log.js';
import { emptySnapshot, snapshotIds, type Source, type SourceChange, type SourceSnapshot } from './source.js';

export interface DatabaseSourceOptions {
  url: string;
  /** Name of this daemon, shown in pg_stat_activity. */
  instance?: string;
  logger: Logger;
  translate?: TranslateOptions;
  /** Row size and depth limits. Default: DEFAULT_INPUT_LIMITS. */
  limits?: InputLimits;
  /** Where row specs are validated (a worker pool for large ones). Default: in this thread. */
  parser?: InputParser;
  timers?: Timers;
  random?: () => number;
  /** Notified ids are collected this long before they are read. Default 5 ms. */
  batchWindowMs?: number;
  /** Ids per read query. Default 1000. */
  chunkSize?: number;
  /** More ids pending than this: read the whole table instead. Default 5000. */
  fullReadAbove?: number;
  /** The listener may stay disconnected this long before the source is Unknown. Default 1000 ms. */
  unknownAfterMs?: number;
  /** Health query period of the listening connection. Default 1500 ms. */
  healthIntervalMs?: number;
  /** Health query timeout. Default 1500 ms. */
  healthTimeoutMs?: number;
  /** Retries of a failed read while the listener is connected (schema not migrated yet). Default 250 ms doubling to 10 s. */
  backoff?: BackoffOptions;
  /** The first read waits for this (the schema migration), at most `schemaWaitMs`. */
  schemaReady?: Promise<unknown>;
  /** Default 5000 ms. */
  schemaWaitMs?: number;
  /** start() resolves after this long at most; the source is then Unknown until it reads. Default 3000 ms. */
  startTimeoutMs?: number;
  /** A probe of the table (confirm) not answered within this long makes the source Unknown. Default 2000 ms. */
  probeTimeoutMs?: number;
  /** The source confirms itself this often (a probe when nothing read the table meanwhile); 0: only before writes. Default 5000 ms. */
  probeEveryMs?: number;
  connection?: ConnectionTuning;
}

export class DatabaseSource implements Source {
  readonly name = 'database';
  readonly #o: DatabaseSourceOptions;
  readonly #log: Logger;
  readonly #problems: ProblemLog;
  readonly #timers: Timers;
  readonly #random: () => number;
  readonly #pool: pg.Pool;
  readonly #reader: RowReader;
  readonly #limits: InputLimits;
  readonly #parser: InputParser;
  readonly #listener: SupervisedListener;
  readonly #batch: IdBatch;
  #rows = new Map<string, DatabaseRow>();
  /** Valid rows held back by the quota (--max-row-apps) at the last publish. */
  #held: ReadonlySet<string> = new Set();
  #revision: string | undefined;
  #snapshot: SourceSnapshot = emptySnapshot('database', 'Pending');
  #onChange: ((c: SourceChange) => void) | undefined;
  #chain: Promise<void> = Promise.resolve();
  #flushTimer: unknown;
  #unknownTimer: unknown;
  #retryTimer: unknown;
  #probeTimer: unknown;
  #readFailures = 0;
  #stopped = false;
  /** When the last read or probe that found the table readable began (timers.now()). */
  #confirmedAt = Number.NEGATIVE_INFINITY;
  /** The probe in progress: callers meanwhile share it. */
  #probing: Promise<void> | undefined;
  /** Probes sent so far (tests: a recent read spares one). */
  probes = 0;

  constructor(options: DatabaseSourceOptions) {
    this.#o = options;
    this.#log = options.logger.child({ source: 'database' });
    this.#problems = new ProblemLog('row', this.#log);
    this.#timers = options.timers ?? systemTimers;
    this.#random = options.random ?? Math.random;
    this.#pool = createPool(options.url, {
      purpose: 'read',
      ...(options.instance ? { instance: options.instance } : {}),
      max: 2,
      logger: this.#log,
      ...options.connection,
    });
    this.#limits = options.limits ?? DEFAULT_INPUT_LIMITS;
    this.#parser = options.parser ?? INLINE_PARSER;
    this.#reader = new RowReader(this.#pool, {
      maxRowBytes: this.#limits.maxRowBytes,
      ...(options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {}),
    });
    this.#batch = new IdBatch(options.fullReadAbove ?? 5_000);
    this.#listener = new SupervisedListener({
      connection: clientConfig(options.url, 'listen', options.instance, options.connection),
      channel: APPS_CHANNEL,
      logger: this.#log,
      timers: this.#timers,
      random: this.#random,
      ...(options.healthIntervalMs !== undefined ? { healthIntervalMs: options.healthIntervalMs } : {}),
      ...(options.healthTimeoutMs !== undefined ? { healthTimeoutMs: options.healthTimeoutMs } : {}),
      onNotification: (payload) => this.#onNotification(payload),
      onConnected: () => this.#onConnected(),
      onLost: (reason) => this.#onLost(reason),
    });
  }

  /** Queries that read rows so far (whole table or a chunk of ids). */
  get rowQueries(): number {
    return this.#reader.queries;
  }

  /** The listener, for tests and metrics (reconnections, subscribers created). */
  get listener(): SupervisedListener {
    return this.#listener;
  }

  snapshot(): SourceSnapshot {
    return this.#snapshot;
  }

  async start(onChange: (c: SourceChange) => void): Promise<void> {
    this.#onChange = onChange;
    const first = (async () => {
      if (this.#o.schemaReady) await Promise.race([this.#o.schemaReady.catch(() => undefined), this.#sleep(this.#o.schemaWaitMs ?? 5_000)]);
      const listening = await this.#listener.start();
      if (!listening) this.#markUnknown(`cannot listen for changes: ${this.#listener.lastError}`);
      // The full read that onConnected queued: the first read attempt.
      await this.#chain;
    })();
    // A database that does not answer at all (a host gone) must not hold the daemon's start:
    // after startTimeoutMs the source is Unknown, and Ready once the listener gets through.
    const startTimeoutMs = this.#o.startTimeoutMs ?? 3_000;
    const late = await Promise.race([first.then(() => false), this.#sleep(startTimeoutMs).then(() => true)]);
    if (late && this.#snapshot.state === 'Pending') this.#markUnknown(`no answer from the database within ${startTimeoutMs} ms`);
    this.#armProbe();
  }

  /** The next self-confirmation: a table gone unnoticed shows Unknown in status within probeEveryMs (plus the probe). */
  #armProbe(): void {
    const every = this.#o.probeEveryMs ?? 5_000;
    if (every <= 0 || this.#stopped) return;
    this.#probeTimer = this.#timers.setTimeout(() => {
      this.#probeTimer = undefined;
      void this.confirm(every).finally(() => this.#armProbe());
    }, every);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => this.#timers.setTimeout(resolve, ms));
  }

  async resync(): Promise<void> {
    await this.#serial(() => this.#readAll('resync'));
  }

  async confirm(maxAgeMs: number): Promise<void> {
    if (this.#fresh(maxAgeMs)) return;
    this.#probing ??= this.#serial(() => this.#probe(maxAgeMs)).finally(() => {
      this.#probing = undefined;
    });
    await this.#probing;
  }

  /** Nothing to confirm: read or probed recently, or not Ready (Unknown and Pending already hold everything back). */
  #fresh(maxAgeMs: number): boolean {
    return this.#stopped || this.#snapshot.state !== 'Ready' || this.#timers.now() - this.#confirmedAt < maxAgeMs;
  }

  async #probe(maxAgeMs: number): Promise<void> {
    // A read that ran while this probe waited its turn may have confirmed the table already.
    if (this.#fresh(maxAgeMs)) return;
    const began = this.#timers.now();
    this.probes++;
    try {
      await withTimeout(this.#reader.probe(), this.#o.probeTimeoutMs ?? 2_000, 'probe of maracker.apps', this.#timers);
      this.#confirmedAt = began;
    } catch (err) {
      this.#markUnknown(`cannot read maracker.apps: ${errorMessage(err)}`);
      this.#scheduleRetry();
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of [this.#flushTimer, this.#unknownTimer, this.#retryTimer, this.#probeTimer]) if (t !== undefined) this.#timers.clearTimeout(t);
    await this.#listener.stop();
    await this.#chain;
    await this.#pool.end().catch(() => undefined);
  }

  #serial(task: () => Promise<void>): Promise<void> {
    const run = this.#chain.then(task, task);
    this.#chain = run.catch((err: unknown) => this.#log.error({ err }, 'database source task failed'));
    return this.#chain;
  }

  #onNotification(payload: string): void {
    if (this.#stopped) return;
    this.#batch.add(payload);
    if (this.#flushTimer !== undefined) return;
    this.#flushTimer = this.#timers.setTimeout(() => {
      this.#flushTimer = undefined;
      // The batch is taken when the read starts, not now: ids that arrive while an earlier
      // read runs join this one.
      void this.#serial(() => this.#readBatch());
    }, this.#o.batchWindowMs ?? 5);
  }

  #onConnected(): void {
    if (this.#unknownTimer !== undefined) this.#timers.clearTimeout(this.#unknownTimer);
    this.#unknownTimer = undefined;
    void this.#serial(() => this.#readAll('connected'));
  }

  #onLost(reason: string): void {
    if (this.#unknownTimer !== undefined || this.#stopped) return;
    // A quick reconnection (a terminated backend, a failover) is followed by a full read and
    // need not flap the source; a longer loss makes it Unknown.
    this.#unknownTimer = this.#timers.setTimeout(() => {
      this.#unknownTimer = undefined;
      if (!this.#listener.connected && !this.#stopped) this.#markUnknown(reason);
    }, this.#o.unknownAfterMs ?? 1_000);
  }

  async #readBatch(): Promise<void> {
    if (this.#batch.empty || this.#stopped) return;
    const batch = this.#batch.take();
    if ('all' in batch || this.#snapshot.state !== 'Ready') return this.#readAll('notified');
    const began = this.#timers.now();
    let rows: AppRow[];
    try {
      rows = await this.#reader.readIds(batch.ids);
    } catch (err) {
      // Those changes are not known: nothing is trusted until a full read succeeds.
      this.#markUnknown(`cannot read maracker.apps: ${errorMessage(err)}`);
      this.#scheduleRetry();
      return;
    }
    const next = new Map(this.#rows);
    const found = new Map(rows.map((r) => [r.id, r]));
    for (const id of batch.ids) {
      const row = found.get(id);
      if (row) next.set(id, await this.#translate(row));
      else next.delete(id);
    }
    this.#confirmedAt = Math.max(this.#confirmedAt, began);
    this.#publish(next, { ids: new Set(batch.ids) });
  }

  async #readAll(reason: string): Promise<void> {
    if (this.#stopped) return;
    if (this.#retryTimer !== undefined) this.#timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    // Whatever was notified before this read is in it.
    this.#batch.take();
    const began = this.#timers.now();
    let rows: AppRow[];
    try {
      rows = await this.#reader.readAll();
    } catch (err) {
      this.#markUnknown(`cannot read maracker.apps: ${errorMessage(err)}`);
      if (this.#listener.connected) this.#scheduleRetry();
      return;
    }
    this.#readFailures = 0;
    const next = new Map<string, DatabaseRow>();
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as AppRow;
      next.set(row.id, await this.#translate(row));
      // Validating 10,000 specs takes a while: let the status server and health queries in.
      if (i % 500 === 499) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const was = this.#snapshot.state;
    this.#confirmedAt = Math.max(this.#confirmedAt, began);
    this.#publish(next, { all: true });
    if (was !== 'Ready') this.#log.info({ apps: this.#snapshot.apps.size, invalid: this.#snapshot.invalid.size, reason }, 'database source read');
  }

  /**
   * Reuses the previous translation of a row whose revision did not change. Never rejects:
   * whatever goes wrong with one row makes that row invalid, and every other row (of this
   * batch, of later ones, at start-up too) is still applied.
   */
  async #translate(row: AppRow): Promise<DatabaseRow> {
    const before = this.#rows.get(row.id);
    if (before && before.revision === row.revision && !hasTransientFailure(before.result.problems)) return before;
    let result: RowResult;
    try {
      result = await this.#parser.translateRow(
        { id: row.id, spec: row.spec, labels: row.labels, bytes: Number(row.bytes) },
        { ...this.#o.translate, adopt: row.adopt === true, limits: this.#limits },
      );
    } catch (err) {
      this.#log.error({ row: row.id, failure: stackOf(err) }, 'row could not be handled: reported invalid');
      const { code, message } = failureOf(err);
      result = { problems: [{ code, message, location: { row: row.id } }] };
    }
    const routes = lastGoodRoutes(result, before);
    return { id: row.id, result, revision: row.revision, ...(routes && routes.length > 0 ? { lastGoodRoutes: routes } : {}) };
  }

  #publish(rows: Map<string, DatabaseRow>, change: SourceChange): void {
    if (this.#stopped) return;
    this.#rows = rows;
    for (const r of rows.values()) this.#revision = maxRevision(this.#revision, r.revision);
    this.#snapshot = databaseSnapshot(
      rows,
      { lastReadAt: new Date(this.#timers.now()), ...(this.#revision ? { revision: this.#revision } : {}) },
      this.#limits.maxRowApps,
    );
    const invalid = this.#snapshot.invalid;
    this.#problems.update(new Map([...rows.keys()].map((id) => [id, invalid.get(id) ?? []])));
    // The quota makes a row's fate depend on the others: a delete can free a row held back, an
    // insert hold one back. Those rows changed too, though no notification named them.
    // Held back: valid rows the snapshot made invalid (the quota is all that does).
    const held = new Set([...invalid.keys()].filter((id) => rows.get(id)?.result.app !== undefined));
    const moved = [...held].filter((id) => !this.#held.has(id)).concat([...this.#held].filter((id) => !held.has(id)));
    this.#held = held;
    this.#onChange?.(moved.length > 0 && 'ids' in change ? { ids: new Set([...change.ids, ...moved]) } : change);
  }

  #markUnknown(message: string): void {
    if (this.#stopped) return;
    const was = this.#snapshot.state;
    if (was === 'Unknown' && this.#snapshot.lastError?.message === message) return;
    this.#snapshot = {
      ...emptySnapshot('database', 'Unknown', { message }),
      lastKnownIds: snapshotIds(this.#snapshot),
      ...(this.#snapshot.lastReadAt ? { lastReadAt: this.#snapshot.lastReadAt } : {}),
      ...(this.#revision ? { revision: this.#revision } : {}),
    };
    if (was !== 'Unknown') this.#log.error({ err: message }, 'database source unknown: nothing it declares will be deleted until it is read again');
    this.#onChange?.({ all: true });
  }

  #scheduleRetry(): void {
    if (this.#retryTimer !== undefined || this.#stopped) return;
    this.#readFailures++;
    this.#retryTimer = this.#timers.setTimeout(
      () => {
        this.#retryTimer = undefined;
        void this.#serial(() => this.#readAll('retry'));
      },
      backoffDelay(this.#readFailures, this.#o.backoff ?? BACKOFF.database, this.#random),
    );
  }
}
