// What the sources want, as one collaborator: the sources, and the merged view of their
// latest snapshots. The view is rebuilt lazily, once per change rather than once per
// reconcile (merging 10,000 apps for every one of them would cost a pass quadratic time),
// and each change is published to the status store (sources, declared ids).

import type { AppId } from '../model/app-id.js';
import type { DesiredApp } from '../model/desired.js';
import { fillFromImage, NO_REGISTRY, needsImage } from '../sources/image-fill.js';
import type { ImageMetadata } from '../sources/image-metadata.js';
import type { SourceStatus } from '../status/model.js';
import type { RememberedRoutes } from '../status/kept-route.js';
import type { StatusStore } from '../status/store.js';
import type { Source, SourceSnapshot } from '../sources/source.js';
import { DesiredView, type DesiredEntry } from './desired-view.js';

/** Where apps that leave resources to their image get them (src/sources/image-metadata.ts). */
export interface ImageCompletion {
  metadata: ImageMetadata;
  /** --pin-images: run the digest the tag resolved to. */
  pin: boolean;
}

export class DesiredState {
  readonly sources: readonly Source[];
  readonly #status: StatusStore;
  readonly #images: ImageCompletion | undefined;
  /** The apps seen needing each image, so that news of an image queues them. */
  readonly #imageUsers = new Map<string, Set<AppId>>();
  #view: DesiredView | undefined;
  /** The snapshots the view was merged from. */
  #viewOf: readonly SourceSnapshot[] | undefined;
  /** Each declaration completed from its image, by the labels it was completed from. */
  readonly #filled = new WeakMap<DesiredApp, { facts: unknown; pin: boolean; app: DesiredApp }>();

  /** What apps were last served (status/route-memory.ts): the hosts of those no valid declaration says now are held. */
  readonly #routes: RememberedRoutes | undefined;
  /** The memory's version the view was merged with. */
  #routesVersion = -1;

  constructor(deps: { sources: readonly Source[]; status: StatusStore; images?: ImageCompletion; routes?: RememberedRoutes }) {
    this.sources = deps.sources;
    this.#status = deps.status;
    this.#images = deps.images;
    this.#routes = deps.routes;
  }

  /** The merged view of the sources' current snapshots. */
  view(): DesiredView {
    if (this.#view === undefined) {
      const snapshots = this.sources.map((s) => s.snapshot());
      this.#routesVersion = this.#routes?.version ?? -1;
      this.#view = new DesiredView(snapshots, (app) => this.#complete(app), this.#routes?.entries());
      this.#viewOf = snapshots;
    }
    return this.#view;
  }

  /**
   * Every source checked to be readable as of `maxAgeMs` ago at most (Source.confirm): one that
   * went away unnoticed turns Unknown, and the view with it, before this resolves.
   */
  async confirm(maxAgeMs: number): Promise<void> {
    await Promise.all(this.sources.map((s) => s.confirm?.(maxAgeMs)));
  }

  /** Apps last seen needing `image`. */
  usersOf(image: string): AppId[] {
    return [...(this.#imageUsers.get(image) ?? [])];
  }

  /**
   * An app with what its image gives. While the image was never read, the app is unknown:
   * neither created with guessed resources nor deleted.
   */
  #complete(app: DesiredApp): DesiredEntry {
    const images = this.#images;
    const image = needsImage(app, images?.pin ?? false);
    if (image === undefined) return { kind: 'app', app };
    let users = this.#imageUsers.get(image);
    if (!users) this.#imageUsers.set(image, (users = new Set()));
    users.add(app.id);
    if (!images) {
      // No registry configured: Marathon's own defaults apply, as before image metadata.
      return { kind: 'app', app };
    }
    const found = images.metadata.lookup(image);
    if (found.kind === 'ready') {
      // The same app from the same labels is the same object: a pass skips what did not move (noop-memo.ts).
      const last = this.#filled.get(app);
      if (last?.facts === found.facts && last.pin === images.pin) return { kind: 'app', app: last.app };
      const filled = fillFromImage(app, found.facts, images.pin);
      this.#filled.set(app, { facts: found.facts, pin: images.pin, app: filled });
      return { kind: 'app', app: filled };
    }
    if (found.kind === 'pending')
      return { kind: 'unknown', declared: true, reason: `reading the labels of image ${image} (they give what the spec leaves out)` };
    return {
      kind: 'unknown',
      declared: true,
      reason: `cannot read the labels of image ${image}: ${found.reason}; they give what the spec leaves out (${NO_REGISTRY})`,
    };
  }

  /**
   * A source changed (or was re-read): the next view is merged afresh, unless every source
   * declares exactly what it did and the route memory did not move (a re-read that found
   * nothing new keeps its maps: merging 10,000 apps again each pass cost tens of ms); the
   * status shows the sources now.
   */
  changed(): void {
    const snapshots = this.sources.map((s) => s.snapshot());
    this.#status.setSources(snapshots.map(sourceStatus));
    const sameRoutes = (this.#routes?.version ?? -1) === this.#routesVersion;
    if (this.#viewOf !== undefined && sameRoutes && sameDeclarations(this.#viewOf, snapshots)) return;
    this.#view = undefined;
    this.#status.setDeclared(this.view().appIds());
  }
}

/** The same sources declaring the same things: every part the view reads is the same object. */
function sameDeclarations(a: readonly SourceSnapshot[], b: readonly SourceSnapshot[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((x, i) => {
    const y = b[i] as SourceSnapshot;
    return (
      x.name === y.name &&
      x.state === y.state &&
      x.apps === y.apps &&
      x.invalid === y.invalid &&
      x.conflicts === y.conflicts &&
      x.unknownSourceLabels === y.unknownSourceLabels &&
      x.lastKnownIds === y.lastKnownIds &&
      x.changing === y.changing &&
      x.heldHosts === y.heldHosts &&
      x.unreadFiles === y.unreadFiles &&
      x.heldRoutes === y.heldRoutes
    );
  });
}

export function sourceStatus(s: SourceSnapshot): SourceStatus {
  return {
    name: s.name,
    state: s.state,
    lastReadAt: s.lastReadAt?.toISOString() ?? null,
    lastError: s.lastError ?? null,
    revision: s.revision ?? null,
    ...(s.dirty !== undefined ? { dirty: s.dirty } : {}),
    ...(s.revisionError !== undefined ? { revisionError: s.revisionError } : {}),
    ...(s.commit !== undefined ? { commit: s.commit } : {}),
    ...(s.remote !== undefined ? { remote: s.remote } : {}),
    ...(s.changing !== undefined && s.changing.size > 0 ? { changing: [...s.changing].sort() } : {}),
    apps: s.apps.size,
  };
}
