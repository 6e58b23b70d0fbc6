// The manifests folder as a source. File events are hints, never the truth: the kernel's
// inotify queue overflows silently (measured here: 27% of 10,000 changes delivered after a
// large `git checkout`), so after a burst of events, and on every resync, the folder is
// re-scanned. A rescan re-reads only files whose size, mtime or inode changed.
//
// A folder that cannot be listed makes the source Unknown (never empty); a file that cannot
// be parsed makes the apps it declared (or last declared) invalid, nothing else.

import { watch, type FSWatcher } from 'chokidar';
import { join, relative, sep } from 'node:path';
import type { Logger } from '../log.js';
import type { AppId } from '../model/app-id.js';
import { isIgnoredPath, isManifestPath } from '../manifest/ignore.js';
import { hasTransientFailure } from '../manifest/failure.js';
import { fingerprint, listManifestFiles } from '../manifest/folder.js';
import type { InputParser } from '../manifest/input-parser.js';
import type { InputLimits } from '../manifest/limits.js';
import { ManifestReader } from '../manifest/reader.js';
import type { TranslateOptions } from '../manifest/types.js';
import { systemTimers, type Timers } from '../reconcile/timers.js';
import { folderSnapshot, type FolderFile } from './folder-snapshot.js';
import { readGitRevision, type GitRevision } from './git.js';
import { emptySnapshot, snapshotIds, type Source, type SourceChange, type SourceSnapshot } from './source.js';

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
  /** Events are collected this long before files are re-read. Default 10 ms. */
  debounceMs?: number;
  /** More events than this before a flush means a burst: rescan instead. Default 100. */
  burstThreshold?: number;
  /** After a burst, wait for this much quiet before rescanning. Default 250 ms. */
  burstQuietMs?: number;
  /** After a burst's rescan, scan once more this much later (events lost in the overflow). Default 2000 ms. */
  burstSettleMs?: number;
  /** Watch with chokidar. Default true; false relies on resyncs only. */
  watch?: boolean;
  /** Poll instead of inotify (network filesystems). Default false. */
  usePolling?: boolean;
  logger: Logger;
  timers?: Timers;
}

interface FileState extends FolderFile {
  fingerprint: string;
}

export class FolderSource implements Source {
  readonly name = 'folder';
  readonly #o: Required<Omit<FolderSourceOptions, 'displayRoot' | 'translate' | 'limits' | 'parser' | 'timers' | 'logger'>> & { displayRoot: string };
  /** How one file is read and parsed: everything else here is about when. */
  readonly #reader: ManifestReader;
  readonly #log: Logger;
  readonly #timers: Timers;
  #files = new Map<string, FileState>();
  #snapshot: SourceSnapshot = emptySnapshot('folder', 'Pending');
  #revision: GitRevision | undefined;
  #onChange: ((c: SourceChange) => void) | undefined;
  #watcher: FSWatcher | undefined;
  #pending = new Set<string>();
  #rescanPending = false;
  #eventsSinceFlush = 0;
  #flushTimer: unknown;
  #settleTimer: unknown;
  #chain: Promise<void> = Promise.resolve();
  #stopped = false;
  #revisionRunning = false;
  #revisionAgain = false;

