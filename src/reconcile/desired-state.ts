// What the sources want, as one collaborator: the sources, and the merged view of their
// latest snapshots. The view is rebuilt lazily, once per change rather than once per
// reconcile (merging 10,000 apps for every one of them would cost a pass quadratic time),
// and each change is published to the status store (sources, declared ids).

import type { SourceStatus } from '../status/model.js';
import type { StatusStore } from '../status/store.js';
import type { Source, SourceSnapshot } from '../sources/source.js';
import { DesiredView } from './desired-view.js';

export class DesiredState {
  readonly sources: readonly Source[];
  readonly #status: StatusStore;
  #view: DesiredView | undefined;

  constructor(deps: { sources: readonly Source[]; status: StatusStore }) {
    this.sources = deps.sources;
    this.#status = deps.status;
  }

  /** The merged view of the sources' current snapshots. */
  view(): DesiredView {
    this.#view ??= new DesiredView(this.sources.map((s) => s.snapshot()));
    return this.#view;
  }

  /** A source changed (or was re-read): the next view is merged afresh; the status shows it now. */
  changed(): void {
    this.#view = undefined;
    this.#status.setSources(this.sources.map((s) => sourceStatus(s.snapshot())));
    this.#status.setDeclared(this.view().appIds());
  }
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
    apps: s.apps.size,
  };
}
