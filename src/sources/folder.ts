// The manifests folder as a source. File events are hints, never the truth: the kernel's
// inotify queue overflows silently (measured here: 27% of 10,000 changes delivered after a
// large `git checkout`), so after a burst of events, and on every resync, the folder is
// re-scanned. A rescan re-reads only files whose stamp (size, times, inode) changed; it
// lists the folder and stamps every file in a worker thread when it can (./folder-sweep.ts),
// on the event loop otherwise.
//
// A change is applied only once the file is complete (./settle.ts): an atomic save at once,
// a file rewritten in place once it has been left alone for `settleMs`. Until then the
// file's previous content stays in force, and a new file still being written protects the
// apps labelled with its name.
//
// A folder that cannot be listed makes the source Unknown (never empty); a file that cannot
// be parsed makes the apps it declared (or last declared) invalid, nothing else. Before a
// write, `confirm` checks that the folder is still the one listed (events about the folder
// itself can be lost as well) when it was last listed or checked too long ago.

import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { batches } from '../base/batches.js';
import type { Logger } from '../base/log.js';
import type { AppId } from '../model/app-id.js';
import { hasTransientFailure } from '../manifest/failure.js';
import { listManifestFiles } from '../manifest/folder.js';
import type { InputParser } from '../manifest/input-parser.js';
import type { InputLimits } from '../manifest/limits.js';
import { ManifestReader } from '../manifest/reader.js';
import type { TranslateOptions } from '../manifest/types.js';
import { sleep, systemTimers, type Timers } from '../base/timers.js';
import { sameStamp, stampOf, type FileStamp } from './file-stamp.js';
import type { FileRead } from '../manifest/file-read.js';
import { FolderSweeper, type FolderSweepOptions, type ReadAhead } from './folder-sweep.js';
import { folderSnapshot, type FolderFile, lastGood } from './folder-snapshot.js';
import { FolderWatcher, type WatchEvent } from './folder-watcher.js';
import { readGitRevision, type GitRevisionOptions } from './git.js';
import { ProblemLog } from './problem-log.js';
import { DEFAULT_SETTLE_MS, goneDecision, settleDecision, type Activity } from './settle.js';
import { emptySnapshot, snapshotIds, type Source, type SourceChange, type SourceSnapshot } from './source.js';
import { StampList, type Stamps } from './stamp-table.js';
import { errorMessage } from '../base/errors.js';

/** See FolderSourceOptions.fullReadEveryMs. */
export const DEFAULT_FULL_READ_EVERY_MS = 3_600_000;

/** The same declarations and problems from a file read again (stamps aside). */
function sameResult(a: FileState, b: FileState): boolean {
  return (
    JSON.stringify(a.result) === JSON.stringify(b.result) &&
    JSON.stringify(a.lastGoodIds) === JSON.stringify(b.lastGoodIds) &&
    JSON.stringify(a.lastGoodHosts ?? []) === JSON.stringify(b.lastGoodHosts ?? [])
  );
}

export interface FolderSourceOptions {
  /** Absolute path of the manifests folder. */
  dir: string;
  /** How paths are shown in problems, e.g. "manifests". Default: dir. */
  displayRoot?: string;
  translate?: TranslateOptions;
  /** Limits on each file (size, documents, depth, ...). Default: DEFAULT_INPUT_LIMITS. */
  limits?: InputLimits;
  /** Where files are parsed (a worker pool for large ones). Default: in this thread. */
  parser?: InputParser;
  /** Events are collected this long before files are looked at. Default 10 ms. */
  debounceMs?: number;
  /** A file written in place is read once left alone this long. Default DEFAULT_SETTLE_MS (250 ms). */
  settleMs?: number;
  /** start() and resync() wait at most this long for files being written. Default 5000 ms. */
  settleWaitMs?: number;
  /** More events than this before a flush means a burst: rescan instead. Default 100. */
  burstThreshold?: number;
  /** After a burst, wait for this much quiet before rescanning. Default 250 ms. */
  burstQuietMs?: number;
  /** After a burst's rescan, scan once more this much later (events lost in the overflow). Default 2000 ms. */
  burstSettleMs?: number;
  /** Watch with chokidar. Default true; false relies on resyncs only. */
  watch?: boolean;
  /**
   * The watcher starts once this settles (and the folder was read), not at the first read:
   * its walk of the folder (chokidar stats every file: about half a second of the event loop
   * at 10,000 files) then does not delay the daemon's first full sync, which needs no events.
   * Once ready, the watcher has the folder read again, so nothing changed meanwhile is missed.
   * Default: at the first read.
   */
  watchAfter?: Promise<unknown>;
  /** Poll instead of inotify (network filesystems). Default false. */
  usePolling?: boolean;
  /** How git is run for the folder's revision. Default: an empty environment, no ownership rule. */
  git?: GitRevisionOptions;
  logger: Logger;
  timers?: Timers;
  /** Wall clock, compared with files' modification times. Default Date.now. */
  wallClock?: () => number;
  /**
   * Every file is read again at the first rescan this long after the last full read, whatever
   * its stamp says (0: never). A file rewritten with the same size within one tick of a
   * coarse file system clock (1 or 2 s on some network and older file systems) keeps its
   * stamp, and its new content would otherwise never be seen. Default 1 hour.
   */
  fullReadEveryMs?: number;
  /** How a file's stamp is taken. Default stampOf; tests stand in a coarse file system clock (no sweep then). */
  stamp?: (abs: string) => Promise<FileStamp>;
  /**
   * How a rescan lists the folder and stamps every file: in a worker thread, with a bound on
   * its answer (./folder-sweep.ts), or false: on the event loop. Default: the worker, unless
   * `stamp` is given. Whatever happens to the worker, the rescan falls back to the event loop.
   */
  sweep?: FolderSweepOptions | false;
}

