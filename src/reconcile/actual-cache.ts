// What Marathon holds, as last read: an informer-style cache. A full resync lists the owned
// apps once (one request for 10,000 apps instead of 10,000); a reconcile re-reads its app
// only when the entry is stale: an event named it, maracker wrote it, or the list that
// filled it started before maracker's last write to it.

import type { AppId } from '../model/app-id.js';
import type { MarathonApp } from '../model/marathon.js';

export interface CacheEntry {
  /** undefined: Marathon has no app with this id (as of `readAt`). */
  app: MarathonApp | undefined;
  readAt: number;
  stale: boolean;
  /**
   * 'list': from the owned-apps list, which cannot show apps maracker does not own, so an
   * absent entry only means "no owned app". 'get': from reading this very id.
   */
  origin: 'list' | 'get';
}

export class ActualCache {
  readonly #entries = new Map<AppId, CacheEntry>();
  readonly #lastWriteAt = new Map<AppId, number>();
  #listedAt: number | undefined;

  /** Marathon has been listed successfully at least once. */
  get listed(): boolean {
    return this.#listedAt !== undefined;
  }

  get(id: AppId): CacheEntry | undefined {
    return this.#entries.get(id);
  }

  /** The result of a GET of one app (undefined after a 404). */
  set(id: AppId, app: MarathonApp | undefined, readAt: number): void {
    this.#entries.set(id, { app, readAt, stale: false, origin: 'get' });
  }

  markStale(id: AppId): void {
    const e = this.#entries.get(id);
    if (e) e.stale = true;
  }

  /** maracker wrote to this app: whatever is cached predates the write. */
  recordWrite(id: AppId, at: number): void {
    this.#lastWriteAt.set(id, at);
    this.markStale(id);
  }

  /**
   * Replaces every entry with the result of listing the owned apps, requested at `startedAt`.
   * Apps missing from the list are recorded as absent; apps written after the list was
   * requested, and unowned apps (which the list cannot show), are marked stale instead of
   * trusted.
   */
  replaceOwned(owned: readonly MarathonApp[], startedAt: number, isOwned: (app: MarathonApp) => boolean): void {
    const seen = new Set<AppId>();
    for (const app of owned) {
      seen.add(app.id);
      const stale = this.#writtenSince(app.id, startedAt);
      const e = this.#entries.get(app.id);
      // The same app as the last listing's, trusted then and now: the entry is brought up to
      // this listing's time (10,000 new entries a pass were a tenth of an idle pass).
      if (e !== undefined && e.app === app && e.origin === 'list' && !e.stale && !stale) e.readAt = startedAt;
      else this.#entries.set(app.id, { app, readAt: startedAt, stale, origin: 'list' });
    }
    for (const [id, e] of this.#entries) {
      if (seen.has(id)) continue;
      if (e.app && !isOwned(e.app)) {
        e.stale = true;
        continue;
      }
      this.#entries.set(id, { app: undefined, readAt: startedAt, stale: this.#writtenSince(id, startedAt), origin: 'list' });
    }
    this.#listedAt = startedAt;
  }

  #writtenSince(id: AppId, t: number): boolean {
    const w = this.#lastWriteAt.get(id);
    return w !== undefined && w >= t;
  }

  /** The apps `isOwned` accepts, as far as the cache knows. */
  ownedApps(isOwned: (app: MarathonApp) => boolean): MarathonApp[] {
    const apps: MarathonApp[] = [];
    for (const e of this.#entries.values()) if (e.app && isOwned(e.app)) apps.push(e.app);
    return apps;
  }

  ids(): IterableIterator<AppId> {
    return this.#entries.keys();
  }

  /** Forgets an absent app nobody declares, so the cache does not grow without bound. */
  forget(id: AppId): void {
    const e = this.#entries.get(id);
    if (e && e.app === undefined) {
      this.#entries.delete(id);
      this.#lastWriteAt.delete(id);
    }
  }
}
