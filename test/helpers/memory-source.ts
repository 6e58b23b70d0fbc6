// An in-memory Source for controller unit tests: the test sets what it declares.

import type { DesiredApp, SourceRef } from '../../src/model/desired.js';
import type { Problem } from '../../src/model/problem.js';
import type { SourceState } from '../../src/model/status.js';
import { emptySnapshot, type Source, type SourceChange, type SourceSnapshot } from '../../src/sources/source.js';

export class MemorySource implements Source {
  #snapshot: SourceSnapshot;
  #onChange: ((c: SourceChange) => void) | undefined;
  resyncs = 0;
  /** While true, resync() never finishes (a dead network mount, a watcher that never gets ready). */
  hangResyncs = false;

  constructor(
    readonly name = 'folder',
    state: SourceState = 'Ready',
  ) {
    this.#snapshot = emptySnapshot(name, state);
  }

  async start(onChange: (c: SourceChange) => void): Promise<void> {
    this.#onChange = onChange;
  }

  snapshot(): SourceSnapshot {
    return this.#snapshot;
  }

  resync(): Promise<void> {
    this.resyncs++;
    return this.hangResyncs ? new Promise<void>(() => undefined) : Promise.resolve();
  }

  async stop(): Promise<void> {
    this.#onChange = undefined;
  }

  /** Tells the controller that anything may have changed (as after a rescan), declaring the same. */
  everything(): void {
    this.#onChange?.({ all: true });
  }

  /** Replaces what the source declares and notifies the controller. */
  set(fields: {
    apps?: DesiredApp[];
    invalid?: Array<[string, Problem[]]>;
    conflicts?: Array<[string, SourceRef[]]>;
    state?: SourceState;
    unknownSourceLabels?: string[];
    /** With a state other than Ready: the ids it declared when last read. */
    lastKnownIds?: string[];
    /** Files being written again (SourceSnapshot.changing). */
    changing?: string[];
  }): void {
    const before = new Set([...this.#snapshot.apps.keys(), ...this.#snapshot.invalid.keys()]);
    this.#snapshot = {
      ...emptySnapshot(this.name, fields.state ?? 'Ready'),
      apps: new Map((fields.apps ?? []).map((a) => [a.id, a])),
      invalid: new Map(fields.invalid ?? []),
      conflicts: new Map(fields.conflicts ?? []),
      unknownSourceLabels: new Set(fields.unknownSourceLabels ?? []),
      lastReadAt: new Date(0),
      ...(fields.lastKnownIds ? { lastKnownIds: new Set(fields.lastKnownIds) } : {}),
      ...(fields.changing ? { changing: new Set(fields.changing) } : {}),
    };
    const ids = new Set([...before, ...this.#snapshot.apps.keys(), ...this.#snapshot.invalid.keys()]);
    this.#onChange?.({ ids });
  }

  /** The very same declarations (the same maps), with `paths` being written again; tells nothing. */
  setChanging(paths: string[]): void {
    const { changing: _, ...rest } = this.#snapshot;
    this.#snapshot = paths.length > 0 ? { ...rest, changing: new Set(paths) } : rest;
  }
}