  constructor(options: FolderSourceOptions) {
    this.#o = {
      dir: options.dir,
      displayRoot: options.displayRoot ?? options.dir,
      debounceMs: options.debounceMs ?? 10,
      burstThreshold: options.burstThreshold ?? 100,
      burstQuietMs: options.burstQuietMs ?? 250,
      burstSettleMs: options.burstSettleMs ?? 2000,
      watch: options.watch ?? true,
      usePolling: options.usePolling ?? false,
    };
    this.#reader = new ManifestReader({
      dir: options.dir,
      displayRoot: this.#o.displayRoot,
      translate: options.translate ?? {},
      ...(options.limits ? { limits: options.limits } : {}),
      ...(options.parser ? { parser: options.parser } : {}),
    });
    this.#log = options.logger.child({ source: 'folder' });
    this.#timers = options.timers ?? systemTimers;
  }

  snapshot(): SourceSnapshot {
    return this.#snapshot;
  }

  async start(onChange: (c: SourceChange) => void): Promise<void> {
    this.#onChange = onChange;
    await this.#serial(() => this.#rescan());
    await this.#ensureWatcher();
  }

  async resync(): Promise<void> {
    await this.#serial(() => this.#rescan());
    await this.#ensureWatcher();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of [this.#flushTimer, this.#settleTimer]) if (t !== undefined) this.#timers.clearTimeout(t);
    const w = this.#watcher;
    this.#watcher = undefined;
    await w?.close();
    await this.#chain;
  }

  /** Flushes and rescans run one at a time, in order. */
  #serial(task: () => Promise<void>): Promise<void> {
    const run = this.#chain.then(task, task);
    this.#chain = run.catch((err: unknown) => this.#log.error({ err }, 'folder source task failed'));
    return this.#chain;
  }

  async #ensureWatcher(): Promise<void> {
    if (!this.#o.watch || this.#watcher || this.#stopped || this.#snapshot.state !== 'Ready') return;
    const root = this.#o.dir;
    const watcher = watch(root, {
      ignoreInitial: true,
      persistent: false,
      usePolling: this.#o.usePolling,
      ignored: (path: string) => {
        const rel = relative(root, path);
        return rel !== '' && isIgnoredPath(rel);
      },
    });
    watcher.on('all', (event, path) => this.#onEvent(event, path));
    watcher.on('error', (err) => {
      // e.g. ENOSPC (inotify watch limit): the watcher is unreliable, the resync is not.
      this.#log.warn({ err }, 'file watcher error: relying on rescans');
      this.#rescanPending = true;
      this.#scheduleFlush(this.#o.burstQuietMs);
    });
    this.#watcher = watcher;
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  }

  #onEvent(event: string, path: string): void {
    if (this.#stopped) return;
    const rel = relative(this.#o.dir, path).split(sep).join('/');
    this.#eventsSinceFlush++;
    if (event === 'addDir' || event === 'unlinkDir' || rel === '') {
      this.#rescanPending = true;
    } else if (isManifestPath(rel)) {
      this.#pending.add(rel);
    } else {
      return;
    }
    const burst = this.#eventsSinceFlush > this.#o.burstThreshold;
    if (burst) this.#rescanPending = true;
    this.#scheduleFlush(burst || this.#rescanPending ? this.#o.burstQuietMs : this.#o.debounceMs, burst);
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
      void this.#serial(() => (rescan ? this.#rescan() : this.#reread(files)));
      if (burst) this.#scheduleSettleRescan();
    }, ms);
  }

  #scheduleSettleRescan(): void {
    if (this.#settleTimer !== undefined) this.#timers.clearTimeout(this.#settleTimer);
    this.#settleTimer = this.#timers.setTimeout(() => {
      this.#settleTimer = undefined;
      void this.#serial(() => this.#rescan());
    }, this.#o.burstSettleMs);
  }

  async #readFile(rel: string, fingerprint: string, previous: FileState | undefined): Promise<FileState> {
    // Never rejects: a file over a limit, refused or failing is invalid, never gone.
    const result = await this.#reader.read(rel);
    const lastGoodIds = result.problems.length === 0 ? result.apps.map((a) => a.id) : (previous?.lastGoodIds ?? []);
    // A failure of maracker's own (a crashed parser thread): read it again at the next rescan.
    return { result, lastGoodIds, fingerprint: hasTransientFailure(result.problems) ? 'unreadable' : fingerprint };
  }

  /** Re-reads the given files (event path). A file that vanished is removed. */
  async #reread(rels: string[]): Promise<void> {
    if (this.#snapshot.state !== 'Ready') return this.#rescan();
    const next = new Map(this.#files);
    const changed = new Set<AppId>();
    for (const rel of rels) {
      const before = next.get(rel);
      const fp = await fingerprint(join(this.#o.dir, rel));
      if (fp === 'missing') {
        next.delete(rel);
      } else {
        next.set(rel, await this.#readFile(rel, fp, before));
      }
      for (const id of idsOf(before)) changed.add(id);
      for (const id of idsOf(next.get(rel))) changed.add(id);
    }
    this.#publish(next, changed);
    this.#refreshRevisionSoon();
  }

  /** Lists the whole folder and re-reads files whose fingerprint changed. */
  async #rescan(): Promise<void> {
    let rels: string[];
    try {
      rels = await listManifestFiles(this.#o.dir);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const wasUnknown = this.#snapshot.state === 'Unknown';
      this.#snapshot = { ...emptySnapshot('folder', 'Unknown', { message }), lastKnownIds: snapshotIds(this.#snapshot), ...this.#meta() };
      if (!wasUnknown) this.#log.error({ dir: this.#o.dir, err: message }, 'manifests folder cannot be read: source unknown, nothing it declares will be deleted');
      await this.#closeWatcherIfGone();
      this.#onChange?.({ all: true });
      return;
    }
    const wasReady = this.#snapshot.state === 'Ready';
    const next = new Map<string, FileState>();
    const changed = new Set<AppId>();
    const fingerprints = await mapChunked(rels, 64, (rel) => fingerprint(join(this.#o.dir, rel)));
    for (const [i, rel] of rels.entries()) {
      const before = this.#files.get(rel);
      // An unreadable file (permissions, dangling link) is read anyway: it becomes a problem
      // of that file, protecting what it declared, instead of vanishing like a deleted one.
      const fp = fingerprints[i] as string;
      const unchanged = before !== undefined && before.fingerprint === fp && fp !== 'unreadable';
      const state = unchanged ? before : await this.#readFile(rel, fp, before);
      next.set(rel, state);
      if (state !== before) for (const id of [...idsOf(before), ...idsOf(state)]) changed.add(id);
    }
    for (const [rel, before] of this.#files) if (!next.has(rel)) for (const id of idsOf(before)) changed.add(id);
    this.#publish(next, wasReady ? changed : 'all');
    this.#refreshRevisionSoon();
  }

  #publish(files: Map<string, FileState>, changed: Set<AppId> | 'all'): void {
    this.#files = files;
    this.#snapshot = folderSnapshot(files, { name: 'folder', lastReadAt: new Date(this.#timers.now()), ...this.#meta() });
    this.#onChange?.(changed === 'all' ? { all: true } : { ids: changed });
  }

  #meta(): Pick<SourceSnapshot, 'revision' | 'dirty'> {
    return this.#revision ? { revision: this.#revision.commit, dirty: this.#revision.dirty } : {};
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
    const rev = await readGitRevision(this.#o.dir);
    if (this.#stopped || (rev?.commit === this.#revision?.commit && rev?.dirty === this.#revision?.dirty)) return;
    this.#revision = rev;
    this.#snapshot = { ...this.#snapshot, revision: rev?.commit, dirty: rev?.dirty } as SourceSnapshot;
    if (!rev) {
      delete (this.#snapshot as { revision?: string }).revision;
      delete (this.#snapshot as { dirty?: boolean }).dirty;
    }
    this.#onChange?.({ ids: new Set() });
  }

  async #closeWatcherIfGone(): Promise<void> {
    const w = this.#watcher;
    this.#watcher = undefined;
    await w?.close();
  }
}

/** `fn` over `items`, `size` at a time, results in order: stats of 10,000 files in parallel batches. */
async function mapChunked<T, R>(items: readonly T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

function idsOf(state: FileState | undefined): AppId[] {
  if (!state) return [];
  return [...state.result.declaredIds, ...state.lastGoodIds];
}