interface FileState extends FolderFile {
  stamp: FileStamp;
}

/** A changed file whose new content is not in force yet. */
interface Settling {
  stamp: FileStamp;
  /** Since when (timers.now()) `stamp` has been seen unchanged. */
  since: number;
  /** When (timers.now()) to look at it again. */
  dueAt: number;
  /** Logged once when a file stays unsettled for long. */
  warned: boolean;
  firstSeenAt: number;
}

type Options = Required<
  Omit<FolderSourceOptions, 'displayRoot' | 'translate' | 'limits' | 'parser' | 'timers' | 'logger' | 'wallClock' | 'git' | 'stamp' | 'sweep' | 'watchAfter'>
> & {
  displayRoot: string;
};

export class FolderSource implements Source {
  readonly name = 'folder';
  readonly #o: Options;
  readonly #git: GitRevisionOptions;
  /** How one file is read and parsed: everything else here is about when. */
  readonly #reader: ManifestReader;
  /** The folder's real path, resolved once per rescan or look (ManifestReader.resolveRoot). */
  #root: string | undefined;
  readonly #log: Logger;
  readonly #timers: Timers;
  readonly #wall: () => number;
  readonly #watcher: FolderWatcher | undefined;
  #files = new Map<string, FileState>();
  /** What the last snapshot was built with, besides the files. */
  #published: { pending: readonly string[]; unread: readonly string[]; changing: readonly string[] } = { pending: [], unread: [], changing: [] };
  readonly #activity = new Map<string, Activity>();
  readonly #settling = new Map<string, Settling>();
  readonly #problems: ProblemLog;
  #settledWaiters: Array<() => void> = [];
  #snapshot: SourceSnapshot = emptySnapshot('folder', 'Pending');
  #revision: { commit: string; dirty: boolean } | undefined;
  /** Why there is no revision although the folder is in a work tree (logged once per reason). */
  #revisionError: string | undefined;
  #onChange: ((c: SourceChange) => void) | undefined;
  #pending = new Set<string>();
  #rescanPending = false;
  #eventsSinceFlush = 0;
  #flushTimer: unknown;
  #burstTimer: unknown;
  /** One timer for every file being written: the earliest look due. */
  #settleTimer: { handle: unknown; at: number } | undefined;
  #chain: Promise<void> = Promise.resolve();
  #stopped = false;
  #revisionRunning = false;
  /** Whether the watcher may start (FolderSourceOptions.watchAfter settled). */
  #watchAllowed = true;
  #revisionAgain = false;
  readonly #stampOf: (abs: string) => Promise<FileStamp>;
  /** How a rescan lists and stamps in a worker thread; started at the first rescan, ended by stop(). */
  readonly #sweepOptions: FolderSweepOptions | undefined;
  #sweeper: FolderSweeper | undefined;
  /** When (timers.now()) every file was last read whatever its stamp. */
  #lastFullReadAt = 0;
  /** The folder listed last (device and inode): a folder put in its place is another one. */
  #listedFolder: { dev: number; ino: number } | undefined;
  /** When (timers.now()) the last listing, look or check that found the folder readable began. */
  #confirmedAt = Number.NEGATIVE_INFINITY;
  /** The check in progress: callers meanwhile share it. */
  #confirming: Promise<void> | undefined;

