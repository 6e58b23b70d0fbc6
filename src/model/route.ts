// A route maracker serves to Traefik v3 itself (its HTTP provider), for an app that declares
// `expose` under `--traefik v3`: what Traefik's Marathon provider used to read from labels,
// decided once by the manifest's translation (src/manifest/traefik.ts answers each question:
// name, rule, port) and carried with the desired app. The servers come from Marathon's tasks.

/**
 * Which port of a task Traefik is sent to. An index into the task's host ports whenever the
 * port Traefik reaches is a host port (host and bridge networking: dynamic unless pinned); a
 * number only with container networking, where Traefik reaches the task's own IP address on
 * its containerPort.
 */
export type RoutePort = { index: number } | { number: number };

export interface Route {
  /** Router and service name (the v2 router name of the app: injective, no '.', '/' or '@'). */
  name: string;
  /** Rule in Traefik's v2/v3 syntax: Host(`a`) || Host(`b`), with && PathPrefix(`/p`). */
  rule: string;
  entryPoints?: string[];
  /** TLS on the router, with an optional certificate resolver. */
  tls?: { certResolver?: string };
  /** A prefix to strip before the request reaches the task (a stripPrefix middleware). */
  stripPrefix?: { middleware: string; prefix: string };
  port: RoutePort;
}
