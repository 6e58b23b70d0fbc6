// What this installation sees of apps it must not act on by itself: apps of other
// installations (foreign: never written) and apps labelled before installations existed
// (legacy: ours only while one of our sources declares them, never deleted). Kept for the
// status document and the metrics, and logged once per app, not once per pass: a resync
// every 30 s would otherwise repeat the same lines for every foreign app forever.

import type { Logger } from '../base/log.js';
import type { AppId } from '../model/app-id.js';
import type { Ownership } from '../model/labels.js';
import type { InstallationStatus } from '../status/model.js';

/** Ids listed in the status document per list; the counts are always whole. */
export const REPORTED_IDS_LIMIT = 100;

export interface OwnershipReportOptions {
  logger: Logger;
  /**
   * Where the report goes when it changed (the status store), once per turn of the event
   * loop: a pass observes every app, and publishing after each would serialise the report
   * 10,000 times.
   */
  publish: (report: Omit<InstallationStatus, 'name' | 'origin'>) => void;
}

export class OwnershipReport {
  readonly #o: OwnershipReportOptions;
  #publishing = false;
  /** id → the installation that owns it. */
  readonly #foreign = new Map<AppId, string>();
  /** id → declared by one of our sources (claimed). */
  readonly #legacy = new Map<AppId, boolean>();
  /** id → what was last logged about it, so each situation is logged once. */
  readonly #logged = new Map<AppId, string>();

  constructor(options: OwnershipReportOptions) {
    this.#o = options;
  }

  /** One listing of every app other installations own: replaces what was known of them. */
  replaceForeign(apps: Iterable<{ id: AppId; installation: string }>, declared: (id: AppId) => boolean): void {
    const before = this.#foreign.size;
    const seen = new Set<AppId>();
    let changed = false;
    for (const a of apps) {
      seen.add(a.id);
      changed = this.#setForeign(a.id, a.installation, declared(a.id)) || changed;
    }
    for (const id of [...this.#foreign.keys()]) {
      if (seen.has(id)) continue;
      this.#foreign.delete(id);
      this.#logged.delete(id);
      changed = true;
    }
    if (changed || before !== this.#foreign.size) this.#changed();
  }

  /** One listing of the apps this installation may act on: drops legacy apps no longer there. */
  retainLegacy(listed: (id: AppId) => boolean): void {
    let changed = false;
    for (const id of [...this.#legacy.keys()]) {
      if (listed(id)) continue;
      this.#legacy.delete(id);
      this.#logged.delete(id);
      changed = true;
    }
    if (changed) this.#changed();
  }

  /**
   * What one look at one id found: its owner in Marathon (undefined: no such app) and whether
   * one of our sources declares it.
   */
  observe(id: AppId, owner: Ownership | undefined, declared: boolean): void {
    let changed = false;
    if (owner?.kind === 'foreign') {
      changed = this.#setForeign(id, owner.installation, declared);
    } else if (this.#foreign.delete(id)) {
      changed = true;
    }
    if (owner?.kind === 'legacy') {
      if (this.#legacy.get(id) !== declared) {
        this.#legacy.set(id, declared);
        changed = true;
      }
      if (!declared) {
        this.#logOnce(
          id,
          'legacy-unclaimed',
          'info',
          { appId: id },
          `${id} carries the ownership label of a maracker without installations, and no source of this installation declares it: this installation never deletes it (it may be another installation's; see "Upgrading" in docs/operations.md)`,
        );
      } else {
        this.#logged.delete(id);
      }
    } else if (this.#legacy.delete(id)) {
      changed = true;
    }
    if (owner === undefined || owner.kind === 'ours' || owner.kind === 'unmanaged') this.#logged.delete(id);
    if (changed) this.#changed();
  }

  snapshot(): Omit<InstallationStatus, 'name' | 'origin'> {
    const foreign = [...this.#foreign].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const unclaimed = [...this.#legacy]
      .filter(([, claimed]) => !claimed)
      .map(([id]) => id)
      .sort();
    return {
      foreign: { count: foreign.length, apps: foreign.slice(0, REPORTED_IDS_LIMIT).map(([id, installation]) => ({ id, installation })) },
      legacy: { claimed: this.#legacy.size - unclaimed.length, unclaimed: { count: unclaimed.length, apps: unclaimed.slice(0, REPORTED_IDS_LIMIT) } },
    };
  }

  #changed(): void {
    if (this.#publishing) return;
    this.#publishing = true;
    setImmediate(() => {
      this.#publishing = false;
      this.#o.publish(this.snapshot());
    });
  }

  #setForeign(id: AppId, installation: string, declared: boolean): boolean {
    const changed = this.#foreign.get(id) !== installation;
    this.#foreign.set(id, installation);
    this.#legacy.delete(id);
    if (declared) {
      this.#logOnce(
        id,
        `foreign:${installation}:declared`,
        'warn',
        { appId: id, owner: installation },
        `${id} is declared here but belongs to maracker installation "${installation}": Conflict, never written by this installation`,
      );
    } else {
      this.#logOnce(
        id,
        `foreign:${installation}`,
        'info',
        { appId: id, owner: installation },
        `${id} belongs to maracker installation "${installation}": never written by this installation`,
      );
    }
    return changed;
  }

  #logOnce(id: AppId, situation: string, level: 'info' | 'warn', obj: object, msg: string): void {
    if (this.#logged.get(id) === situation) return;
    this.#logged.set(id, situation);
    this.#o.logger[level](obj, msg);
  }
}
