// The route, URL and hosts each app was last served, kept across restarts in a file of the
// daemon's (--route-memory). An app whose declaration cannot be applied (a broken manifest, a
// row broken by an update) keeps running, and keeps its route: Traefik v3 is served it from
// the app's last status record, and its hosts stay its own (a row routed there is held back,
// reconcile/route-clash.ts). After a restart there is no such record, and the declaration that
// gave them is broken: without this file the first full sync would serve Traefik no route for
// the app (taking a running app off the air because its manifest is broken), and let a row
// take its host.
//
// The reconciler tells it what each valid declaration serves, and when an app is gone; the
// file is rewritten whole (a rename), a moment after the last change, and only when a route
// or a URL changed: health and sync moving do not touch it. A file that
// cannot be read or trusted (private-file.ts) is said and left out: the daemon then works as
// without it. Marathon cannot keep the route for maracker: any change to an app's labels
// restarts its tasks (AppDefinition.isUpgrade in Marathon 1.10), which v3 routes avoid.

import { isDeepStrictEqual } from 'node:util';
import { errorMessage } from '../base/errors.js';
import type { Logger } from '../base/log.js';
import { readPrivateFile, replacePrivateFile } from '../base/private-file.js';
import type { Timers } from '../base/timers.js';
import type { AppId } from '../model/app-id.js';
import { type KeptRoute, keptRoutesText, parseKeptRoutes, type RememberedRoutes } from './kept-route.js';

/** A larger file is refused: an entry is a few hundred bytes. */
export const ROUTE_MEMORY_MAX_BYTES = 64 * 1024 * 1024;
/** The file is written this long after the last change: a burst of changes is one write. */
export const ROUTE_MEMORY_WRITE_DELAY_MS = 1000;

export interface RouteMemoryOptions {
  /** The file; null keeps the memory for this process only. */
  path: string | null;
  logger: Logger;
  timers: Timers;
  writeDelayMs?: number;
}

export class RouteMemory implements RememberedRoutes {
  readonly #o: RouteMemoryOptions;
  readonly #routes = new Map<AppId, KeptRoute>();
  #timer: unknown;
  #writing: Promise<void> | undefined;
  #dirty = false;
  #closed = false;
  #version = 0;

  constructor(options: RouteMemoryOptions) {
    this.#o = options;
  }

  /** Reads the file (once, before the first record): what it cannot trust is said and left out; never throws. */
  async load(): Promise<void> {
    const { path, logger } = this.#o;
    if (path === null) return;
    let read: Awaited<ReturnType<typeof readPrivateFile>>;
    try {
      read = await readPrivateFile(path, ROUTE_MEMORY_MAX_BYTES);
    } catch (err) {
      // A read failing once open (EIO): the daemon starts without the memory, as with none.
      read = { kind: 'refused', reason: `it cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
    }
    if (read.kind === 'absent') return;
    if (read.kind === 'refused') {
      logger.warn({ file: path }, `route memory ${path} not read: ${read.reason}; apps whose declarations cannot be applied get no route until they are fixed`);
      return;
    }
    let parsed: ReturnType<typeof parseKeptRoutes>;
    try {
      parsed = parseKeptRoutes(read.text);
    } catch (err) {
      logger.warn({ file: path }, `route memory ${path} not read: ${errorMessage(err)}`);
      return;
    }
    if (parsed.skipped.length > 0) {
      logger.warn(
        { file: path, apps: parsed.skipped.slice(0, 10) },
        `route memory ${path}: ${parsed.skipped.length} entries are not routes maracker writes, left out`,
      );
    }
    for (const [id, kept] of parsed.routes) if (!this.#routes.has(id)) this.#routes.set(id, kept);
  }

  /** The route, URL and hosts `id` was last served, if any. */
  get(id: AppId): KeptRoute | undefined {
    return this.#routes.get(id);
  }

  /** Every app it remembers, and what. */
  entries(): IterableIterator<[AppId, KeptRoute]> {
    return this.#routes.entries();
  }

  /** Moves whenever what it remembers changes (the desired view is merged again: desired-state.ts). */
  get version(): number {
    return this.#version;
  }

  /**
   * What `id` is served now that a valid declaration says so (its route, URL and hosts;
   * undefined: none, or the app is gone).
   */
  remember(id: AppId, kept: KeptRoute | undefined): void {
    if (kept === undefined || (kept.route === undefined && kept.url === undefined && kept.exposes === undefined)) {
      if (!this.#routes.delete(id)) return;
    } else {
      const was = this.#routes.get(id);
      if (was !== undefined && was.route === kept.route && was.url === kept.url && was.exposes === kept.exposes && was.source === kept.source) return;
      this.#routes.set(id, kept);
      // The same content in new objects (read back from the file, a source read again): kept,
      // so that the next look is the identity check above, and nothing to write.
      if (was !== undefined && isDeepStrictEqual(was, kept)) return;
    }
    this.#schedule();
  }

  #schedule(): void {
    this.#version++;
    this.#dirty = true;
    if (this.#o.path === null || this.#closed || this.#timer !== undefined) return;
    this.#timer = this.#o.timers.setTimeout(() => {
      this.#timer = undefined;
      void this.#write();
    }, this.#o.writeDelayMs ?? ROUTE_MEMORY_WRITE_DELAY_MS);
  }

  /** One write at a time; changes made meanwhile are written by the next. */
  #write(): Promise<void> {
    const path = this.#o.path;
    if (path === null || !this.#dirty) return this.#writing ?? Promise.resolve();
    if (this.#writing) return this.#writing.then(() => this.#write());
    this.#dirty = false;
    const text = keptRoutesText(this.#routes);
    this.#writing = replacePrivateFile(path, [text])
      .catch((err: unknown) => {
        this.#dirty = true;
        this.#o.logger.warn(
          { file: path, err: errorMessage(err) },
          `route memory ${path} not written: a restart would not know the routes of apps whose declarations cannot be applied`,
        );
      })
      .finally(() => {
        this.#writing = undefined;
      });
    return this.#writing;
  }

  /** Writes what is not written yet; nothing is written after. */
  async close(): Promise<void> {
    if (this.#timer !== undefined) this.#o.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#writing;
    if (this.#dirty) await this.#write();
    this.#closed = true;
  }
}
