// Leader election over a PostgreSQL session-level advisory lock, held on a DEDICATED
// connection: exactly one daemon holds it and writes to Marathon; the others are followers
// that try again every `retryMs`.
//
// How leadership ends, and how fast:
// - the leader stops or dies (SIGKILL): its socket closes, the server drops the session and
//   the lock with it; a follower takes it on its next try (≤ retryMs);
// - its host vanishes without closing TCP: per-session keepalives (idle 5 s, every 2 s,
//   3 probes) and tcp_user_timeout make the server drop the session in about 11 s;
// - it is paused (SIGSTOP) or cut off: the leader queries its session every `heartbeatMs`;
//   idle_session_timeout (10 s) makes the server end a session that went silent, so the
//   lock passes on. When the old leader wakes, canWrite() checks on the lock session that
//   the lock is still granted to it before every write batch: it is not, so it writes
//   nothing, and loses leadership at once.
// Any error on the lock connection is a loss of leadership, reported to subscribers at once.

import pg from 'pg';
import { errorMessage } from '../base/errors.js';
import type { Logger } from '../base/log.js';
import type { Leadership } from '../model/leadership.js';
import { systemTimers, type Timers } from '../base/timers.js';
import { abandonClient, clientConfig, withTimeout } from '../postgres/connection.js';
import { LEADER_LOCK, LOCK_NAMESPACE } from '../postgres/names.js';

export interface LeaderElectionOptions {
  url: string;
  /** Name of this daemon (application_name of the lock session, logs). */
  instance: string;
  logger: Logger;
  timers?: Timers;
  /** Followers try to take the lock this often. Default 2000 ms. */
  retryMs?: number;
  /** The leader confirms its lock this often, writes or not. Default 2000 ms. */
  heartbeatMs?: number;
  /** How long a lock check may take before leadership counts as lost. Default 2000 ms. */
  checkTimeoutMs?: number;
  /** Default 5000 ms. */
  connectTimeoutMs?: number;
  /** Server-side TCP keepalive of the lock session, seconds. Default idle 5, interval 2, count 3. */
  keepalive?: { idle: number; interval: number; count: number };
  /** Server ends the lock session after this much silence (0 = never). Default 10000 ms. */
  idleSessionTimeoutMs?: number;
  /** Default 5000 ms. */
  statementTimeoutMs?: number;
}

export class LeaderElection implements Leadership {
  readonly #o: LeaderElectionOptions;
  readonly #log: Logger;
  readonly #timers: Timers;
  readonly #listeners = new Set<(leader: boolean) => void>();
  #client: pg.Client | undefined;
  #connecting: Promise<pg.Client> | undefined;
  #leader = false;
  #checking: Promise<boolean> | undefined;
  #timer: unknown;
  #ticking = false;
  #stopped = false;
  #started = false;

