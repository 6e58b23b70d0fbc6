// Traefik labels generated from `expose`. Traefik read Marathon labels in two grammars:
// v1 (traefik.frontend.*, up to 1.7) and v2 (traefik.http.routers/services.*, up to 2.11;
// v3 dropped the Marathon provider). docs/manifest.md lists the exact labels.

import { segmentsOf, type AppId } from '../model/app-id.js';
import type { ExposeSpec, TraefikGrammar } from './types.js';

/**
 * The router, service and backend name of an app: its id without the leading '/', with
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

/** The name of the strip-prefix middleware of an app (middlewares have their own namespace). */
export function stripPrefixMiddlewareName(id: AppId): string {
  return `${traefikName(id)}-stripprefix`;
}

/**
 * Which port Traefik should send traffic to. An index into the task's ports whenever the
 * port Traefik reaches is a host port (host and bridge networking: dynamic unless pinned,
 * and a container port number would be wrong there); a number only with container
 * networking, where Traefik reaches the task's own IP on its containerPort.
 */
export type TraefikPort = { index: number } | { number: number };

export function hostsOf(expose: ExposeSpec): string[] {
  return Array.isArray(expose.host) ? expose.host : [expose.host];
}

function v2Rule(expose: ExposeSpec): string {
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

function v2Labels(id: AppId, expose: ExposeSpec, port: TraefikPort): Record<string, string> {
  const name = traefikName(id);
  const router = `traefik.http.routers.${name}`;
  const labels: Record<string, string> = { [`${router}.rule`]: v2Rule(expose) };
  if (expose.entrypoints) labels[`${router}.entrypoints`] = expose.entrypoints.join(',');
  if (expose.tls === true) labels[`${router}.tls`] = 'true';
  if (expose.tls === true && expose.certResolver !== undefined) labels[`${router}.tls.certresolver`] = expose.certResolver;
  if (expose.stripPrefix === true && expose.path !== undefined) {
    const mw = stripPrefixMiddlewareName(id);
    labels[`${router}.middlewares`] = mw;
    labels[`traefik.http.middlewares.${mw}.stripprefix.prefixes`] = expose.path;
  }
  labels[`${router}.service`] = name;
  labels[`traefik.http.services.${name}.loadbalancer.server.port`] = 'index' in port ? `index:${port.index}` : String(port.number);
  return labels;
}

function v1Labels(id: AppId, expose: ExposeSpec, port: TraefikPort): Record<string, string> {
  const labels: Record<string, string> = { 'traefik.frontend.rule': v1Rule(expose) };
  if (expose.entrypoints) labels['traefik.frontend.entryPoints'] = expose.entrypoints.join(',');
  labels['traefik.backend'] = traefikName(id);
  if ('index' in port) labels['traefik.portIndex'] = String(port.index);
  else labels['traefik.port'] = String(port.number);
  return labels;
}

/** Every label `expose` generates for `grammar`, traefik.enable=true included. */
export function traefikLabels(id: AppId, expose: ExposeSpec, port: TraefikPort, grammar: TraefikGrammar): Record<string, string> {
  return {
    'traefik.enable': 'true',
    ...(grammar !== 'v2' ? v1Labels(id, expose, port) : {}),
    ...(grammar !== 'v1' ? v2Labels(id, expose, port) : {}),
  };
}

/** The app's public URL: scheme from tls, the first host, the path prefix. */
export function publicUrl(expose: ExposeSpec): string {
  const [first] = hostsOf(expose);
  return `${expose.tls === true ? 'https' : 'http'}://${first ?? ''}${expose.path ?? ''}`;
}