  constructor(options: FolderSourceOptions) {
    this.#o = {
      dir: options.dir,
      displayRoot: options.displayRoot ?? options.dir,
      debounceMs: options.debounceMs ?? 10,
      settleMs: options.settleMs ?? DEFAULT_SETTLE_MS,
      settleWaitMs: options.settleWaitMs ?? 5000,
      burstThreshold: options.burstThreshold ?? 100,
      burstQuietMs: options.burstQuietMs ?? 250,
      burstSettleMs: options.burstSettleMs ?? 2000,
      watch: options.watch ?? true,
      usePolling: options.usePolling ?? false,
      fullReadEveryMs: options.fullReadEveryMs ?? DEFAULT_FULL_READ_EVERY_MS,
    };
    this.#stampOf = options.stamp ?? stampOf;
    this.#sweepOptions = options.sweep === false || options.stamp !== undefined ? undefined : (options.sweep ?? {});
    this.#git = options.git ?? { env: {}, uid: undefined };
    this.#reader = new ManifestReader({
      dir: options.dir,
      displayRoot: this.#o.displayRoot,
      translate: options.translate ?? {},
      ...(options.limits ? { limits: options.limits } : {}),
      ...(options.parser ? { parser: options.parser } : {}),
    });
    this.#log = options.logger.child({ source: 'folder' });
    this.#problems = new ProblemLog('manifest', this.#log);
    this.#timers = options.timers ?? systemTimers;
    this.#wall = options.wallClock ?? Date.now;
    this.#watcher = this.#o.watch
      ? new FolderWatcher({
          dir: this.#o.dir,
          usePolling: this.#o.usePolling,
          timers: this.#timers,
          logger: this.#log,
          onEvent: (e) => this.#onEvent(e),
          // Changes made between the last scan and the watch starting were not seen.
          onReady: () => this.#requestRescan(this.#o.debounceMs),
          onError: (err) => {
            // e.g. ENOSPC (inotify watch limit): the watcher is unreliable, the resync is not.
            this.#log.warn({ err }, 'file watcher error: relying on rescans');
            this.#requestRescan(this.#o.burstQuietMs);
          },
        })
      : undefined;
    if (this.#watcher !== undefined && options.watchAfter !== undefined) {
      this.#watchAllowed = false;
      const allow = (): void => {
        this.#watchAllowed = true;
        // Only over a folder that was read: a rescan that cannot list it starts nothing either.
        if (!this.#stopped && this.#snapshot.state === 'Ready') this.#watcher?.ensure();
      };
      options.watchAfter.then(allow, allow);
    }
  }

  snapshot(): SourceSnapshot {
    return this.#snapshot;
  }

  /** What the rescan's worker did so far (tests: whether files were read ahead there), if one was asked. */
  get sweepCounts(): Readonly<FolderSweeper['counts']> | undefined {
    return this.#sweeper?.counts;
  }

  /** Whether the file watcher runs (started, not closed); tests see watchAfter hold it back. */
  get watching(): boolean {
    return this.#watcher?.active === true;
  }

  /** Files changed on disk whose new content is not in force yet (being written). */
  get settlingFiles(): string[] {
    return [...this.#settling.keys()].sort();
  }

  async start(onChange: (c: SourceChange) => void): Promise<void> {
    this.#onChange = onChange;
    await this.resync();
  }

  /** Re-scans the folder, then waits (up to settleWaitMs) for files still being written. */
  async resync(): Promise<void> {
    await this.#serial(() => this.#rescan());
    await this.#waitSettled(this.#o.settleWaitMs);
  }

  async confirm(maxAgeMs: number): Promise<void> {
    if (this.#fresh(maxAgeMs)) return;
    this.#confirming ??= this.#check(maxAgeMs).finally(() => {
      this.#confirming = undefined;
    });
    await this.#confirming;
  }

  /** Nothing to confirm: listed or checked recently, or not Ready (Unknown and Pending already hold everything back). */
  #fresh(maxAgeMs: number): boolean {
    return this.#stopped || this.#snapshot.state !== 'Ready' || this.#timers.now() - this.#confirmedAt < maxAgeMs;
  }

  /** The folder is still there, a folder, the same one, and listable; else a rescan says what it is now. */
  async #check(maxAgeMs: number): Promise<void> {
    const began = this.#timers.now();
    const same = await folderIdentity(this.#o.dir).then(
      (id) => id !== undefined && id.dev === this.#listedFolder?.dev && id.ino === this.#listedFolder.ino,
      () => false,
    );
    if (same) {
      this.#confirmedAt = Math.max(this.#confirmedAt, began);
      return;
    }
    await this.#serial(() => (this.#fresh(maxAgeMs) ? Promise.resolve() : this.#rescan()));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of [this.#flushTimer, this.#burstTimer, this.#settleTimer?.handle]) if (t !== undefined) this.#timers.clearTimeout(t);
    this.#settleTimer = undefined;
    this.#settling.clear();
    this.#releaseSettledWaiters();
    // Before waiting for the task in progress: a sweep in flight answers at once (the rescan
    // goes on on the event loop), never waits for its bound.
    await this.#sweeper?.stop();
    await this.#watcher?.close();
    await this.#chain;
  }

  /** Flushes, rescans and settled reads run one at a time, in order. */
  #serial(task: () => Promise<void>): Promise<void> {
    const run = this.#chain.then(task, task);
    this.#chain = run.catch((err: unknown) => this.#log.error({ err }, 'folder source task failed'));
    return this.#chain;
  }

  // --- events ------------------------------------------------------------------------------

  #onEvent(e: WatchEvent): void {
    if (this.#stopped) return;
    this.#eventsSinceFlush++;
    if (e.kind === 'tree') {
      this.#rescanPending = true;
    } else {
      const a = this.#activity.get(e.rel);
      const now = this.#timers.now();
      if (a) {
        a.lastEventAt = now;
        a.modified ||= e.inPlace;
      } else {
        this.#activity.set(e.rel, { lastEventAt: now, modified: e.inPlace });
      }
      this.#pending.add(e.rel);
    }
    const burst = this.#eventsSinceFlush > this.#o.burstThreshold;
    if (burst) this.#rescanPending = true;
    this.#scheduleFlush(burst || this.#rescanPending ? this.#o.burstQuietMs : this.#o.debounceMs, burst);
  }

  #requestRescan(ms: number): void {
    if (this.#stopped) return;
    this.#rescanPending = true;
    this.#scheduleFlush(ms);
  }

  #scheduleFlush(ms: number, restart = false): void {
    if (this.#flushTimer !== undefined) {
      // In a burst, wait for quiet: every new event pushes the rescan back.
      if (!restart) return;
      this.#timers.clearTimeout(this.#flushTimer);
    }
    this.#flushTimer = this.#timers.setTimeout(() => {
      this.#flushTimer = undefined;
      const rescan = this.#rescanPending;
      const burst = this.#eventsSinceFlush > this.#o.burstThreshold;
      const files = [...this.#pending];
      this.#pending.clear();
      this.#rescanPending = false;
      this.#eventsSinceFlush = 0;
      void this.#serial(() => (rescan ? this.#rescan() : this.#look(files)));
      if (burst) this.#scheduleBurstRescan();
    }, ms);
  }

  #scheduleBurstRescan(): void {
    if (this.#burstTimer !== undefined) this.#timers.clearTimeout(this.#burstTimer);
    this.#burstTimer = this.#timers.setTimeout(() => {
      this.#burstTimer = undefined;
      void this.#serial(() => this.#rescan());
    }, this.#o.burstSettleMs);
  }

  // --- reading -----------------------------------------------------------------------------

  /** Looks at the named files (event path): applies what is settled, waits for the rest. */
  async #look(rels: string[]): Promise<void> {
    if (this.#snapshot.state !== 'Ready') return this.#rescan();
    const began = this.#timers.now();
    this.#root = await this.#reader.resolveRoot();
    const stamps: FileStamp[] = [];
    for (const rel of rels) stamps.push(await this.#stampOf(join(this.#o.dir, rel)));
    // A file found gone is a deleted file, or a folder gone (moved away, unmounted) whose
    // tree event is still on its way: only a listing tells them apart, and a folder that
    // cannot be listed is Unknown, never emptied.
    if (this.#root === undefined || rels.some((rel, i) => stamps[i]?.kind === 'missing' && this.#files.has(rel))) return this.#rescan();
    const next = new Map(this.#files);
    const changed = new Set<AppId>();
    for (const [i, rel] of rels.entries()) await this.#consider(rel, next, changed, stamps[i] as FileStamp);
    this.#confirmedAt = Math.max(this.#confirmedAt, began);
    this.#publish(next, changed);
    this.#armSettleTimer();
  }

  /** Lists the whole folder and considers every file whose stamp changed. */
  async #rescan(attempt = 0): Promise<void> {
    const began = this.#timers.now();
    let rels: readonly string[];
    let swept: Stamps | undefined;
    let folder: { dev: number; ino: number } | undefined;
    try {
      ({ rels, stamps: swept } = await this.#list());
      folder = await folderIdentity(this.#o.dir);
    } catch (err) {
      const message = errorMessage(err);
      const wasUnknown = this.#snapshot.state === 'Unknown';
      this.#snapshot = { ...emptySnapshot('folder', 'Unknown', { message }), lastKnownIds: snapshotIds(this.#snapshot), ...this.#meta() };
      if (!wasUnknown)
        this.#log.error({ dir: this.#o.dir, err: message }, 'manifests folder cannot be read: source unknown, nothing it declares will be deleted');
      await this.#watcher?.reset();
      this.#onChange?.({ all: true });
      return;
    }
    const wasReady = this.#snapshot.state === 'Ready';
    const now = this.#timers.now();
    const full = wasReady && this.#o.fullReadEveryMs > 0 && now - this.#lastFullReadAt >= this.#o.fullReadEveryMs;
    if (!wasReady || full) this.#lastFullReadAt = now;
    this.#root = await this.#reader.resolveRoot();
    const listed = new Set(rels);
    const next = new Map<string, FileState>();
    for (const rel of rels) {
      const before = this.#files.get(rel);
      if (before) next.set(rel, before);
    }
    const changed = new Set<AppId>();
    // Files no longer listed stay in force until gone for the settle window (#consider).
    const gone = [...this.#files.keys()].filter((rel) => !listed.has(rel));
    for (const rel of gone) next.set(rel, this.#files.get(rel) as FileState);
    // A new file not read yet that this listing does not find, or a listed file its stat
    // finds gone: files moved while the folder was listed, perhaps to where the listing had
    // looked already. A file gone keeps its apps through this listing (#considerGone).
    let moving = false;
    for (const [rel, s] of [...this.#settling]) {
      if (listed.has(rel) || this.#files.has(rel)) continue;
      if (s.stamp.kind !== 'missing') moving = true;
      this.#unsettle(rel);
    }
    const stamps = swept ?? (await this.#stampAll(rels));
    const due: Array<{ rel: string; stamp: FileStamp }> = [];
    for (const [i, rel] of rels.entries()) {
      // A listed file whose stat fails is read anyway: the failure becomes its problem,
      // protecting what it declared, instead of vanishing like a deleted file.
      if (stamps.unreadable(i) || full || !stamps.same(i, this.#files.get(rel)?.stamp)) due.push({ rel, stamp: stamps.at(i) });
    }
    if (due.some((d) => d.stamp.kind === 'missing' && !this.#files.has(d.rel))) moving = true;
    // Several files at a time: one by one, each file waited for seven thread-pool round trips
    // in turn, which cost a 10,000-file first read seconds of CPU in wake-ups alone. Each file
    // is its own key in every map touched, and the listing's order is restored below.
    // A batch's texts are held at once: bounded in bytes (by the stamps) and in files.
    const readSizes = (d: { stamp: FileStamp }): number => (d.stamp.kind === 'file' ? d.stamp.size : 0);
    for (const batch of batches(due, readSizes, READ_AHEAD_BYTES, READ_AHEAD_FILES)) {
      const ahead = await this.#readAhead(batch);
      await mapChunked(batch, CONSIDER_CONCURRENCY, ({ rel, stamp }, i) => this.#consider(rel, next, changed, stamp, full, ahead?.[i]));
    }
    // After the files read: a file renamed (`git mv`) is gone at once, its apps declared by another.
    const elsewhere = declaredElsewhere(next, new Set(gone));
    for (const rel of gone) this.#considerGone(rel, next, changed, elsewhere, moving);
    // The first read (at start, or after the folder was unreadable) is the whole truth at
    // once: files being written are waited for here, not published half-known.
    if (!wasReady) {
      await this.#settleInline(next, changed);
      // The watcher starts once this first read is published: a file replaced while the read
      // ran (a slow read of a big folder, a checkout under load) would be published as it was
      // when read, and applied before the watcher reports it. Read again what moved, until a
      // look finds nothing new (three times at most; the watcher catches up after that).
      if (attempt < 3 && (await this.#movedSince(next))) {
        this.#files = next;
        return this.#rescan(attempt + 1);
      }
    }
    // After the files settled inline too: they come last into `next`.
    inListingOrder(next, rels);
    this.#listedFolder = folder;
    this.#confirmedAt = Math.max(this.#confirmedAt, began);
    this.#publish(next, wasReady ? changed : 'all');
    this.#armSettleTimer();
    if (this.#watchAllowed) this.#watcher?.ensure();
  }

  /**
   * Whether a file appeared, went or changed since `files` was read. Files being settled and
   * files that could not be read are another matter (waited for, or read at the next rescan).
   */
  async #movedSince(files: ReadonlyMap<string, FileState>): Promise<boolean> {
    let rels: readonly string[];
    let swept: Stamps | undefined;
    try {
      ({ rels, stamps: swept } = await this.#list());
    } catch {
      return true; // gone since: the rescan it asks for finds the folder unreadable (Unknown)
    }
    const listed = new Set(rels);
    if (rels.some((rel) => !files.has(rel) && !this.#settling.has(rel))) return true;
    if ([...files.keys()].some((rel) => !listed.has(rel))) return true;
    const stamps = swept ?? (await this.#stampAll(rels));
    return rels.some((rel, i) => {
      const known = files.get(rel)?.stamp;
      return known?.kind === 'file' && !stamps.same(i, known);
    });
  }

  /**
   * The folder's listing, with every file's stamp when the worker thread took them. Throws
   * as listManifestFiles does: a folder the worker cannot list is listed here again, so that
   * the error is the event loop's own.
   */
  async #list(): Promise<{ rels: readonly string[]; stamps?: Stamps }> {
    if (this.#sweepOptions !== undefined && !this.#stopped) {
      this.#sweeper ??= new FolderSweeper(this.#log, this.#sweepOptions);
      const swept = await this.#sweeper.sweep(this.#o.dir);
      if (swept) return swept;
    }
    return { rels: await listManifestFiles(this.#o.dir) };
  }

  /**
   * The files of a batch read in the worker thread, each with its stamp right after, or
   * undefined (no worker, or it failed): #consider reads them on the event loop then.
   */
  async #readAhead(batch: ReadonlyArray<{ rel: string; stamp: FileStamp }>): Promise<ReadonlyArray<ReadAhead | undefined> | undefined> {
    if (this.#sweeper === undefined || this.#stopped || this.#root === undefined) return undefined;
    const files = batch.filter((d) => d.stamp.kind === 'file');
    if (files.length < READ_AHEAD_MIN) return undefined;
    const read = await this.#sweeper.readFiles({ dir: this.#o.dir, root: this.#root, rels: files.map((d) => d.rel), limits: this.#reader.limits });
    if (read === undefined) return undefined;
    const byRel = new Map(files.map((d, i) => [d.rel, read[i]]));
    return batch.map((d) => byRel.get(d.rel));
  }

  /** Every file's stamp, taken on the event loop (64 at a time). */
  async #stampAll(rels: readonly string[]): Promise<Stamps> {
    return new StampList(await mapChunked(rels, 64, (rel) => this.#stampOf(join(this.#o.dir, rel))));
  }

  /**
   * Decides for one file whose stamp differs from the content in force: read it now (and
   * put the result in `next`), or leave the old content in force and look again later.
   */
  async #consider(rel: string, next: Map<string, FileState>, changed: Set<AppId>, stamp: FileStamp, reread = false, ahead?: ReadAhead): Promise<void> {
    const before = next.get(rel);
    if (stamp.kind === 'missing') {
      this.#considerGone(rel, next, changed);
      return;
    }
    if (!reread && stamp.kind === 'file' && sameStamp(stamp, before?.stamp)) {
      // Nothing new (chokidar repeats itself, or the file changed and changed back).
      this.#unsettle(rel);
      this.#activity.delete(rel);
      return;
    }
    const now = this.#timers.now();
    const settling = this.#settling.get(rel);
    const stableSince = settling && sameStamp(settling.stamp, stamp) ? settling.since : undefined;
    const decision =
      stamp.kind === 'unreadable'
        ? ({ kind: 'read', verify: 'stable' } as const)
        : settleDecision({
            stamp,
            ...(before?.stamp.kind === 'file' ? { previousIno: before.stamp.ino } : {}),
            ...(this.#activity.has(rel) ? { activity: this.#activity.get(rel) as Activity } : {}),
            ...(stableSince !== undefined ? { stableSince } : {}),
            now,
            wallNow: this.#wall(),
            settleMs: this.#o.settleMs,
          });
    if (decision.kind === 'wait') return this.#settleLater(rel, stamp, stableSince ?? now, decision.ms);
    const eventAt = this.#activity.get(rel)?.lastEventAt;
    // Read ahead by the worker, and left alone since (no event for settleMs, its stamp the
    // same before and after that read): what it read is the file as it is. A file that may
    // have just been saved (fast) is read now, and the watcher's news awaited.
    const readAhead = ahead !== undefined && ahead.read !== 'full-way' && decision.verify === 'stable' ? { read: ahead.read, after: ahead.after } : undefined;
    const state = await this.#readFile(rel, stamp, before, readAhead?.read);
    if (decision.verify === 'fast') {
      // Let the watcher deliver what happened meanwhile: an in-place write already made
      // (the file was being written after all) is reported in this turn of the event loop.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const after = readAhead?.after ?? (await this.#stampOf(join(this.#o.dir, rel)));
    const activity = this.#activity.get(rel);
    const writtenMeanwhile = activity?.modified && (decision.verify === 'fast' || activity.lastEventAt !== eventAt);
    if (stamp.kind === 'file' && (!sameStamp(after, stamp) || writtenMeanwhile)) {
      // It changed while being read: what was read may be half of something.
      this.#activity.set(rel, { lastEventAt: this.#timers.now(), modified: true });
      return this.#settleLater(rel, after.kind === 'file' ? after : stamp, this.#timers.now(), this.#o.settleMs);
    }
    this.#unsettle(rel);
    if (activity && activity.lastEventAt === eventAt) this.#activity.delete(rel);
    // Read again only because it was time to (a full read): what did not change stays the
    // same objects, so nothing downstream is planned again for it.
    if (reread && before && sameResult(before, state)) {
      next.set(rel, { ...before, stamp: state.stamp });
      return;
    }
    next.set(rel, state);
    for (const id of [...idsOf(before), ...idsOf(state)]) changed.add(id);
  }

  /**
   * A file found missing: deleted, or deleted to be created again (./settle.ts). In force
   * until gone for the settle window, unless every app it declared is declared by another
   * file already (`elsewhere`: it was renamed), which holding it would only make a conflict.
   * While another file's new content is not read yet (being written, or new and not settled)
   * it stays in force too, however long it has been gone: that file may be this one under
   * another name (`mv web.yaml moved/web.yaml`, then an edit of it), and dropping this one
   * first would leave its apps declared nowhere, or by another source alone, until then.
   * `moving`: files moved while the folder was listed (#rescan), so its new name may be one
   * the listing missed: it stays for another window, until a listing sees where it went.
   */
  #considerGone(rel: string, next: Map<string, FileState>, changed: Set<AppId>, elsewhere?: (ids: readonly AppId[]) => boolean, moving = false): void {
    const before = next.get(rel);
    if (before) {
      const ids = idsOf(before);
      const now = this.#timers.now();
      const settling = this.#settling.get(rel);
      const goneSince = settling?.stamp.kind === 'missing' ? settling.since : now;
      const activity = this.#activity.get(rel);
      const decision = goneDecision({ goneSince, ...(activity ? { activity } : {}), now, settleMs: this.#o.settleMs });
      const renamed = ids.length > 0 && elsewhere?.(ids) === true;
      if (!renamed && decision.kind === 'wait') {
        this.#settleLater(rel, { kind: 'missing' }, goneSince, decision.ms);
        return;
      }
      const successor = ids.length > 0 && !renamed ? (this.#unreadSuccessorDue(rel) ?? (moving ? now + this.#o.settleMs : undefined)) : undefined;
      if (successor !== undefined) {
        this.#settleLater(rel, { kind: 'missing' }, goneSince, Math.max(1, Math.min(this.#o.settleMs, successor - now)), 'successor');
        return;
      }
      next.delete(rel);
      for (const id of ids) changed.add(id);
    }
    this.#unsettle(rel);
    this.#activity.delete(rel);
  }

  /**
   * When the first other file whose new content is not read yet (settling, not gone) is due:
   * undefined when there is none. A file that has kept changing past the warning is not
   * counted: it would keep every deleted file's apps for good.
   */
  #unreadSuccessorDue(rel: string): number | undefined {
    let due: number | undefined;
    for (const [other, s] of this.#settling) {
      if (other !== rel && s.stamp.kind !== 'missing' && !s.warned && (due === undefined || s.dueAt < due)) due = s.dueAt;
    }
    return due;
  }

  /** `heldFor`: a gone file held while another file is written (#considerGone), for the warning. */
  #settleLater(rel: string, stamp: FileStamp, since: number, ms: number, heldFor?: 'successor'): void {
    const existing = this.#settling.get(rel);
    const now = this.#timers.now();
    const s: Settling = { stamp, since, dueAt: now + ms, warned: existing?.warned ?? false, firstSeenAt: existing?.firstSeenAt ?? now };
    if (!s.warned && now - s.firstSeenAt >= Math.max(10 * this.#o.settleMs, this.#o.settleWaitMs)) {
      s.warned = true;
      this.#log.warn(
        { file: rel },
        heldFor === 'successor'
          ? `${rel} is gone, and stays in force while another file is still being written (it may be its new name)`
          : `${rel} keeps changing: its previous content stays in force until it is left alone for ${this.#o.settleMs} ms`,
      );
    }
    this.#settling.set(rel, s);
    this.#armSettleTimer();
  }

  /** Files due are looked at together, so a checkout of 1,000 files settles in one pass. */
  #armSettleTimer(): void {
    if (this.#stopped || this.#settling.size === 0) return;
    const at = Math.min(...[...this.#settling.values()].map((s) => s.dueAt));
    if (this.#settleTimer && this.#settleTimer.at <= at) return;
    if (this.#settleTimer) this.#timers.clearTimeout(this.#settleTimer.handle);
    const handle = this.#timers.setTimeout(
      () => {
        this.#settleTimer = undefined;
        if (this.#stopped) return;
        void this.#serial(() => this.#look(this.#due()));
      },
      Math.max(0, at - this.#timers.now()),
    );
    this.#settleTimer = { handle, at };
  }

  #due(): string[] {
    const now = this.#timers.now();
    return [...this.#settling].filter(([, s]) => s.dueAt <= now).map(([rel]) => rel);
  }

  #unsettle(rel: string): void {
    if (!this.#settling.delete(rel)) return;
    if (this.#settling.size === 0) {
      if (this.#settleTimer) this.#timers.clearTimeout(this.#settleTimer.handle);
      this.#settleTimer = undefined;
      this.#releaseSettledWaiters();
    }
  }

  async #settleInline(next: Map<string, FileState>, changed: Set<AppId>): Promise<void> {
    const deadline = this.#timers.now() + this.#o.settleWaitMs;
    while (this.#settling.size > 0 && !this.#stopped) {
      const now = this.#timers.now();
      if (now >= deadline) return;
      const at = Math.min(...[...this.#settling.values()].map((s) => s.dueAt));
      await sleep(this.#timers, Math.max(0, Math.min(at, deadline) - now));
      for (const rel of this.#due()) await this.#consider(rel, next, changed, await this.#stampOf(join(this.#o.dir, rel)));
    }
  }

  /** Resolves when no file is being written, or after `ms`. */
  #waitSettled(ms: number): Promise<void> {
    if (this.#settling.size === 0 || this.#stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const waiter = (): void => {
        this.#timers.clearTimeout(timer);
        resolve();
      };
      const timer = this.#timers.setTimeout(() => {
        this.#settledWaiters = this.#settledWaiters.filter((w) => w !== waiter);
        resolve();
      }, ms);
      this.#settledWaiters.push(waiter);
    });
  }

  #releaseSettledWaiters(): void {
    const waiters = this.#settledWaiters;
    this.#settledWaiters = [];
    for (const w of waiters) w();
  }

  async #readFile(rel: string, stamp: FileStamp, previous: FileState | undefined, got?: FileRead): Promise<FileState> {
    // Never rejects: a file over a limit, refused or failing is invalid, never gone.
    const result = got !== undefined ? await this.#reader.parse(rel, got) : await this.#reader.read(rel, { root: this.#root, regular: stamp.kind === 'file' });
    // A failure of maracker's own (a crashed parser thread): read it again at the next look.
    return { result, ...lastGood(result, previous), stamp: hasTransientFailure(result.problems) ? { kind: 'unreadable', code: 'internal-error' } : stamp };
  }

  #publish(files: Map<string, FileState>, changed: Set<AppId> | 'all'): void {
    // A new file still being written declares nothing yet; apps labelled with its name
    // stay protected until it is read.
    const pending = [...this.#settling.keys()].filter((rel) => !files.has(rel));
    // What such a file declares is not known: no app is created meanwhile (desired-view.ts),
    // unless it has kept changing past the warning (it would hold creations back for good).
    const unread = pending.filter((rel) => this.#settling.get(rel)?.warned !== true && this.#settling.get(rel)?.stamp.kind !== 'missing').sort();
    // A known file being written again: its previous content stays in force, and is not written.
    const changing = [...this.#settling.keys()].filter((rel) => files.has(rel)).sort();
    const base = {
      name: 'folder',
      lastReadAt: new Date(this.#wall()),
      ...this.#meta(),
      ...(unread.length > 0 ? { unreadFiles: new Set(unread) } : {}),
    };
    if (
      this.#snapshot.state === 'Ready' &&
      sameFiles(this.#files, files) &&
      sameList(this.#published.pending, pending) &&
      sameList(this.#published.unread, unread) &&
      sameList(this.#published.changing, changing)
    ) {
      // Read again, found the same: the same declarations (the same maps: the merged view
      // is kept, desired-state.ts), read now.
      this.#snapshot = { ...this.#snapshot, ...base };
    } else {
      this.#snapshot = folderSnapshot(files, base, pending, changing);
      this.#problems.update(new Map([...files].map(([rel, f]) => [rel, f.result.problems])));
    }
    this.#files = files;
    // Creations waited while files were unread: once fewer are, every app is looked at again.
    const released = this.#published.unread.some((rel) => !unread.includes(rel));
    this.#published = { pending, unread, changing };
    this.#onChange?.(changed === 'all' || released ? { all: true } : { ids: changed });
    this.#refreshRevisionSoon();
  }

  #meta(): Pick<SourceSnapshot, 'revision' | 'dirty' | 'revisionError'> {
    if (this.#revision) return { revision: this.#revision.commit, dirty: this.#revision.dirty };
    return this.#revisionError !== undefined ? { revisionError: this.#revisionError } : {};
  }

  /** One `git` query at a time; requests meanwhile collapse into one more. */
  #refreshRevisionSoon(): void {
    if (this.#revisionRunning) {
      this.#revisionAgain = true;
      return;
    }
    this.#revisionRunning = true;
    void this.#refreshRevision().finally(() => {
      this.#revisionRunning = false;
      if (this.#revisionAgain && !this.#stopped) {
        this.#revisionAgain = false;
        this.#refreshRevisionSoon();
      }
    });
  }

  async #refreshRevision(): Promise<void> {
    const read = await readGitRevision(this.#o.dir, this.#git);
    if (this.#stopped) return;
    const rev = read.kind === 'revision' ? { commit: read.commit, dirty: read.dirty } : undefined;
    const error = read.kind === 'unavailable' ? read.reason : undefined;
    if (rev?.commit === this.#revision?.commit && rev?.dirty === this.#revision?.dirty && error === this.#revisionError) return;
    // Once per reason, not once per refresh: a refused repository stays refused until someone acts.
    if (error !== undefined && error !== this.#revisionError)
      this.#log.warn({ dir: this.#o.dir, reason: error }, 'git revision of the manifests folder unavailable');
    this.#revision = rev;
    this.#revisionError = error;
    const { revision: _r, dirty: _d, revisionError: _e, ...rest } = this.#snapshot;
    this.#snapshot = { ...rest, ...this.#meta() };
    this.#onChange?.({ ids: new Set() });
  }
}

/** Files read at once by a rescan. */
const CONSIDER_CONCURRENCY = 16;

/** Files due in a rescan are read ahead in the worker this many at a time at most... */
const READ_AHEAD_FILES = 256;
/** ... and this many bytes (by their stamps) at most. */
const READ_AHEAD_BYTES = 8 * 1024 * 1024;
/** Fewer files due than this are read on the event loop: not worth a trip to the worker. */
const READ_AHEAD_MIN = 4;

/** Puts `files` in the order of `rels` (what the snapshot lists first, conflicts included). */
function inListingOrder(files: Map<string, FileState>, rels: readonly string[]): void {
  if (inOrder(files, rels)) return; // the everyday rescan: nothing added
  const entries = rels.flatMap((rel) => {
    const f = files.get(rel);
    return f ? [[rel, f] as const] : [];
  });
  // Files no longer listed, still in force until gone for good, come last.
  if (entries.length !== files.size) {
    const listed = new Set(rels);
    for (const [rel, f] of files) if (!listed.has(rel)) entries.push([rel, f]);
  }
  files.clear();
  for (const [rel, f] of entries) files.set(rel, f);
}

/** Whether `files` lists the files of `rels` that it holds in the order of `rels`. */
function inOrder(files: ReadonlyMap<string, FileState>, rels: readonly string[]): boolean {
  let i = 0;
  for (const rel of files.keys()) {
    while (i < rels.length && rels[i] !== rel) i++;
    if (i === rels.length) return false;
    i++;
  }
  return true;
}

/** The same files, in the same order, each in the very state it was. */
function sameFiles(a: ReadonlyMap<string, FileState>, b: ReadonlyMap<string, FileState>): boolean {
  if (a.size !== b.size) return false;
  const left = a.entries();
  for (const [rel, state] of b) {
    const l = left.next().value;
    if (l === undefined || l[0] !== rel || l[1] !== state) return false;
  }
  return true;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The folder's device and inode, once it is found a directory this process may list; undefined otherwise. */
async function folderIdentity(dir: string): Promise<{ dev: number; ino: number } | undefined> {
  const st = await stat(dir);
  if (!st.isDirectory()) return undefined;
  await access(dir, constants.R_OK | constants.X_OK);
  return { dev: st.dev, ino: st.ino };
}

/** `fn` over `items`, `size` at a time (each batch in parallel), results in order. */
async function mapChunked<T, R>(items: readonly T[], size: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map((item, j) => fn(item, i + j)))));
  return out;
}

/**
 * Whether every one of `ids` is declared (or protected) by a file of `files` that is listed
 * (not one of `gone`). The index is built at the first question: most rescans ask none.
 */
function declaredElsewhere(files: ReadonlyMap<string, FileState>, gone: ReadonlySet<string>): (ids: readonly AppId[]) => boolean {
  let declared: Set<AppId> | undefined;
  return (ids) => {
    if (declared === undefined) {
      declared = new Set();
      for (const [file, state] of files) if (!gone.has(file)) for (const id of idsOf(state)) declared.add(id);
    }
    const index = declared;
    return ids.every((id) => index.has(id));
  };
}

function idsOf(state: FileState | undefined): AppId[] {
  if (!state) return [];
  return [...state.result.declaredIds, ...state.lastGoodIds];
}
