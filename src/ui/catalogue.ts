// What the dashboard makes of a `GET /status` document, without the DOM: read defensively
// (the page may talk to an older or newer daemon, and every string in it was written by
// someone else), grouped by Marathon group, filtered as the user asks, and where to frame
// a running app. Pure, so it is tested in Node (test/ui/catalogue.test.ts).
//
// This folder runs in the browser: it imports nothing from the rest of src/ and declares
// the fields it reads itself (src/status/model.ts is the contract they mirror).

export interface UiError {
  message: string;
  code: string | null;
  /** "web.yaml:3:7", "database row /demo/web", or null. */
  where: string | null;
  jsonPath: string | null;
}

export interface UiAbout {
  image: string | null;
  cpus: number | null;
  mem: number | null;
  title: string | null;
  description: string | null;
  links: Array<{ name: string; url: string }>;
}

export type SourceKind = 'file' | 'database' | 'none';

export interface UiApp {
  id: string;
  /** "/demo" for "/demo/hello"; "/" for a top-level app. */
  group: string;
  /** Last segment of the id. */
  name: string;
  source: string | null;
  sourceKind: SourceKind;
  sync: string;
  health: string;
  instances: { desired: number; running: number; healthy: number };
  url: string | null;
  lastAppliedAt: string | null;
  lastError: UiError | null;
  problems: UiError[];
  pendingChanges: string[];
  /** Old → new per field, as `maracker plan` shows them, when the daemon says (else empty). */
  pendingDiff: Array<{ path: string; before: string; after: string }>;
  about: UiAbout | null;
  /** Task endpoints "host:port", when the daemon reports them; empty otherwise. */
  endpoints: string[];
}

export interface UiSource {
  name: string;
  state: string;
  revision: string | null;
  dirty: boolean;
  lastError: UiError | null;
  apps: number;
}

export interface UiPrune {
  blocked: boolean;
  candidates: string[];
  episode: string | null;
}

export interface UiStatus {
  phase: string;
  message: string;
  role: string;
  instance: string;
  installation: string | null;
  ready: boolean;
  marathon: { url: string; reachable: boolean; lastError: UiError | null };
  sources: UiSource[];
  prune: UiPrune;
  apps: UiApp[];
}

export interface Filters {
  text: string;
  group: string;
  sync: string;
  health: string;
  source: string;
}

export const NO_FILTERS: Filters = { text: '', group: '', sync: '', health: '', source: '' };

type Json = Record<string, unknown>;

const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Reads a `GET /status` document; missing or mistyped fields become empty values, never a throw. */
export function readStatus(doc: unknown): UiStatus {
  const d = obj(doc);
  const marathon = obj(d.marathon);
  const prune = obj(d.prune);
  return {
    phase: str(d.phase) ?? 'Unknown',
    message: str(d.message) ?? '',
    role: str(d.role) ?? '',
    instance: str(d.instance) ?? '',
    installation: str(obj(d.installation).name),
    ready: d.ready === true,
    marathon: { url: str(marathon.url) ?? '', reachable: marathon.reachable === true, lastError: readError(marathon.lastError) },
    sources: arr(d.sources).map((s) => {
      const o = obj(s);
      return {
        name: str(o.name) ?? '?',
        state: str(o.state) ?? 'Unknown',
        revision: str(o.revision),
        dirty: o.dirty === true,
        lastError: readError(o.lastError),
        apps: num(o.apps) ?? 0,
      };
    }),
    prune: {
      blocked: prune.blocked === true,
      candidates: arr(prune.candidates).flatMap((c) => (typeof c === 'string' ? [c] : [])),
      episode: str(obj(prune.episode).id),
    },
    apps: arr(d.apps).flatMap((a) => {
      const app = readApp(a);
      return app ? [app] : [];
    }),
  };
}

export function readApp(value: unknown): UiApp | null {
  const a = obj(value);
  const id = str(a.id);
  if (id === null || !id.startsWith('/')) return null;
  const cut = id.lastIndexOf('/');
  const source = str(a.source);
  const instances = obj(a.instances);
  return {
    id,
    group: cut <= 0 ? '/' : id.slice(0, cut),
    name: id.slice(cut + 1),
    source,
    sourceKind: source === null ? 'none' : source.startsWith('database row ') ? 'database' : 'file',
    sync: str(a.sync) ?? 'Unknown',
    health: str(a.health) ?? 'Unknown',
    instances: { desired: num(instances.desired) ?? 0, running: num(instances.running) ?? 0, healthy: num(instances.healthy) ?? 0 },
    url: webUrl(a.url),
    lastAppliedAt: str(a.lastAppliedAt),
    lastError: readError(a.lastError),
    problems: arr(a.problems).flatMap((p) => {
      const e = readError(p);
      return e ? [e] : [];
    }),
    pendingChanges: arr(a.pendingChanges).flatMap((p) => (typeof p === 'string' ? [p] : [])),
    pendingDiff: arr(a.pendingDiff).flatMap((d) => {
      const o = obj(d);
      const path = str(o.path);
      const before = str(o.before);
      const after = str(o.after);
      return path !== null && before !== null && after !== null ? [{ path, before, after }] : [];
    }),
    about: readAbout(a.about),
    endpoints: readEndpoints(a),
  };
}

