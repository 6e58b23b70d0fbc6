// The route, URL and hosts an app was last served, as the route memory keeps them across
// restarts (./route-memory.ts), and their file's text. Pure.
//
// The file is the daemon's own (a private file, src/base/private-file.ts), but what it says
// is served to Traefik: every entry is checked to be a route maracker could have written, and
// one that is not is left out (and said), never served.

import { type AppId, isValidAppId } from '../model/app-id.js';
import { isObject } from '../model/json.js';
import type { ExposedRoute } from '../model/desired.js';
import type { Route, RoutePort } from '../model/route.js';

/**
 * What an app was last served: its Traefik v3 route (without servers), its public URL, and
 * the hosts and paths it is routed at with the kind of source that declared it (which rows
 * may not take: src/reconcile/route-clash.ts).
 */
export interface KeptRoute {
  route?: Route;
  url?: string;
  exposes?: readonly ExposedRoute[];
  source?: 'file' | 'database';
}

/** The route memory as the reconciler and the desired view use it (./route-memory.ts). */
export interface RememberedRoutes {
  get(id: AppId): KeptRoute | undefined;
  /** What a valid declaration serves now; undefined: nothing, or the app is gone. */
  remember(id: AppId, kept: KeptRoute | undefined): void;
  entries(): IterableIterator<[AppId, KeptRoute]>;
  /** Moves whenever what it remembers changes. */
  readonly version: number;
}

const FILE_VERSION = 1;
const NAME = /^[A-Za-z0-9_-]{1,1024}$/;
/** A host as expose gives it, lowercased (the schema's hostname, or a wildcard's first label). */
const HOST = /^[a-z0-9*_.-]{1,1024}$/;
const MAX_EXPOSES = 64;
/** No control characters in anything served to Traefik or shown as a URL. */
const PRINTABLE = /^[^\u0000-\u001f\u007f]{1,4096}$/;

/** The file's text: one JSON object, apps sorted, so the same memory is the same bytes. */
export function keptRoutesText(routes: ReadonlyMap<AppId, KeptRoute>): string {
  const apps: Record<string, unknown> = {};
  for (const id of [...routes.keys()].sort()) {
    const kept = routes.get(id) as KeptRoute;
    apps[id] = {
      ...(kept.route ? { route: routeValue(kept.route) } : {}),
      ...(kept.url !== undefined ? { url: kept.url } : {}),
      ...(kept.exposes ? { exposes: kept.exposes.map((e) => ({ host: e.host, path: e.path })) } : {}),
      ...(kept.source !== undefined ? { source: kept.source } : {}),
    };
  }
  return `${JSON.stringify({ version: FILE_VERSION, apps })}\n`;
}

function routeValue(route: Route): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: route.name,
    rule: route.rule,
    port: 'index' in route.port ? { index: route.port.index } : { number: route.port.number },
  };
  if (route.entryPoints) out.entryPoints = [...route.entryPoints];
  if (route.tls) out.tls = route.tls.certResolver !== undefined ? { certResolver: route.tls.certResolver } : {};
  if (route.stripPrefix) out.stripPrefix = { middleware: route.stripPrefix.middleware, prefix: route.stripPrefix.prefix };
  return out;
}

/** The entries of a file's text, and the ids of those left out; throws when it is not such a file at all. */
export function parseKeptRoutes(text: string): { routes: Map<AppId, KeptRoute>; skipped: string[] } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Said without the parser's message, which quotes the file.
    throw new Error('not valid JSON');
  }
  if (!isObject(value) || value.version !== FILE_VERSION || !isObject(value.apps)) throw new Error(`not a version ${FILE_VERSION} route memory`);
  const routes = new Map<AppId, KeptRoute>();
  const skipped: string[] = [];
  for (const [id, entry] of Object.entries(value.apps)) {
    const valid = isValidAppId(id);
    const kept = valid ? keptRouteOf(entry) : undefined;
    // Named only when it is an app id: nothing else of the file is repeated in a log.
    if (kept === undefined) skipped.push(valid ? id : '(not an app id)');
    else routes.set(id as AppId, kept);
  }
  return { routes, skipped };
}

/** An entry as maracker writes it, or undefined. */
export function keptRouteOf(v: unknown): KeptRoute | undefined {
  if (!isObject(v)) return undefined;
  const kept: KeptRoute = {};
  if (v.route !== undefined) {
    const route = routeOf(v.route);
    if (route === undefined) return undefined;
    kept.route = route;
  }
  if (v.url !== undefined) {
    if (!isText(v.url) || !/^https?:\/\//.test(v.url)) return undefined;
    kept.url = v.url;
  }
  if (v.exposes !== undefined) {
    if (!Array.isArray(v.exposes) || v.exposes.length === 0 || v.exposes.length > MAX_EXPOSES) return undefined;
    const exposes: ExposedRoute[] = [];
    for (const e of v.exposes) {
      if (!isObject(e) || typeof e.host !== 'string' || !HOST.test(e.host) || typeof e.path !== 'string') return undefined;
      if (e.path !== '' && !(isText(e.path) && e.path.startsWith('/'))) return undefined;
      exposes.push({ host: e.host, path: e.path });
    }
    kept.exposes = exposes;
  }
  if (v.source !== undefined) {
    if (v.source !== 'file' && v.source !== 'database') return undefined;
    kept.source = v.source;
  }
  return kept.route === undefined && kept.url === undefined && kept.exposes === undefined ? undefined : kept;
}

function routeOf(v: unknown): Route | undefined {
  if (!isObject(v) || !isName(v.name) || !isText(v.rule)) return undefined;
  const port = portOf(v.port);
  if (port === undefined) return undefined;
  const route: Route = { name: v.name, rule: v.rule, port };
  if (v.entryPoints !== undefined) {
    if (!Array.isArray(v.entryPoints) || v.entryPoints.length === 0 || !v.entryPoints.every(isName)) return undefined;
    route.entryPoints = [...v.entryPoints];
  }
  if (v.tls !== undefined) {
    if (!isObject(v.tls)) return undefined;
    const resolver = v.tls.certResolver;
    if (resolver !== undefined && !isName(resolver)) return undefined;
    route.tls = resolver !== undefined ? { certResolver: resolver } : {};
  }
  if (v.stripPrefix !== undefined) {
    const s = v.stripPrefix;
    if (!isObject(s) || !isName(s.middleware) || !isText(s.prefix) || !s.prefix.startsWith('/')) return undefined;
    route.stripPrefix = { middleware: s.middleware, prefix: s.prefix };
  }
  return route;
}

function portOf(v: unknown): RoutePort | undefined {
  if (!isObject(v)) return undefined;
  const keys = Object.keys(v);
  if (keys.length !== 1) return undefined;
  if (isInt(v.index, 0, 999)) return { index: v.index };
  if (isInt(v.number, 1, 65535)) return { number: v.number };
  return undefined;
}

function isInt(v: unknown, min: number, max: number): v is number {
  return Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
}

function isName(v: unknown): v is string {
  return typeof v === 'string' && NAME.test(v);
}

function isText(v: unknown): v is string {
  return typeof v === 'string' && PRINTABLE.test(v);
}
