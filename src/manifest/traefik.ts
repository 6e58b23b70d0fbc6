// Traefik labels generated from `expose`. Traefik read Marathon labels in two grammars:
// v1 (traefik.frontend.*, up to 1.7) and v2 (traefik.http.routers/services.*, up to 2.11;
// v3 dropped the Marathon provider). docs/manifest.md lists the exact labels, and
// test/traefik/ checks them against models of both providers' source
// (reference/traefik/source: v2.11.53 pkg/provider/marathon, v1.7.34 provider/marathon and
// provider/label). For Traefik v3 the same answers (name, rule, port) make the Route that
// maracker serves to Traefik's HTTP provider instead of labels (traefikRoute).

import { segmentsOf, type AppId } from '../model/app-id.js';
import type { Route, RoutePort } from '../model/route.js';
import type { ExposeSpec, TraefikGrammar } from './types.js';

/**
 * The v2 router, service and middleware name of an app: its id without the leading '/', with
 * '/' written '_' and '.' written '__'. A v2 label key is split on '.', and '/' and '@' are
 * not allowed in names, so neither may survive. The mapping is injective: Marathon ids
 * never contain '_', '.' never starts or ends a segment, so a run of underscores is
 * always exactly one '/' ("_") or one '.' ("__") and the id can be read back.
 * "/mip/prod/web.v2" -> "mip_prod_web__v2".
 */
export function traefikName(id: AppId): string {
  return segmentsOf(id)
    .map((seg) => seg.replace(/\./g, '__'))
    .join('_');
}

/**
 * The v1 segment and backend name of an app. Traefik 1.7 keeps only the letter-and-digit runs
 * of a frontend or backend name and joins them with '-' (provider.Normalize: "backend" +
 * "/group/app" is "backend-group-app"), so "/a/b", "/a.b" and "/a-b" would all be "a-b" and
 * share one backend, merging their routes. The runs are written as they are and the
 * separators between them are spelled after the last one: 's' for '/', 'd' for '.', 'h' for
 * '-' ('h3' for "---"). Ids of a single run have no separator, except "frontend" and
 * "backend", which Traefik 1.7 would not read as segment names (segment.go skips
 * "traefik.frontend." and "traefik.backend.") and which get "-x", a code no separator spells.
 * Injective: a name of one run is that id; otherwise its last run spells the separators
 * between the others (or is "x"). "/mip/prod/web.v2" -> "mip-prod-web-v2-ssd".
 */
