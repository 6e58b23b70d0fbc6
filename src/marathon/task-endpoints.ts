// Where an app's tasks listen, from the tasks Marathon embeds in an app (embed=apps.tasks).
// One answer, used twice: the status shows every task's address (so what runs can be opened,
// issue 15), and the routes served to Traefik v3 send traffic to the addresses of the tasks
// that are running and healthy. Pure.
//
// The address follows Traefik's Marathon provider (v2.11 config.go getServerHost and
// processPorts), so that a route served to Traefik v3 reaches the port the v2 labels did:
// the agent's host and the task's host port at the exposed index (host and bridge
// networking), or the task's own IP address and the containerPort on a container network.

import type { MarathonApp, MarathonTask } from '../model/marathon.js';
import type { RoutePort } from '../model/route.js';

export interface TaskEndpoint {
  id: string;
  /** Marathon's task state (TASK_RUNNING, TASK_STAGING, ...); null when Marathon gave none. */
  state: string | null;
  /**
   * The task passes every health check of the app (Marathon's healthCheckResults, each
   * alive); false while a check fails or has not answered yet; null when the app has no
   * health checks (Marathon cannot tell).
   */
  healthy: boolean | null;
  /** The agent the task runs on. */
  host: string | null;
  /** Its host ports, in the order of the app's ports ($PORT0, $PORT1, ...). */
  ports: number[];
  /** host:port where the routed (else the first) port of the task is reached; null when unknown. */
  address: string | null;
  /** Running, and healthy or without health checks: Traefik v3 is given this task. */
  ready: boolean;
}

const DEFAULT_PORT: RoutePort = { index: 0 };

/** Every task of the app, sorted by id (stable output whatever order Marathon lists them in). */
export function taskEndpoints(app: MarathonApp | undefined, port: RoutePort = DEFAULT_PORT): TaskEndpoint[] {
  if (!app) return [];
  const hasChecks = (app.healthChecks?.length ?? 0) > 0;
  return [...(app.tasks ?? [])]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((task) => {
      const state = typeof task.state === 'string' ? task.state : null;
      const healthy = hasChecks ? passesChecks(task, app.healthChecks?.length ?? 0) : null;
      const address = addressOf(app, task, port);
      return {
        id: task.id,
        state,
        healthy,
        host: typeof task.host === 'string' && task.host.length > 0 ? task.host : null,
        ports: Array.isArray(task.ports) ? task.ports.filter((p) => Number.isInteger(p)) : [],
        address,
        ready: state === 'TASK_RUNNING' && healthy !== false && address !== null,
      };
    });
}

/** `http://address` of each ready task: the servers of the app's Traefik service. */
export function serverUrls(endpoints: readonly TaskEndpoint[]): string[] {
  return endpoints.flatMap((e) => (e.ready && e.address !== null ? [`http://${e.address}`] : []));
}

/**
 * Alive in every check: Marathon lists one result per check that has answered, so fewer
 * results than checks means a check has not answered yet (the grace period): not healthy.
 */
function passesChecks(task: MarathonTask, checks: number): boolean {
  const results = Array.isArray(task.healthCheckResults) ? task.healthCheckResults : [];
  return results.length >= checks && results.every((r) => r?.alive === true);
}

function onContainerNetwork(app: MarathonApp): boolean {
  return app.networks?.[0]?.mode === 'container';
}

function addressOf(app: MarathonApp, task: MarathonTask, port: RoutePort): string | null {
  if (onContainerNetwork(app)) {
    // Traefik needs exactly one address to choose from (getServerHost without ipAddressIdx).
    const ips = Array.isArray(task.ipAddresses) ? (task.ipAddresses as Array<{ ipAddress?: unknown }>) : [];
    const ip = ips.length === 1 ? ips[0]?.ipAddress : undefined;
    const number = 'number' in port ? port.number : containerPortAt(app, port.index);
    return typeof ip === 'string' && ip.length > 0 && number !== undefined ? joinHostPort(ip, number) : null;
  }
  const index = 'index' in port ? port.index : 0;
  const hostPort = Array.isArray(task.ports) ? task.ports[index] : undefined;
  return typeof task.host === 'string' && task.host.length > 0 && Number.isInteger(hostPort) && (hostPort as number) > 0
    ? joinHostPort(task.host, hostPort as number)
    : null;
}

function containerPortAt(app: MarathonApp, index: number): number | undefined {
  const p = app.container?.portMappings?.[index]?.containerPort;
  return p !== undefined && p > 0 ? p : undefined;
}

/** Go's net.JoinHostPort: an IPv6 address in brackets. */
function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
