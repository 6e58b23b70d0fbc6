// The HTTP defaults an app takes from its image (docs/image-metadata.md, "Ports and health
// checks"): the image's HTTP port as the app's one port when the app declares no ports, and
// an HTTP health check on that port when it declares no health check. Pure.
//
// What is filled has the shape the manifest translation gives the same declaration
// (src/manifest/translate.ts), so that what Marathon 1.10 makes of it plans as in sync:
// a bridge port mapping `{containerPort, hostPort: 0}` (a container network's without a
// host port), and `{protocol: HTTP, path, portIndex}` with Marathon's defaults left out.

import type { DerivedMetadata } from '../image/metadata.js';
import { FROM_EXPOSED_PORTS } from '../model/desired.js';
import type { MarathonAppDefinition, MarathonHealthCheck, MarathonPortMapping } from '../model/marathon.js';

/** The name Marathon 1.10 gives the one port of an app that declares none (raml.Apps). */
const DEFAULT_PORT_NAME = 'default';

/** The network mode the definition asks for; `default` is none written (Marathon's host). */
type Networking = 'default' | 'host' | 'bridge' | 'container';

function networking(def: MarathonAppDefinition): Networking {
  const networks = def.networks ?? [];
  if (networks.length === 0) return 'default';
  switch (networks[0]?.mode) {
    case 'host':
      return 'host';
    case 'container/bridge':
      return 'bridge';
    default:
      return 'container';
  }
}

function declaresPorts(def: MarathonAppDefinition): boolean {
  return (def.portDefinitions?.length ?? 0) > 0 || (def.container?.portMappings?.length ?? 0) > 0;
}

/** Any list, an empty one included: `healthChecks: []` is how a spec says "none, not the image's". */
function declaresHealthChecks(def: MarathonAppDefinition): boolean {
  return def.healthChecks !== undefined;
}

/**
 * The image's port can become the app's only when the app declares no ports and does not run
 * on the host's network: there the image's port is a port of the host, and choosing host
 * networking (`network: host`, or `requirePorts`, which means host ports) is the spec's say.
 * An app that leaves its network out is moved to a bridge network, as `docker run` would run
 * the image, since Marathon's default host networking would give it a port it does not serve.
 */
function portFillable(def: MarathonAppDefinition): boolean {
  const net = networking(def);
  return !declaresPorts(def) && net !== 'host' && !(net === 'default' && def.requirePorts === true);
}

/** A health check can come from the image when the app has none and has, or will get, ports. */
function healthFillable(def: MarathonAppDefinition): boolean {
  return !declaresHealthChecks(def) && (declaresPorts(def) || portFillable(def));
}

/** Whether the image could give this app a port or a health check it leaves out. */
export function wantsHttpDefaults(def: MarathonAppDefinition): boolean {
  return portFillable(def) || healthFillable(def);
}

/**
 * The index of the declared port that reaches the image's HTTP port, or -1: on a bridge or
 * container network the mapping of that container port; on the host's network the port
 * definition of that number, only with requirePorts (otherwise Marathon gives the task
 * another host port, which the image does not serve). Never a guess: with none, no check.
 */
function servingIndex(def: MarathonAppDefinition, port: number): number {
  const net = networking(def);
  if (net === 'host' || net === 'default') return def.requirePorts === true ? (def.portDefinitions ?? []).findIndex((p) => p.port === port) : -1;
  return (def.container?.portMappings ?? []).findIndex((m) => m.containerPort === port);
}

/**
 * The definition with the image's HTTP port and health check where the spec leaves them out;
 * each field filled is recorded in `filled` with the label (or `ExposedPorts`) it came from.
 * `exposed`: the app is routed by Traefik, one of the places that needs an HTTP port.
 */
export function fillHttpDefaults(
  def: MarathonAppDefinition,
  http: DerivedMetadata['http'],
  exposed: boolean,
  filled: Record<string, string>,
): MarathonAppDefinition {
  const port = http.port;
  if (port === undefined) return def;
  const wantsCheck = http.healthPath !== undefined && healthFillable(def);
  // A port only exposed (EXPOSE) is taken to serve HTTP only where maracker needs an HTTP
  // port, Traefik or a health check: an image exposing 5432 is no web server to route to.
  if (port.from === FROM_EXPOSED_PORTS && !exposed && !wantsCheck) return def;
  let out = def;
  let index = -1;
  if (portFillable(def)) {
    const net = networking(def);
    // As translated for a declared port: hostPort 0 on a bridge, none on a container network
    // (there an absent hostPort means "no host port", and Traefik reaches the task's own IP).
    // It takes the place of Marathon's default port and keeps its name, `default`, so that
    // what names that port ($PORT_DEFAULT, a readiness check's portName) still finds it.
    const mapping: MarathonPortMapping =
      net === 'container' ? { containerPort: port.value, name: DEFAULT_PORT_NAME } : { containerPort: port.value, hostPort: 0, name: DEFAULT_PORT_NAME };
    out = { ...out, container: { ...(out.container ?? {}), portMappings: [mapping] } };
    filled['container.portMappings'] = port.from;
    if (net === 'default') {
      out.networks = [{ mode: 'container/bridge' }];
      filled['networks'] = port.from;
    }
    index = 0;
  } else {
    index = servingIndex(def, port.value);
  }
  if (wantsCheck && http.healthPath !== undefined && index >= 0) {
    const check: MarathonHealthCheck = { protocol: 'HTTP', path: http.healthPath.value, portIndex: index };
    out = { ...out, healthChecks: [check] };
    filled['healthChecks'] = http.healthPath.from;
  }
  return out;
}