  constructor(options: LeaderElectionOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'leader-election', instance: options.instance });
    this.#timers = options.timers ?? systemTimers;
  }

  get isLeader(): boolean {
    return this.#leader;
  }

  /** Backend pid of the lock session (tests terminate it), when connected. */
  get backendPid(): number | undefined {
    return (this.#client as unknown as { processID?: number } | undefined)?.processID;
  }

  /** Makes the first attempt; resolves when it is done (leader or not, database up or not). */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await this.#tick();
  }

  subscribe(listener: (leader: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * True only when the lock session answers, now, that it holds the lock. Concurrent calls
   * share one query. A failed or slow check loses leadership (the lock may be gone).
   */
  canWrite(): Promise<boolean> {
    if (!this.#leader || !this.#client || this.#stopped) return Promise.resolve(false);
    this.#checking ??= this.#confirm().finally(() => {
      this.#checking = undefined;
    });
    return this.#checking;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    const client = this.#client ?? (await this.#connecting?.catch(() => undefined));
    this.#client = undefined;
    // Ending the session releases the lock; the next daemon takes it on its next try.
    if (client) await abandonClient(client, this.#timers);
    this.#setLeader(false, 'stopping');
  }

  #schedule(): void {
    if (this.#stopped) return;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    const ms = this.#leader ? (this.#o.heartbeatMs ?? 2_000) : (this.#o.retryMs ?? 2_000);
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      void this.#tick();
    }, ms);
  }

  async #tick(): Promise<void> {
    if (this.#stopped || this.#ticking) return;
    this.#ticking = true;
    try {
      if (this.#leader) {
        await this.canWrite();
      } else {
        const client = this.#client ?? (await this.#connect());
        const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [LOCK_NAMESPACE, LEADER_LOCK]);
        if (r.rows[0]?.ok === true && client === this.#client && !this.#stopped) this.#setLeader(true, 'took the lock');
      }
    } catch (err) {
      this.#log.debug({ err: errorMessage(err) }, 'leader election attempt failed');
      this.#drop(this.#client, errorMessage(err));
    } finally {
      this.#ticking = false;
      this.#schedule();
    }
  }

  async #confirm(): Promise<boolean> {
    const client = this.#client;
    if (!client) return false;
    try {
      const r = await withTimeout(
        client.query<{ held: boolean }>(
          `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND objsubid = 2
             AND pid = pg_backend_pid() AND granted) AS held`,
          [LOCK_NAMESPACE, LEADER_LOCK],
        ),
        this.#o.checkTimeoutMs ?? 2_000,
        'leadership check',
        this.#timers,
      );
      if (r.rows[0]?.held === true && client === this.#client && this.#leader) return true;
      this.#drop(client, 'the lock is no longer held by this session');
      return false;
    } catch (err) {
      this.#drop(client, errorMessage(err));
      return false;
    }
  }

  #connect(): Promise<pg.Client> {
    this.#connecting ??= (async () => {
      const client = new pg.Client(
        clientConfig(this.#o.url, 'lock', this.#o.instance, {
          connectTimeoutMs: this.#o.connectTimeoutMs ?? 5_000,
          queryTimeoutMs: (this.#o.checkTimeoutMs ?? 2_000) * 2,
          statementTimeoutMs: this.#o.statementTimeoutMs ?? 5_000,
        }),
      );
      // Any error or end of the lock session is a loss of leadership, at once.
      client.on('error', (err) => this.#drop(client, err.message));
      client.on('end', () => this.#drop(client, 'connection ended'));
      try {
        await client.connect();
        await this.#tuneSession(client);
      } catch (err) {
        await abandonClient(client, this.#timers);
        throw err;
      }
      if (this.#stopped) {
        await abandonClient(client, this.#timers);
        throw new Error('stopped');
      }
      this.#client = client;
      return client;
    })().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  /** Settings the server applies to this session; one unknown to an older server is skipped. */
  async #tuneSession(client: pg.Client): Promise<void> {
    const k = this.#o.keepalive ?? { idle: 5, interval: 2, count: 3 };
    const settings: Array<[string, string]> = [
      ['tcp_keepalives_idle', String(k.idle)],
      ['tcp_keepalives_interval', String(k.interval)],
      ['tcp_keepalives_count', String(k.count)],
      ['tcp_user_timeout', String((k.idle + k.interval * k.count) * 1000)],
      ['idle_session_timeout', String(this.#o.idleSessionTimeoutMs ?? 10_000)],
    ];
    for (const [name, value] of settings) {
      try {
        await client.query('SELECT set_config($1, $2, false)', [name, value]);
      } catch (err) {
        this.#log.debug({ setting: name, err: errorMessage(err) }, 'session setting not supported by this server');
      }
    }
  }

  #drop(client: pg.Client | undefined, reason: string): void {
    if (!client || client !== this.#client) return;
    this.#client = undefined;
    void abandonClient(client, this.#timers);
    this.#setLeader(false, reason);
    this.#schedule();
  }

  #setLeader(leader: boolean, reason: string): void {
    if (leader === this.#leader) return;
    this.#leader = leader;
    if (leader) this.#log.info({ reason }, 'leader: this daemon writes to Marathon');
    else if (!this.#stopped) this.#log.warn({ reason }, 'leadership lost: this daemon stops writing to Marathon');
    for (const l of this.#listeners) {
      try {
        l(leader);
      } catch (err) {
        this.#log.error({ err: errorMessage(err) }, 'leadership listener failed');
      }
    }
  }
}
