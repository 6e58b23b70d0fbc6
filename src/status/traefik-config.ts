// The dynamic configuration maracker serves to Traefik v3's HTTP provider (GET /traefik/v3):
// for each app with a route (status records, written by the reconciler), one router, one
// load-balancer service of the app's ready tasks, and a stripPrefix middleware when asked.
// docs/traefik-v3.md shows it; test/traefik/http-provider.ts decodes it as Traefik does.
//
// What Traefik's HTTP provider accepts (reference/traefik/source/v3.7.9 pkg/provider/http,
// which decodes the body as YAML with traefik/paerser's file decoder), and hence what is
// written here:
// - The provider compares each body with the previous one (an FNV hash of the bytes) and
//   skips an identical one; it records the new hash *before* decoding, so a body it cannot
//   decode is not retried until the body changes. Nothing here may produce such a body.
// - An object that is empty but for a map or struct (`{"http":{}}`, `"middlewares":{}`,
//   `"loadBalancer":{}`) fails the whole body ("cannot be a standalone element"); only
//   fields tagged allowEmpty, such as a router's `tls`, may be `{}`. An empty body `{}` is
//   fine: no routes. So empty maps are left out.
// - An app with no ready task keeps its router: without it, a request for it could match
//   another app's broader rule (the same host without the path) and reach the wrong app. Its
//   service then has nothing to send to, and Traefik answers an error (5xx) for it. Traefik
//   would take a load balancer without servers, but its published schema wants at least one,
//   so such a service is a weighted one of no services, which both accept and which Traefik
//   serves with the same empty balancer.
// - A non-200 answer is an error for the provider: it keeps the configuration it has and
//   retries (server.ts answers 503 until the first full sync).
// Keys are written sorted, servers sorted, so that nothing changed means identical bytes.

import { createHash } from 'node:crypto';
import type { AppStatus, RouteStatus } from './model.js';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** The dynamic configuration of these apps' routes, as a JSON value (only apps with a route count). */
export function traefikDynamicConfig(apps: Iterable<AppStatus>): Record<string, Json> {
  const routers: Record<string, Json> = {};
  const services: Record<string, Json> = {};
  const middlewares: Record<string, Json> = {};
  for (const app of apps) {
    const route = app.route;
    if (!route) continue;
    routers[route.name] = router(route);
    services[route.name] = service(route);
    if (route.stripPrefix) middlewares[route.stripPrefix.middleware] = { stripPrefix: { prefixes: [route.stripPrefix.prefix] } };
  }
  const http: Record<string, Json> = {};
  if (Object.keys(routers).length > 0) http.routers = routers;
  if (Object.keys(services).length > 0) http.services = services;
  if (Object.keys(middlewares).length > 0) http.middlewares = middlewares;
  return Object.keys(http).length > 0 ? { http } : {};
}

function router(route: RouteStatus): Json {
  const r: Record<string, Json> = { rule: route.rule, service: route.name };
  if (route.entryPoints && route.entryPoints.length > 0) r.entryPoints = [...route.entryPoints];
  if (route.stripPrefix) r.middlewares = [route.stripPrefix.middleware];
  if (route.tls) r.tls = route.tls.certResolver !== undefined ? { certResolver: route.tls.certResolver } : {};
  return r;
}

function service(route: RouteStatus): Json {
  const servers = [...new Set(route.servers)].sort();
  return servers.length > 0 ? { loadBalancer: { servers: servers.map((url) => ({ url })) } } : { weighted: { services: [] } };
}

/** JSON with every object's keys in code-point order: the same value, the same bytes. */
export function stableJson(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(value[k] as Json)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface TraefikBody {
  body: Buffer;
  /** Strong ETag of the body. */
  etag: string;
}

/** The served body, rebuilt only when an app's record changed (the store's app version). */
export class TraefikConfigCache {
  #version = -1;
  #text = '{}';
  #body: TraefikBody = TraefikConfigCache.#encode('{}');

  get(version: number, apps: () => Iterable<AppStatus>): TraefikBody {
    if (version !== this.#version) {
      const text = stableJson(traefikDynamicConfig(apps()));
      // The same bytes keep the same Buffer and ETag, though another field of a record changed.
      if (text !== this.#text) {
        this.#text = text;
        this.#body = TraefikConfigCache.#encode(text);
      }
      this.#version = version;
    }
    return this.#body;
  }

  static #encode(text: string): TraefikBody {
    const body = Buffer.from(text, 'utf8');
    return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
  }
}
