// MarathonClient: the only way maracker acts on Marathon. Each method is one REST call with
// a typed result and a typed failure (errors.ts). Reads are retried on transient failures;
// writes are sent exactly once, because a write that timed out may have started a
// deployment, and only the caller (after re-reading) can tell.

import type { DeploymentRef, MarathonApp, MarathonAppDefinition, MarathonDeployment } from '../model/marathon.js';
import { readApp, readCreated, readDeploymentRef, readDeployments, readInfo, readLeader, type MarathonInfo } from './body.js';
import { toWriteBody } from './definition.js';
import { MarathonEventSubscription, type EventSubscription, type EventsOptions } from './events.js';
import { HttpTransport } from './http.js';
import { AppListingCache, ListingShapeError, type ListingReadStats } from './listing-cache.js';
import { resolveOptions, type MarathonClientOptions, type ResolvedOptions } from './options.js';
import { appPath, appRestartPath, canonicalAppId, deploymentPath, ROUTES, type Query } from './routes.js';
import { checkInteger } from '../base/options.js';

export type AppEmbed = 'apps.tasks' | 'apps.counts' | 'apps.deployments' | 'apps.lastTaskFailure' | 'apps.taskStats' | 'apps.readiness';

export interface ListAppsOptions {
  /** Marathon label selector, e.g. OWNERSHIP_SELECTOR (see selector.ts for the grammar). */
  label?: string;
  embed?: AppEmbed[];
  /** Only apps whose id contains this string (Marathon's `id` filter, case-insensitive). */
  id?: string;
}

export interface GetAppOptions {
  embed?: AppEmbed[];
}

export interface ForceOption {
  /** Cancel the deployments that lock the app. Default false: the caller waits instead. */
  force?: boolean;
}

export class MarathonClient {
  readonly #opts: ResolvedOptions;
  readonly #http: HttpTransport;
  readonly #subscriptions = new Set<MarathonEventSubscription>();
  /** The apps of the last listing of each query, by the digest of their bytes (listing-cache.ts). */
  readonly #listings = new Map<string, AppListingCache>();

  constructor(options: MarathonClientOptions) {
    this.#opts = resolveOptions(options);
    this.#http = new HttpTransport(this.#opts);
    if (this.#opts.insecureTls) {
      this.#opts.logger?.warn({ url: this.#opts.baseUrl }, 'Marathon TLS certificates are not verified (insecureTls)');
    }
  }

  /** The configured base URL (never holds credentials). */
  get url(): string {
    return this.#opts.baseUrl;
  }

  /** Where requests go now: the leader a standby redirected to, or the configured URL. */
  get currentUrl(): string {
    return this.#http.currentBase;
  }

  /**
   * GET /v2/apps. A body without an `apps` array is MRK_MARATHON_BAD_BODY, never `[]`:
   * an unreadable list is unknown, and reading it as empty would prune everything.
   */
  async listApps(opts: ListAppsOptions = {}): Promise<MarathonApp[]> {
    const query = listQuery(opts);
    const listing = this.#listing(JSON.stringify(query));
    const req = { method: 'GET', path: ROUTES.apps, query, route: ROUTES.apps } as const;
    const read = { pause: this.#opts.pause };
    // A listing of another shape last time (read whole): read whole again, not twice a pass.
    if (listing.lastRead.whole) return this.#http.call(req, (res) => listing.read(res.bytes, read));
    try {
      // As it arrives: the body is never held whole (34 MiB at 10,000 apps with their tasks).
      return await this.#http.callStream(req, (body, busy) => listing.readStream(body, { ...read, busy }));
    } catch (err) {
      if (!(err instanceof ListingShapeError)) throw err;
      // Not the plain shape, or an app that does not parse: read again whole, which parses a
      // listing of another shape, and refuses a bad one with the precise error.
      return this.#http.call(req, (res) => listing.read(res.bytes, read));
    }
  }

  /** What the last listApps with these options did: apps, how many were parsed, slices. */
  listingStats(opts: ListAppsOptions = {}): Readonly<ListingReadStats> | undefined {
    return this.#listings.get(JSON.stringify(listQuery(opts)))?.lastRead;
  }

  /** The cache of one query's listing; a few queries are kept (the daemon makes two). */
  #listing(key: string): AppListingCache {
    let cache = this.#listings.get(key);
    if (cache === undefined) {
      if (this.#listings.size >= MAX_LISTINGS) this.#listings.delete(this.#listings.keys().next().value as string);
      cache = new AppListingCache();
    } else {
      this.#listings.delete(key);
    }
    this.#listings.set(key, cache);
    return cache;
  }

  /** GET /v2/apps/{id}; MarathonNotFoundError when there is no such app. */
  async getApp(id: string, opts: GetAppOptions = {}): Promise<MarathonApp> {
    const appId = canonicalAppId(id);
    const query: Query = (opts.embed ?? []).map((e) => ['embed', e]);
    return this.#http.call({ method: 'GET', path: appPath(appId), query, route: ROUTES.app, appId }, (res) => readApp(res.text));
  }

  /** POST /v2/apps. Server-only fields (version, versionInfo, tasks, counts...) are not sent. */
  async createApp(def: MarathonAppDefinition, opts: ForceOption = {}): Promise<DeploymentRef & { app?: MarathonApp }> {
    const appId = canonicalAppId(def.id);
    return this.#http.call(
      { method: 'POST', path: ROUTES.apps, query: forceQuery(opts), body: toWriteBody({ ...def, id: appId }), route: ROUTES.apps, appId },
      (res) => readCreated(res.text, res.headers),
    );
  }

