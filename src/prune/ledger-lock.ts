// One daemon at a time writes a prune ledger file. Two daemons of one installation on one host
// (same name, same Marathon, same state folder, no database) would otherwise share it: each
// counts only the deletions it read at start and its own, so together they delete twice the
// budget, and one's rewrite of the file (ledger-file.ts) drops the lines the other appended
// since it read it.
//
// The lock is a file beside the ledger, made with O_EXCL, naming its holder (pid, host, pid
// namespace). The holder touches it every `refreshMs` and checks it is still the file it
// made. A lock is taken over when its holder is known dead (same host and pid namespace, and
// that pid is gone, or is this very process: a restarted container) or when it has not been
// touched for `staleMs` (a holder elsewhere, that died). A holder that finds its lock gone or
// replaced has lost it: the ledger then refuses to record, so the guard sends no delete, until
// maracker is restarted.
//
// Written here rather than taken from a library (proper-lockfile): its staleness is by age
// only, so a daemon restarted at once after a crash would wait the whole stale period, and it
// patches process.emit (signal-exit) in a daemon that handles its own signals.

import { constants, readlinkSync } from 'node:fs';
import { type FileHandle, lstat, open, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { errorMessage } from '../base/errors.js';
import { readPrivateFile } from '../base/private-file.js';
import { systemTimers, type Timers } from '../base/timers.js';

/** The lock is touched this often. */
export const LEDGER_LOCK_REFRESH_MS = 10_000;
/** A lock untouched for this long is taken over (three refreshes missed). */
export const LEDGER_LOCK_STALE_MS = 30_000;

export interface LedgerLockOptions {
  /** Told once, when the lock is found gone or replaced. */
  onLost: (reason: string) => void;
  timers?: Timers;
  refreshMs?: number;
  staleMs?: number;
}

/** A lock larger than this is not read: its owner is unknown. */
const OWNER_MAX_BYTES = 4096;

interface Owner {
  pid: number;
  host: string;
  pidns: string | null;
  since: string;
}

export class LedgerLock {
  readonly #path: string;
  readonly #o: Required<Omit<LedgerLockOptions, 'timers'>> & { timers: Timers };
  #handle: FileHandle | undefined;
  #ino = -1;
  #timer: unknown;
  #lost: string | undefined;

  /** Not held yet: use `LedgerLock.acquire`. */
  constructor(path: string, o: LedgerLockOptions) {
    this.#path = path;
    this.#o = { timers: systemTimers, refreshMs: LEDGER_LOCK_REFRESH_MS, staleMs: LEDGER_LOCK_STALE_MS, ...o };
  }

  /** Takes the lock at `path`, or rejects naming its holder. */
  static async acquire(path: string, o: LedgerLockOptions): Promise<LedgerLock> {
    const lock = new LedgerLock(path, o);
    await lock.#take();
    return lock;
  }

  /** Why the lock is no longer this process's, if it is not. */
  get lost(): string | undefined {
    return this.#lost;
  }

  async release(): Promise<void> {
    if (this.#timer !== undefined) this.#o.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle === undefined) return;
    if (this.#lost === undefined && (await this.#stillOurs())) await unlink(this.#path).catch(() => undefined);
    await handle.close().catch(() => undefined);
  }

  async #take(): Promise<void> {
    if (await this.#create()) return;
    const holder = await this.#holder();
    if (!holder.stale)
      throw new Error(`in use by another maracker (${holder.said}); a second daemon of this installation needs a --database, or its own --installation`);
    // Gone or stale: removed, then made anew. Two daemons doing this at once could both
    // believe they hold it; the refresh finds the loser within refreshMs.
    await unlink(this.#path).catch(() => undefined);
    if (!(await this.#create())) throw new Error(`taken by another maracker at the same moment (${(await this.#holder()).said})`);
  }

  /** Makes the lock file; false when one is there. */
  async #create(): Promise<boolean> {
    let handle: FileHandle;
    try {
      handle = await open(this.#path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw new Error(`cannot make the lock ${this.#path}: ${errorMessage(err)}`, { cause: err });
    }
    try {
      const owner: Owner = { pid: process.pid, host: hostname(), pidns: pidNamespace(), since: new Date(this.#o.timers.now()).toISOString() };
      await handle.write(`${JSON.stringify(owner)}\n`);
      this.#ino = (await handle.stat()).ino;
    } catch (err) {
      await handle.close().catch(() => undefined);
      await unlink(this.#path).catch(() => undefined);
      throw new Error(`cannot write the lock ${this.#path}: ${errorMessage(err)}`, { cause: err });
    }
    this.#handle = handle;
    this.#schedule();
    return true;
  }

  /** Who holds the lock there, and whether it may be taken over. */
  async #holder(): Promise<{ stale: boolean; said: string }> {
    let st: Awaited<ReturnType<typeof lstat>>;
    try {
      st = await lstat(this.#path);
    } catch {
      return { stale: true, said: 'gone' };
    }
    const owner = st.isFile() ? await readOwner(this.#path) : undefined;
    const ageMs = this.#o.timers.now() - st.mtimeMs;
    const said = owner ? `pid ${owner.pid} on ${owner.host}, since ${owner.since}, touched ${Math.round(ageMs / 1000)} s ago` : 'an unreadable lock';
    if (ageMs > this.#o.staleMs) return { stale: true, said };
    if (owner && owner.host === hostname() && owner.pidns !== null && owner.pidns === pidNamespace()) {
      if (owner.pid === process.pid || !alive(owner.pid)) return { stale: true, said };
    }
    return { stale: false, said };
  }

  #schedule(): void {
    this.#timer = this.#o.timers.setTimeout(() => void this.#refresh(), this.#o.refreshMs);
  }

  async #refresh(): Promise<void> {
    this.#timer = undefined;
    const handle = this.#handle;
    if (handle === undefined || this.#lost !== undefined) return;
    const ours = await this.#stillOurs();
    // Released meanwhile (the daemon stopping): its lock is gone on purpose.
    if (this.#handle !== handle) return;
    if (!ours) {
      this.#lost = `the lock ${this.#path} was removed or replaced by another process`;
      this.#o.onLost(this.#lost);
      return;
    }
    const now = new Date(this.#o.timers.now());
    await handle.utimes(now, now).catch(() => undefined);
    if (this.#handle !== undefined) this.#schedule();
  }

  async #stillOurs(): Promise<boolean> {
    try {
      const st = await lstat(this.#path);
      return st.isFile() && st.ino === this.#ino;
    } catch {
      return false;
    }
  }
}

async function readOwner(path: string): Promise<Owner | undefined> {
  try {
    // A private file of at most 4 KiB: what a holder writes is one short line.
    const read = await readPrivateFile(path, OWNER_MAX_BYTES);
    if (read.kind !== 'read') return undefined;
    const v = JSON.parse(read.text) as Partial<Owner>;
    if (typeof v.pid !== 'number' || !Number.isInteger(v.pid) || v.pid <= 0 || typeof v.host !== 'string') return undefined;
    return {
      pid: v.pid,
      host: v.host.slice(0, 255),
      pidns: typeof v.pidns === 'string' ? v.pidns : null,
      since: typeof v.since === 'string' ? v.since.slice(0, 40) : '?',
    };
  } catch {
    return undefined;
  }
}

/** The pid namespace of this process (Linux), so that a pid is only compared within one. */
function pidNamespace(): string | null {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