export function traefikV1Name(id: AppId): string {
  const path = id.replace(/^\//, '');
  const runs = path.split(/[^a-z0-9]+/).filter((r) => r.length > 0);
  const separators = path.match(/[^a-z0-9]+/g) ?? [];
  if (separators.length === 0) return path === 'frontend' || path === 'backend' ? `${path}-x` : path;
  const spelled = separators.map((s) => (s === '/' ? 's' : s === '.' ? 'd' : s.length === 1 ? 'h' : `h${s.length}`)).join('');
  return [...runs, spelled].join('-');
}

/** The name of the strip-prefix middleware of an app (middlewares have their own namespace). */
export function stripPrefixMiddlewareName(id: AppId): string {
  return `${traefikName(id)}-stripprefix`;
}

/** Which port Traefik should send traffic to (model/route.ts RoutePort). */
export type TraefikPort = RoutePort;

export function hostsOf(expose: ExposeSpec): string[] {
  return Array.isArray(expose.host) ? expose.host : [expose.host];
}

/**
 * The router rule, in the syntax Traefik 2 and 3 share: v3 dropped Host with several
 * arguments, so several hosts are always written as Host(`a`) || Host(`b`).
 */
export function routerRule(expose: ExposeSpec): string {
  const hosts = hostsOf(expose).map((h) => `Host(\`${h}\`)`);
  const hostRule = hosts.join(' || ');
  if (expose.path === undefined) return hostRule;
  const prefix = `PathPrefix(\`${expose.path}\`)`;
  return hosts.length > 1 ? `(${hostRule}) && ${prefix}` : `${hostRule} && ${prefix}`;
}

function v1Rule(expose: ExposeSpec): string {
  const host = `Host:${hostsOf(expose).join(',')}`;
  if (expose.path === undefined) return host;
  return `${host};${expose.stripPrefix === true ? 'PathPrefixStrip' : 'PathPrefix'}:${expose.path}`;
}

/**
 * v2 labels. `portLabel` false leaves the service to Traefik: with no service label, v2
 * creates one service for the app, gives it the router, and sends traffic to the task's
 * first port (config.go: buildServiceConfiguration, processPorts with no server port). That
 * is what `both` writes for the first port, since Traefik 1.7 would read the v2 port label
 * as a segment of its own (segment.go) and fail on its "index:N" value.
 */
function v2Labels(id: AppId, expose: ExposeSpec, port: TraefikPort, portLabel: boolean): Record<string, string> {
  const name = traefikName(id);
  const router = `traefik.http.routers.${name}`;
  const labels: Record<string, string> = { [`${router}.rule`]: routerRule(expose) };
  if (expose.entrypoints) labels[`${router}.entrypoints`] = expose.entrypoints.join(',');
  if (expose.tls === true) labels[`${router}.tls`] = 'true';
  if (expose.tls === true && expose.certResolver !== undefined) labels[`${router}.tls.certresolver`] = expose.certResolver;
  if (expose.stripPrefix === true && expose.path !== undefined) {
    const mw = stripPrefixMiddlewareName(id);
    labels[`${router}.middlewares`] = mw;
    labels[`traefik.http.middlewares.${mw}.stripprefix.prefixes`] = expose.path;
  }
  if (portLabel) {
    labels[`${router}.service`] = name;
    labels[`traefik.http.services.${name}.loadbalancer.server.port`] = 'index' in port ? `index:${port.index}` : String(port.number);
  }
  return labels;
}

/**
 * v1 labels, in a segment named after the app (traefikV1Name): Traefik 1.7 names a frontend
 * after the app id and its segment ("frontend" + id + "-service-" + segment: config.go
 * getFrontendName), so the segment is what keeps two apps whose ids differ only in '/', '.'
 * or '-' apart, frontends and backends alike. `traefik.enable` stays at the top: it is read
 * for the whole app (label.IsEnabled).
 */
function v1Labels(id: AppId, expose: ExposeSpec, port: TraefikPort): Record<string, string> {
  const segment = `traefik.${traefikV1Name(id)}`;
  const labels: Record<string, string> = { [`${segment}.frontend.rule`]: v1Rule(expose) };
  if (expose.entrypoints) labels[`${segment}.frontend.entryPoints`] = expose.entrypoints.join(',');
  labels[`${segment}.backend`] = traefikV1Name(id);
  if ('index' in port) labels[`${segment}.portIndex`] = String(port.index);
  else labels[`${segment}.port`] = String(port.number);
  return labels;
}

/** Every label `expose` generates for `grammar`, traefik.enable=true included; none for v3. */
export function traefikLabels(id: AppId, expose: ExposeSpec, port: TraefikPort, grammar: TraefikGrammar): Record<string, string> {
  if (grammar === 'v3') return {};
  return {
    'traefik.enable': 'true',
    ...(grammar !== 'v2' ? v1Labels(id, expose, port) : {}),
    // `both` validates that the port is the first one (translate.ts), which v2 finds unaided
    ...(grammar !== 'v1' ? v2Labels(id, expose, port, grammar === 'v2') : {}),
  };
}

/**
 * The route served to Traefik v3: what the v2 labels say (same router name, rule, entry
 * points, TLS, strip-prefix middleware and port), as data instead of labels.
 */
export function traefikRoute(id: AppId, expose: ExposeSpec, port: TraefikPort): Route {
  const route: Route = { name: traefikName(id), rule: routerRule(expose), port };
  if (expose.entrypoints) route.entryPoints = [...expose.entrypoints];
  if (expose.tls === true) route.tls = expose.certResolver !== undefined ? { certResolver: expose.certResolver } : {};
  if (expose.stripPrefix === true && expose.path !== undefined) route.stripPrefix = { middleware: stripPrefixMiddlewareName(id), prefix: expose.path };
  return route;
}

/**
 * What `--traefik both` cannot express, or undefined. Traefik 1.7 reads any label ending in
 * ".port" as a segment (segment.go: `^traefik\.(.+?)\.(port|...)$`), so the v2 port label
 * can only be left out, which makes v2 route to the task's first port: another port by index,
 * or a container port by number (container networking), has no label both read alike.
 */
export function bothGrammarsProblem(port: TraefikPort): string | undefined {
  if ('number' in port) {
    return 'with --traefik both, an app on a container network cannot be exposed: Traefik 2 needs the container port as a label ending in ".port", which Traefik 1.7 reads as a frontend of its own under a default host name; generate v1 or v2 labels';
  }
  if (port.index > 0) {
    return `with --traefik both, only the first port can be exposed: Traefik 2 needs "loadbalancer.server.port=index:${port.index}" for this one, a label Traefik 1.7 reads as a segment and cannot parse (it would route to port 80); list this port first, or generate v1 or v2 labels`;
  }
  return undefined;
}

/**
 * What `--traefik v3` would route otherwise than the v2 labels did, or undefined. Traefik 2
 * read `{name}` and `{name:regexp}` in PathPrefix as patterns (gorilla/mux); Traefik 3 matches
 * PathPrefix literally ("PathPrefix no longer uses regular expressions", its v2-to-v3
 * migration notes), so such a path would silently stop matching.
 */
export function v3RouteProblem(expose: ExposeSpec): string | undefined {
  if (expose.path !== undefined && /[{}]/.test(expose.path)) {
    return 'with --traefik v3, a path with "{" or "}" is matched literally: Traefik 3\'s PathPrefix has no patterns (Traefik 2 read {name} as one); write the literal prefix';
  }
  return undefined;
}

/** The app's public URL: scheme from tls, the first host, the path prefix. */
export function publicUrl(expose: ExposeSpec): string {
  const [first] = hostsOf(expose);
  return `${expose.tls === true ? 'https' : 'http'}://${first ?? ''}${expose.path ?? ''}`;
}