function readError(value: unknown): UiError | null {
  const e = obj(value);
  const message = str(e.message);
  if (message === null) return null;
  const file = str(e.file);
  const line = num(e.line);
  const column = num(e.column);
  const row = str(e.row);
  const where = file !== null ? [file, line, line !== null ? column : null].filter((x) => x !== null).join(':') : row !== null ? `database row ${row}` : null;
  return { message, code: str(e.code), where, jsonPath: str(e.jsonPath) };
}

function readAbout(value: unknown): UiAbout | null {
  if (typeof value !== 'object' || value === null) return null;
  const a = obj(value);
  const links = obj(a.links);
  return {
    image: str(a.image),
    cpus: num(a.cpus),
    mem: num(a.mem),
    title: str(a.title),
    description: str(a.description),
    links: ['url', 'documentation', 'source'].flatMap((name) => {
      const url = webUrl(links[name]);
      return url ? [{ name, url }] : [];
    }),
  };
}

const ENDPOINT = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\]):[0-9]{1,5}$/;

/**
 * Task endpoints, as a daemon that reports them may name them: `endpoints: ["host:port"]`,
 * or `tasks: [{ host, ports: [..] }]`. Anything else (or nothing) is no endpoint.
 */
function readEndpoints(a: Json): string[] {
  const found = [
    ...arr(a.endpoints).flatMap((e) => {
      if (typeof e === 'string') return [e];
      const o = obj(e);
      return str(o.host) !== null && num(o.port) !== null ? [`${o.host}:${o.port}`] : [];
    }),
    ...arr(a.tasks).flatMap((t) => {
      const o = obj(t);
      const host = str(o.host);
      return host === null ? [] : arr(o.ports).flatMap((p) => (num(p) !== null ? [`${host}:${p}`] : []));
    }),
  ];
  return [...new Set(found.filter((e) => ENDPOINT.test(e)))];
}

/** An http(s) URL, or null: a `javascript:` or relative link from hostile data is never used. */
export function webUrl(value: unknown): string | null {
  const text = str(value);
  if (text === null) return null;
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

export function matches(app: UiApp, f: Filters): boolean {
  if (f.group && app.group !== f.group) return false;
  if (f.sync && app.sync !== f.sync) return false;
  if (f.health && app.health !== f.health) return false;
  if (f.source && app.sourceKind !== f.source) return false;
  const text = f.text.trim().toLowerCase();
  if (!text) return true;
  return [app.id, app.about?.title, app.about?.description, app.about?.image, app.source, app.url].some(
    (s) => typeof s === 'string' && s.toLowerCase().includes(text),
  );
}

/** The apps that match, by group (groups and apps in id order). */
export function groupApps(apps: readonly UiApp[], f: Filters): Array<{ group: string; apps: UiApp[] }> {
  const groups = new Map<string, UiApp[]>();
  for (const app of [...apps].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))) {
    if (!matches(app, f)) continue;
    const list = groups.get(app.group) ?? [];
    list.push(app);
    groups.set(app.group, list);
  }
  return [...groups.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([group, list]) => ({ group, apps: list }));
}

/** Every group of the catalogue, for the group filter. */
export function groupsOf(apps: readonly UiApp[]): string[] {
  return [...new Set(apps.map((a) => a.group))].sort();
}

export interface FrameTarget {
  url: string;
  /** Why this one: the public URL, or a task endpoint. */
  via: 'url' | 'endpoint';
}

/**
 * Where the app can be opened in a frame, best first. A `*.localhost` URL is what `npm
 * start` reports and nothing serves on a laptop without Traefik, so a task endpoint comes
 * before it. Never the dashboard's own origin: a framed page of that origin could reach
 * into the dashboard (and its token) despite the sandbox.
 */
export function frameTargets(app: UiApp, dashboardOrigin: string): FrameTarget[] {
  const byUrl: FrameTarget[] = app.url ? [{ url: app.url, via: 'url' }] : [];
  const byEndpoint: FrameTarget[] = app.endpoints.flatMap((e) => {
    const url = webUrl(`http://${e}/`);
    return url ? [{ url, via: 'endpoint' as const }] : [];
  });
  const localOnly = app.url !== null && new URL(app.url).hostname.endsWith('.localhost');
  const all = localOnly ? [...byEndpoint, ...byUrl] : [...byUrl, ...byEndpoint];
  return all.filter((t) => new URL(t.url).origin !== dashboardOrigin);
}

/**
 * Where the app is declared, as a person looks it up: `apps.yaml:3 at 1a2b3c4d5e6f` (the
 * manifests' git commit, and whether the work tree has uncommitted changes), or the row.
 */
export function sourceText(app: UiApp, sources: readonly UiSource[]): string {
  if (app.source === null) return 'not declared';
  if (app.sourceKind !== 'file') return app.source;
  const folder = sources.find((s) => s.name === 'folder');
  if (!folder?.revision) return app.source;
  return `${app.source} at ${folder.revision.slice(0, 12)}${folder.dirty ? ' (uncommitted changes)' : ''}`;
}

/** What the instance counts say, in words ("1/2 running, 1 healthy"). */
export function instancesText(app: Pick<UiApp, 'instances' | 'health'>): string {
  const i = app.instances;
  // Stopped on purpose: a deployable entry of the catalogue. Not an invalid or missing app,
  // which also counts 0 of 0.
  if (app.health === 'Suspended') return 'suspended: 0 instances (deployable)';
  return `${i.running}/${i.desired} running, ${i.healthy} healthy`;
}
