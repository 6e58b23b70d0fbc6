// What Marathon holds that this installation may act on, from one listing per resync: one
// request for 10,000 apps instead of 10,000. The listing fills the actual-state cache; the
// prune evaluation and "queue everything" read this installation's apps from here.
//
// Ownership: the listing asks only for this installation's apps and the legacy ones (labelled
// before installations existed, ours while declared), so nothing decided from it, prune
// candidates above all, can be about another installation's app. Those are listed
// separately, for the ownership report only.

import type { Logger } from '../base/log.js';
import type { Timers } from '../base/timers.js';
import type { AppId } from '../model/app-id.js';
import { type Ownership, othersSelector, ownershipOf, ownershipSelector } from '../model/labels.js';
import type { MarathonApp } from '../model/marathon.js';
import type { ActualCache } from './actual-cache.js';
import type { DesiredState } from './desired-state.js';
import { errorRecord } from './error-record.js';
import type { MarathonReachability } from './marathon-reachability.js';
import type { OwnershipReport } from './ownership-report.js';
import type { MarathonReader } from './ports.js';

/**
 * What every listing and read of an app embeds: health needs the counts, deployments and last
 * failure; status and the routes served to Traefik v3 need the tasks (where they listen,
 * whether they are healthy).
 */
export const APP_EMBED = ['apps.counts', 'apps.deployments', 'apps.lastTaskFailure', 'apps.tasks'] as const;

export interface MarathonListingDeps {
  marathon: MarathonReader;
  cache: ActualCache;
  reachability: MarathonReachability;
  report: OwnershipReport;
  /** Whether a foreign app's id is declared here (a Conflict, logged as such). */
  desired: DesiredState;
  timers: Timers;
  logger: Logger;
}

export class MarathonListing {
  readonly #d: MarathonListingDeps;
  #installation: string | undefined;
  /**
   * Each listed app's relation to the installation, by the app object: the listing hands out
   * the very object of an app whose bytes did not change (marathon/listing-cache.ts), so a
   * pass asks the labels of 10,000 apps only for those that changed (issue 20).
   */
  #kinds = new WeakMap<MarathonApp, Ownership['kind']>();
  #kindsOf: string | undefined;

  constructor(deps: MarathonListingDeps) {
    this.#d = deps;
  }

  /** Marathon has been listed once: only then does "not listed" mean "not there". */
  get listed(): boolean {
    return this.#d.cache.listed;
  }

  /** This installation's apps as last read: changed, and deleted when no source declares them. */
  ours(): MarathonApp[] {
    if (this.#installation === undefined) return [];
    return this.#d.cache.ownedApps((app) => this.#kind(app) === 'ours');
  }

  /** Ids of the apps the listing shows: this installation's and the legacy ones. */
  listedIds(): AppId[] {
    if (this.#installation === undefined) return [];
    return this.#d.cache.ownedApps(this.#listable).map((a) => a.id);
  }

  readonly #listable = (app: MarathonApp): boolean => {
    const kind = this.#kind(app);
    return kind === 'ours' || kind === 'legacy';
  };

  /**
   * ownershipOf the app for the installation, once per app object when it is frozen (listed
   * apps are: their labels cannot move under the answer); an app read alone is asked anew.
   */
  #kind(app: MarathonApp): Ownership['kind'] {
    const installation = this.#installation as string;
    if (!Object.isFrozen(app)) return ownershipOf(app.labels, installation).kind;
    if (this.#kindsOf !== installation) {
      this.#kinds = new WeakMap();
      this.#kindsOf = installation;
    }
    let kind = this.#kinds.get(app);
    if (kind === undefined) {
      kind = ownershipOf(app.labels, installation).kind;
      this.#kinds.set(app, kind);
    }
    return kind;
  }

  /**
   * Lists the apps of `installation` into the cache, then the others for the report. Resolves
   * whether Marathon answered. `sourcesRead`: the report (which foreign apps are declared
   * here) waits for it, when the listing began before the sources' first read was done.
   */
  async list(installation: string, sourcesRead?: Promise<unknown>): Promise<boolean> {
    this.#installation = installation;
    const startedAt = this.#d.timers.now();
    try {
      // The selector names the installation: an app of another one is never in this list.
      const apps = await this.#d.marathon.listApps({ label: ownershipSelector(installation), embed: [...APP_EMBED] });
      this.#d.cache.replaceOwned(apps, startedAt, this.#listable);
      const listed = new Set(apps.map((a) => a.id));
      this.#d.report.retainLegacy((id) => listed.has(id));
      this.#d.reachability.answered();
      await this.#listOthers(installation, sourcesRead);
      return true;
    } catch (err) {
      // Logged when Marathon becomes unreachable, not at every retry of an outage.
      const news = this.#d.reachability.failed(err);
      this.#d.logger[news ? 'warn' : 'debug']({ err: errorRecord(err) }, 'cannot list Marathon apps');
      return false;
    }
  }

  /** Lists other installations' apps for the report (ids and owners); a failure only leaves it as it was. */
  async #listOthers(installation: string, sourcesRead?: Promise<unknown>): Promise<void> {
    try {
      const apps = await this.#d.marathon.listApps({ label: othersSelector(installation) });
      if (sourcesRead !== undefined) await sourcesRead;
      const view = this.#d.desired.view();
      const foreign: Array<{ id: AppId; installation: string }> = [];
      for (const app of apps) {
        const owner = ownershipOf(app.labels, installation);
        if (owner.kind === 'foreign') foreign.push({ id: app.id, installation: owner.installation });
      }
      this.#d.report.replaceForeign(foreign, (id) => view.get(id).kind !== 'absent');
    } catch (err) {
      this.#d.logger.debug({ err: errorRecord(err) }, 'cannot list the apps of other installations');
    }
  }
}