  /**
   * PUT /v2/apps/{id}?partialUpdate=false: replaces the whole definition (fields left out
   * return to their defaults). `version` is stripped: sending it back asks for a rollback.
   */
  async updateApp(id: string, def: MarathonAppDefinition, opts: ForceOption = {}): Promise<DeploymentRef> {
    const appId = canonicalAppId(id);
    const query: Query = [['partialUpdate', 'false'], ...forceQuery(opts)];
    return this.#http.call({ method: 'PUT', path: appPath(appId), query, body: toWriteBody({ ...def, id: appId }), route: ROUTES.app, appId }, (res) =>
      readDeploymentRef(res.text, res.headers),
    );
  }

  /** PUT /v2/apps/{id} with only `{instances}` (a partial update): scales without restarting tasks. */
  async scaleApp(id: string, instances: number, opts: ForceOption = {}): Promise<DeploymentRef> {
    const appId = canonicalAppId(id);
    checkInteger('instances', instances, 0);
    return this.#http.call({ method: 'PUT', path: appPath(appId), query: forceQuery(opts), body: { instances }, route: ROUTES.app, appId }, (res) =>
      readDeploymentRef(res.text, res.headers),
    );
  }

  /** DELETE /v2/apps/{id}. */
  async deleteApp(id: string, opts: ForceOption = {}): Promise<DeploymentRef> {
    const appId = canonicalAppId(id);
    return this.#http.call({ method: 'DELETE', path: appPath(appId), query: forceQuery(opts), route: ROUTES.app, appId }, (res) =>
      readDeploymentRef(res.text, res.headers),
    );
  }

  /** POST /v2/apps/{id}/restart: a rolling restart with the same definition. */
  async restartApp(id: string, opts: ForceOption = {}): Promise<DeploymentRef> {
    const appId = canonicalAppId(id);
    return this.#http.call({ method: 'POST', path: appRestartPath(appId), query: forceQuery(opts), route: ROUTES.appRestart, appId }, (res) =>
      readDeploymentRef(res.text, res.headers),
    );
  }

  /** GET /v2/deployments. */
  async listDeployments(): Promise<MarathonDeployment[]> {
    return this.#http.call({ method: 'GET', path: ROUTES.deployments, route: ROUTES.deployments }, (res) => readDeployments(res.text));
  }

  /**
   * DELETE /v2/deployments/{id}. Without force Marathon starts a rollback deployment and
   * returns it; with force it just stops the deployment (202, no body) and this returns null.
   */
  async cancelDeployment(id: string, opts: ForceOption = {}): Promise<DeploymentRef | null> {
    return this.#http.call({ method: 'DELETE', path: deploymentPath(id), query: forceQuery(opts), route: ROUTES.deployment }, (res) =>
      res.status === 202 || res.status === 204 || res.text.trim() === '' ? null : readDeploymentRef(res.text, res.headers),
    );
  }

  /** GET /v2/info. */
  async info(): Promise<MarathonInfo> {
    return this.#http.call({ method: 'GET', path: ROUTES.info, route: ROUTES.info }, (res) => readInfo(res.text));
  }

  /** GET /v2/leader: the leader's `host:port`; MarathonNotFoundError when there is none. */
  async leader(): Promise<string> {
    return this.#http.call({ method: 'GET', path: ROUTES.leader, route: ROUTES.leader }, (res) => readLeader(res.text));
  }

  /** GET /ping: resolves when Marathon answers 2xx. */
  async ping(): Promise<void> {
    await this.#http.call({ method: 'GET', path: ROUTES.ping, route: ROUTES.ping, accept: 'text/plain, */*' }, () => undefined);
  }

  /** Subscribes to GET /v2/events; reconnects until closed, reporting every gap. */
  events(opts: EventsOptions): EventSubscription {
    const sub = new MarathonEventSubscription(
      opts,
      { transport: this.#http, sleep: this.#opts.sleep, random: this.#opts.random, timers: this.#opts.timers, logger: this.#opts.logger },
      (s) => this.#subscriptions.delete(s),
    );
    this.#subscriptions.add(sub);
    return sub;
  }

  /** Closes every event subscription, then the connection pool. Later calls fail with MRK_MARATHON_CLOSED. */
  async close(): Promise<void> {
    await Promise.all([...this.#subscriptions].map((s) => s.close()));
    await this.#http.close();
  }
}

/** Listing queries whose apps are kept (the least recently used is dropped). */
const MAX_LISTINGS = 4;

function listQuery(opts: ListAppsOptions): Query {
  const query: Query = [];
  if (opts.id !== undefined) query.push(['id', opts.id]);
  if (opts.label !== undefined) query.push(['label', opts.label]);
  for (const e of opts.embed ?? []) query.push(['embed', e]);
  return query;
}

function forceQuery(opts: ForceOption): Query {
  return opts.force === true ? [['force', 'true']] : [];
}
