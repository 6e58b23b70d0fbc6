// The status the reconciler writes and everyone else reads: the HTTP server, the metrics,
// and the database status writer. Writers replace whole records; readers get snapshots, so
// a poll never sees a half-updated app. Each record is kept serialised, with its length and
// digest, and the document's parts (StatusParts) between changes, because portals poll it
// while a 10,000-app pass runs: a change re-serialises one record, not 8 MiB.
//
// Every record is scrubbed of secrets on its way in (src/secrets/scrubber.ts): an error
// message may quote a connection string, and what the store holds is what /status, the
// metrics and maracker.app_status show.
//
// Each app also keeps its recent reconcile outcomes (./outcomes.ts), served with the app by
// GET /status/apps/{id} only: they are not part of the whole document (10,000 apps times ten
// entries would weigh on every poll of it), nor of what app listeners hear (maracker.app_status,
// Traefik's routes), so recording one changes neither the document nor its ETag.

import { createHash, hash } from 'node:crypto';
import type { AppId } from '../model/app-id.js';
import type { HEALTH, Role, SYNC } from '../model/status.js';
import { BASIC_SCRUBBER, type Scrubber } from '../secrets/scrubber.js';
import type { Installation } from '../model/installation.js';
import type { AppStatus, DaemonStatus, OutcomeRecord, InstallationStatus, MarathonStatus, PruneStatus, SourceStatus } from './model.js';
import { type AppQuery, type PageInfo, selectApps } from './app-query.js';
import { derivePhase } from './phase.js';
import { OutcomeLog, type OutcomeInput } from './outcomes.js';

/** How the document's `apps` opens: its last field. */
const APPS_OPENING = '"apps":[';

export type AppStatusListener = (id: AppId, status: AppStatus | undefined) => void;

/**
 * The serialised `GET /status` document in parts, to be written a slice at a time: `head`,
 * then `items` joined by commas (the apps' records, sorted by id), then `tail`. `bytes` is
 * its UTF-8 length and `digest` a hash of its content (the same content, the same digest,
 * across restarts too), both known without encoding or hashing the megabytes of 10,000 apps.
 */
export interface StatusParts {
  readonly head: string;
  readonly items: readonly string[];
  readonly tail: string;
  readonly bytes: number;
  readonly digest: string;
}

/**
 * A record's UTF-8 length, and a digest of its JSON: sha256 in base64, a string of 44 bytes
 * rather than a Buffer of 32, which costs V8 and Node several hundred bytes of objects and
 * native memory each (2 MiB at 10,000 apps).
 */
interface RecordSum {
  bytes: number;
  digest: string;
}

export interface StatusStoreOptions {
  instance: string;
  marathonUrl: string;
  role?: Role;
  now?: () => Date;
  /** Applied to every record written. Default: URL credentials and header values only. */
  scrubber?: Scrubber;
}

