// chokidar over the manifests folder, reduced to what the folder source needs: which paths
// were touched, which were written in place, and when the tree itself changed. Events are
// hints: the source re-reads what they name and re-scans the folder on every resync.
//
// Two chokidar behaviours shape this module:
// - `ready` may never come: a folder renamed away (and back) while chokidar is scanning it
//   leaves the watcher waiting forever (seen here in 12 of 40 tries). Nobody awaits it
//   unbounded: a watcher not ready within `readyTimeoutMs` is closed, and the next
//   `ensure()` starts a new one. When it is ready, `onReady` lets the source re-scan, since
//   changes made between its last scan and the watch starting were not seen.
// - chokidar throttles `change` events to one per 50 ms per path and drops the rest, so the
//   last write of a rewrite can go unreported. The raw events of the directory watches
//   (fs.watch) are not throttled: a `change` of a directory's entry is an in-place write of
//   that file (an atomic save shows only `rename`s), which is what the settle rule needs.

import { watch, type FSWatcher } from 'chokidar';
import type { Stats } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import type { Logger } from '../base/log.js';
import { isIgnoredPath, isManifestPath } from '../manifest/ignore.js';
import type { Timers } from '../base/timers.js';

export type WatchEvent =
  /** A manifest path was created, changed, renamed or removed. `inPlace`: written in place. */
  | { kind: 'file'; rel: string; inPlace: boolean }
  /** A directory came or went, or the root itself changed: the tree must be re-listed. */
  | { kind: 'tree' };

export interface FolderWatcherOptions {
  dir: string;
  usePolling: boolean;
  timers: Timers;
  logger: Logger;
  /** Default 10000 ms. */
  readyTimeoutMs?: number;
  onEvent(e: WatchEvent): void;
  onReady(): void;
  /** The watcher failed (e.g. ENOSPC): rely on rescans. */
  onError(err: unknown): void;
}

export class FolderWatcher {
  readonly #o: FolderWatcherOptions;
  #watcher: FSWatcher | undefined;
  #readyTimer: unknown;
  #closed = false;

  constructor(options: FolderWatcherOptions) {
    this.#o = options;
  }

  get active(): boolean {
    return this.#watcher !== undefined;
  }

  /** Starts watching unless a watcher runs. Never waits for chokidar. */
  ensure(): void {
    if (this.#watcher || this.#closed) return;
    const root = this.#o.dir;
    const w = watch(root, {
      ignoreInitial: true,
      persistent: false,
      usePolling: this.#o.usePolling,
      // A committed link to `/` would have chokidar watch the whole file system. Links are
      // read by the rescans, within the folder's boundary (src/manifest/file-read.ts).
      followSymlinks: false,
      ignored: (path: string, stats?: Stats) => {
        const rel = relative(root, path);
        if (rel === '') return false;
        // With inotify, a folder's watch reports what happens to each entry in it (the raw
        // events below): a regular file needs no watch of its own. 10,000 files would hold
        // 10,000 watches (the kernel's limit per user is 8,192 on some systems; beyond it
        // the watcher fails) and take half a second of start-up to set. Links keep theirs: a
        // link's watch follows it to its target. Polling watches each file.
        return isIgnoredPath(rel) || (!this.#o.usePolling && stats?.isFile() === true);
      },
    });
    this.#watcher = w;
    w.on('all', (event, path) => {
      if (this.#watcher !== w) return;
      const rel = toRel(root, path);
      if (event === 'addDir' || event === 'unlinkDir' || rel === '') this.#o.onEvent({ kind: 'tree' });
      else if (isManifestPath(rel)) this.#o.onEvent({ kind: 'file', rel, inPlace: this.#o.usePolling });
    });
    w.on('raw', (type, evPath, details) => {
      const watched = (details as { watchedPath?: unknown } | undefined)?.watchedPath;
      if (this.#watcher !== w || (type !== 'change' && type !== 'rename') || !evPath || typeof watched !== 'string') return;
      // A directory watch names its entry, or itself when the folder itself was moved or
      // deleted (the root included: the tree must be listed again, and found gone); a link's
      // own watch names the link itself (chokidar reports the link's changes).
      if (basename(watched) === evPath) {
        const self = toRel(root, watched);
        if (self === '' || !isManifestPath(self)) this.#o.onEvent({ kind: 'tree' });
        return;
      }
      // Polling: chokidar's own events name every file; its raw events add the writes in place.
      if (this.#o.usePolling && type !== 'change') return;
      const rel = toRel(root, join(watched, evPath));
      // `change`: written in place; `rename`: created, deleted, or saved atomically over.
      if (isManifestPath(rel)) this.#o.onEvent({ kind: 'file', rel, inPlace: type === 'change' });
    });
    w.on('error', (err) => {
      if (this.#watcher === w) this.#o.onError(err);
    });
    this.#readyTimer = this.#o.timers.setTimeout(() => {
      if (this.#watcher !== w) return;
      this.#o.logger.debug({ dir: root }, 'file watcher not ready in time (folder moved while scanned?): starting over at the next rescan');
      void this.#drop(w);
    }, this.#o.readyTimeoutMs ?? 10_000);
    w.once('ready', () => {
      if (this.#watcher !== w) return;
      this.#o.timers.clearTimeout(this.#readyTimer);
      this.#readyTimer = undefined;
      this.#o.onReady();
    });
  }

  /** Stops the current watcher; `ensure()` may start another. */
  async reset(): Promise<void> {
    if (this.#watcher) await this.#drop(this.#watcher);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.reset();
  }

  async #drop(w: FSWatcher): Promise<void> {
    if (this.#watcher === w) {
      this.#watcher = undefined;
      if (this.#readyTimer !== undefined) this.#o.timers.clearTimeout(this.#readyTimer);
      this.#readyTimer = undefined;
    }
    await w.close().catch(() => undefined);
  }
}

function toRel(root: string, path: string): string {
  return relative(root, path).split(sep).join('/');
}