export class StatusStore {
  readonly #apps = new Map<AppId, AppStatus>();
  /** JSON of each record, to tell real changes from rewrites of the same values. */
  readonly #appJson = new Map<AppId, string>();
  readonly #appSums = new Map<AppId, RecordSum>();
  readonly #listeners = new Set<AppStatusListener>();
  readonly #outcomes = new Map<AppId, OutcomeLog>();
  readonly #now: () => Date;
  readonly #instance: string;
  readonly #startedAt: string;
  readonly #scrubber: Scrubber;
  #role: Role;
  #sources: SourceStatus[] = [];
  #marathon: MarathonStatus;
  // Until the prune guard reports (the controller publishes it as soon as it exists).
  #prune: PruneStatus = {
    blocked: false,
    limit: 0,
    candidates: [],
    overridden: false,
    budget: { used: 0, limit: 0, windowSeconds: 0, freesAt: null, history: 'memory', loaded: false },
    episode: null,
  };
  #installation: InstallationStatus = { name: null, origin: null, foreign: { count: 0, apps: [] }, legacy: { claimed: 0, unclaimed: { count: 0, apps: [] } } };
  #ready = false;
  #stopping = false;
  #declared: ReadonlySet<AppId> = new Set();
  #version = 0;
  /** Counts changes to app records only (what GET /traefik/v3 is made of). */
  #appsVersion = 0;
  #cached: { version: number; doc: DaemonStatus } | undefined;
  #partsCached: { version: number; parts: StatusParts } | undefined;
  /** The apps by id, sorted; undefined after an app came or went. A record's change keeps it. */
  #ids: AppId[] | undefined;
  /** Each id's place in #ids, and each record's digest at 32 bytes times that place (while #ids holds). */
  #index = new Map<AppId, number>();
  #digests: Buffer = Buffer.alloc(0);
  /** Apps whose record changed since #appsCached was built (while #ids holds). */
  readonly #changed = new Set<AppId>();
  #appsCached: { version: number; apps: AppStatus[]; items: string[]; bytes: number; digest: Buffer } | undefined;

  constructor(options: StatusStoreOptions) {
    this.#instance = options.instance;
    this.#role = options.role ?? 'standalone';
    this.#scrubber = options.scrubber ?? BASIC_SCRUBBER;
    this.#now = options.now ?? (() => new Date());
    this.#startedAt = this.#now().toISOString();
    this.#marathon = { url: options.marathonUrl, reachable: false, lastReadAt: null, lastError: null };
  }

  /** Replaces an app's record; listeners hear of it only when something changed. */
  setApp(record: AppStatus): void {
    const status = this.#scrubber.value(record);
    const json = JSON.stringify(status);
    if (this.#appJson.get(status.id) === json) return;
    if (!this.#apps.has(status.id)) this.#ids = undefined;
    else this.#changed.add(status.id);
    this.#apps.set(status.id, status);
    this.#appJson.set(status.id, json);
    this.#appSums.set(status.id, { bytes: Buffer.byteLength(json, 'utf8'), digest: hash('sha256', json, 'base64') });
    this.#appsVersion++;
    this.#touch();
    for (const l of this.#listeners) l(status.id, status);
  }

  removeApp(id: AppId): void {
    if (!this.#apps.delete(id)) return;
    this.#ids = undefined;
    this.#appJson.delete(id);
    this.#appSums.delete(id);
    this.#outcomes.delete(id);
    this.#appsVersion++;
    this.#touch();
    for (const l of this.#listeners) l(id, undefined);
  }

  getApp(id: AppId): AppStatus | undefined {
    return this.#apps.get(id);
  }

  /**
   * Records a reconcile outcome of an app that has a record (written first: an outcome of an
   * app status does not report on would never be shown, nor freed), stamped with the store's
   * clock and scrubbed as records are. Returns false when the log did not change (a pass with
   * nothing new: ./outcomes.ts).
   */
  recordOutcome(id: AppId, outcome: OutcomeInput): boolean {
    if (!this.#apps.has(id)) return false;
    // Kept only once something is recorded: most apps of a pass are in sync and never need one.
    const log = this.#outcomes.get(id) ?? new OutcomeLog();
    if (!log.add(this.#scrubber.value(outcome), this.#now().toISOString())) return false;
    this.#outcomes.set(id, log);
    return true;
  }

  /** An app's recent outcomes, newest first (empty when none or unknown). */
  outcomes(id: AppId): readonly OutcomeRecord[] {
    return this.#outcomes.get(id)?.entries() ?? [];
  }

  /** The serialised `GET /status/apps/{id}` reply (the record and its outcomes), or undefined. */
  appDetailJson(id: AppId): string | undefined {
    const json = this.#appJson.get(id);
    if (json === undefined) return undefined;
    // The record's JSON is an object: its outcomes go in as its last field. They are serialised
    // per request (ten entries, microseconds) rather than kept twice: 10,000 apps with full
    // logs of writes held 65 MB with a serialised copy of each, 27 MB without (measured).
    return `${json.slice(0, -1)},"outcomes":${JSON.stringify(this.outcomes(id))}}`;
  }

  appIds(): AppId[] {
    return [...this.#apps.keys()];
  }

  /** Changes whenever an app's record changes (and only then): a key for what is derived from the records. */
  get appsVersion(): number {
    return this.#appsVersion;
  }

  /** Every app's record, in no particular order. */
  apps(): IterableIterator<AppStatus> {
    return this.#apps.values();
  }

  onAppChange(listener: AppStatusListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  setSources(records: SourceStatus[]): void {
    const sources = this.#scrubber.value(records);
    if (JSON.stringify(sources) === JSON.stringify(this.#sources)) return;
    this.#sources = sources;
    this.#touch();
  }

  setMarathon(m: MarathonStatus): void {
    this.#marathon = this.#scrubber.value(m);
    this.#touch();
  }

  get marathon(): MarathonStatus {
    return this.#marathon;
  }

  setPrune(p: PruneStatus): void {
    this.#prune = p;
    this.#touch();
  }

  get prune(): PruneStatus {
    return this.#prune;
  }

  /** This daemon's installation, once known. */
  setInstallation(installation: Installation): void {
    this.#installation = { ...this.#installation, name: installation.name, origin: installation.origin };
    this.#touch();
  }

  /** What the installation sees of apps it does not own (foreign, legacy). */
  setOwnership(report: Pick<InstallationStatus, 'foreign' | 'legacy'>): void {
    this.#installation = { ...this.#installation, foreign: report.foreign, legacy: report.legacy };
    this.#touch();
  }

  get installation(): InstallationStatus {
    return this.#installation;
  }

  setRole(role: Role): void {
    this.#role = role;
    this.#touch();
  }

  get role(): Role {
    return this.#role;
  }

  /** The ids the sources declare validly now (the phase is Ready only once each is Synced). */
  setDeclared(ids: ReadonlySet<AppId>): void {
    if (ids.size === this.#declared.size && [...ids].every((id) => this.#declared.has(id))) return;
    this.#declared = ids;
    this.#touch();
  }

  markReady(): void {
    this.#ready = true;
    this.#touch();
  }

  get ready(): boolean {
    return this.#ready;
  }

  markStopping(): void {
    this.#stopping = true;
    this.#touch();
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  #touch(): void {
    this.#version++;
  }

  /**
   * The apps sorted by id, their records' JSON in that order, the JSON's length and a digest
   * of it: rebuilt only when an app changed, not when a pass stamps the time Marathon was
   * read; sorted again only when an app came or went. When only records changed, the last
   * arrays are copied with those records replaced, and the digest is one over the records'
   * digests kept side by side: a pass that changed a hundred of 10,000 records had every
   * `GET /status` after it hash 10,000 digests one by one (tens of milliseconds of event
   * loop, which `GET /status/apps/{id}` waited out). The arrays handed out never change: a
   * reply being written from them stays whole.
   */
  #sortedApps(): { apps: AppStatus[]; items: string[]; bytes: number; digest: Buffer } {
    const last = this.#appsCached;
    if (last?.version === this.#appsVersion) return last;
    if (this.#ids === undefined || last === undefined) return this.#sortAll();
    const apps = last.apps.slice();
    const items = last.items.slice();
    let bytes = last.bytes;
    for (const id of this.#changed) {
      const i = this.#index.get(id);
      const sum = this.#appSums.get(id);
      if (i === undefined || sum === undefined) return this.#sortAll();
      bytes += sum.bytes - Buffer.byteLength(items[i] as string, 'utf8');
      apps[i] = this.#apps.get(id) as AppStatus;
      items[i] = this.#appJson.get(id) as string;
      this.#digests.write(sum.digest, i * 32, 'base64');
    }
    this.#changed.clear();
    this.#appsCached = { version: this.#appsVersion, apps, items, bytes, digest: hash('sha256', this.#digests, 'buffer') };
    return this.#appsCached;
  }

  #sortAll(): { apps: AppStatus[]; items: string[]; bytes: number; digest: Buffer } {
    const ids = (this.#ids ??= [...this.#apps.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const apps: AppStatus[] = [];
    const items: string[] = [];
    this.#index = new Map();
    this.#digests = Buffer.alloc(ids.length * 32);
    let bytes = 0;
    for (const [i, id] of ids.entries()) {
      apps.push(this.#apps.get(id) as AppStatus);
      items.push(this.#appJson.get(id) as string);
      const sum = this.#appSums.get(id) as RecordSum;
      bytes += sum.bytes;
      this.#digests.write(sum.digest, i * 32, 'base64');
      this.#index.set(id, i);
    }
    this.#changed.clear();
    this.#appsCached = { version: this.#appsVersion, apps, items, bytes, digest: hash('sha256', this.#digests, 'buffer') };
    return this.#appsCached;
  }

  #build(): DaemonStatus {
    if (this.#cached?.version === this.#version) return this.#cached.doc;
    const { apps } = this.#sortedApps();
    const { phase, message } = derivePhase({
      stopping: this.#stopping,
      ready: this.#ready,
      sources: this.#sources,
      marathon: this.#marathon,
      prune: this.#prune,
      apps,
      declared: this.#declared,
    });
    const doc: DaemonStatus = {
      phase,
      message,
      role: this.#role,
      instance: this.#instance,
      installation: this.#installation,
      startedAt: this.#startedAt,
      ready: this.#ready,
      sources: this.#sources,
      marathon: this.#marathon,
      prune: this.#prune,
      apps,
    };
    this.#cached = { version: this.#version, doc };
    return doc;
  }

  snapshot(): DaemonStatus {
    return this.#build();
  }

  /** The `GET /status` document in parts (StatusParts), rebuilt only after a change. */
  parts(): StatusParts {
    if (this.#partsCached?.version === this.#version) return this.#partsCached.parts;
    const { apps: _apps, ...rest } = this.#build();
    const sorted = this.#sortedApps();
    // `apps` is the document's last field: the rest serialised, the apps' records after it.
    const head = `${JSON.stringify(rest).slice(0, -1)},${APPS_OPENING}`;
    const tail = ']}';
    const n = sorted.items.length;
    const parts: StatusParts = {
      head,
      items: sorted.items,
      tail,
      bytes: Buffer.byteLength(head, 'utf8') + sorted.bytes + Math.max(0, n - 1) + tail.length,
      digest: createHash('sha256').update(head).update(sorted.digest).update(tail).digest('base64url').slice(0, 27),
    };
    this.#partsCached = { version: this.#version, parts };
    return parts;
  }

  /**
   * The `GET /status` document with only the apps the query keeps (./app-query.ts), in
   * parts, and the page it is when the query has a limit (also in the document, as `page`,
   * just before `apps`). Made from the records kept serialised: nothing is serialised again.
   * Its digest covers what it holds, as the whole document's does.
   */
  select(q: AppQuery): { parts: StatusParts; page: PageInfo | undefined } {
    const whole = this.parts();
    const sorted = this.#sortedApps();
    const { indexes, next } = selectApps(sorted.apps, q);
    const page: PageInfo | undefined = q.limit === undefined ? undefined : { limit: q.limit, after: q.after ?? null, next };
    // The whole document's head ends with `"apps":[`: the page goes in before it.
    const head = page === undefined ? whole.head : `${whole.head.slice(0, -APPS_OPENING.length)}"page":${JSON.stringify(page)},${APPS_OPENING}`;
    const items: string[] = [];
    const hash = createHash('sha256').update(head);
    let bytes = Buffer.byteLength(head, 'utf8') + whole.tail.length + Math.max(0, indexes.length - 1);
    for (const i of indexes) {
      const app = sorted.apps[i] as AppStatus;
      const sum = this.#appSums.get(app.id) as RecordSum;
      items.push(sorted.items[i] as string);
      bytes += sum.bytes;
      hash.update(sum.digest, 'base64');
    }
    const digest = hash.update(whole.tail).digest('base64url').slice(0, 27);
    return { parts: { head, items, tail: whole.tail, bytes, digest }, page };
  }

  /** The serialised `GET /status` document, whole (the status server writes it in parts). */
  json(): string {
    const p = this.parts();
    return `${p.head}${p.items.join(',')}${p.tail}`;
  }

  /** Apps by sync and by health, for the metrics gauges. */
  counts(): { sync: Record<(typeof SYNC)[number], number>; health: Record<(typeof HEALTH)[number], number> } {
    const sync = { Synced: 0, OutOfSync: 0, Invalid: 0, Conflict: 0, Unknown: 0 };
    const health = { Healthy: 0, Progressing: 0, Degraded: 0, Missing: 0, Suspended: 0, Unknown: 0 };
    for (const a of this.#apps.values()) {
      sync[a.sync]++;
      health[a.health]++;
    }
    return { sync, health };
  }
}
