// The pure step from a validated manifest spec to the Marathon 1.5+ AppDefinition maracker
// sends. It emits only what the manifest says, plus labels: Marathon's defaults are applied
// by the plan's normaliser when it compares, so filling them here would hide the user's
// intent and duplicate that knowledge. `version` is never emitted (sending it is a rollback).

import type { AppId } from '../model/app-id.js';
import type { DesiredApp, SourceRef } from '../model/desired.js';
import { DATABASE_SOURCE_LABEL, fileSourceLabel, LABEL_MANAGED_BY, LABEL_SOURCE, LABEL_SPEC_HASH, LEGACY_MANAGED_BY } from '../model/labels.js';
import type {
  MarathonAppDefinition,
  MarathonContainer,
  MarathonHealthCheck,
  MarathonNetwork,
  MarathonPortDefinition,
  MarathonPortMapping,
} from '../model/marathon.js';
import { resolveAppPath } from './app-path.js';
import { issue, type Issue, type Path } from './issue.js';
import { specHash } from './spec-hash.js';
import { bothGrammarsProblem, hostsOf, publicUrl, traefikLabels, traefikRoute, v3RouteProblem, type TraefikPort } from './traefik.js';
import type { Route } from '../model/route.js';
import { DEFAULT_TRAEFIK_GRAMMAR, type AppSpec, type HealthCheckSpec, type PortSpec, type TranslateOptions } from './types.js';

export interface TranslateInput {
  id: AppId;
  /** A spec the schema and checks accepted. */
  spec: AppSpec;
  /** Labels declared outside spec: metadata.labels, or a database row's labels. */
  outerLabels?: Record<string, string>;
  outerLabelsPath: Path;
  specPath: Path;
  group: string | undefined;
  source: SourceRef;
  adopt: boolean;
}

/**
 * The app-wide v1 labels that the generated v1 segment overrides: Traefik 1.7 copies an
 * app-wide label into a segment only where the segment does not set it (segment.go
 * mergeDefault), so a user's `traefik.frontend.rule` beside the generated
 * `traefik.<segment>.frontend.rule` would be silently ignored. Key -> the label that wins.
 */
function shadowedV1Labels(generated: Record<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const key of Object.keys(generated)) {
    const m = /^traefik\.([^.]+)\.(frontend\.rule|frontend\.entryPoints|backend|port|portIndex)$/.exec(key);
    if (m) out.set(`traefik.${m[2] as string}`, key);
  }
  // the port is one property, whichever of port and portIndex is generated
  const port = [...out.entries()].find(([k]) => k === 'traefik.port' || k === 'traefik.portIndex');
  if (port) for (const k of ['traefik.port', 'traefik.portIndex']) out.set(k, port[1]);
  return out;
}

/** Exposure Traefik would not route as intended (docs/manifest.md, "expose and Traefik"). */
export const TRAEFIK_ROUTE = 'traefik-route';

export interface TranslateResult {
  app?: DesiredApp;
  issues: Issue[];
}

function definedOnly<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function portDefinition(p: PortSpec): MarathonPortDefinition {
  return definedOnly({ port: p.hostPort ?? 0, name: p.name, protocol: p.protocol, labels: p.labels });
}

function portMapping(p: PortSpec, bridge: boolean): MarathonPortMapping {
  return definedOnly({
    containerPort: p.containerPort,
    // Marathon fills hostPort 0 in bridge mode anyway; with container networking an absent
    // hostPort means "no host port", so only an explicit one is written there.
    hostPort: bridge ? (p.hostPort ?? 0) : p.hostPort,
    servicePort: p.servicePort,
    name: p.name,
    protocol: p.protocol,
    labels: p.labels,
  });
}

function networksOf(spec: AppSpec): MarathonNetwork[] | undefined {
  switch (spec.network) {
    case undefined:
      return undefined;
    case 'host':
      return [{ mode: 'host' }];
    case 'bridge':
      return [{ mode: 'container/bridge' }];
    case 'container':
      return [definedOnly({ mode: 'container' as const, name: spec.networkName })];
  }
}

function containerOf(spec: AppSpec): MarathonContainer | undefined {
  const hostNetworking = spec.network === undefined || spec.network === 'host';
  // No declared ports: portMappings are left out, not written as [], so that Marathon gives
  // the app its one default port ($PORT0). The plan's normaliser relies on this rule.
  const portMappings =
    !hostNetworking && spec.ports !== undefined && spec.ports.length > 0 ? spec.ports.map((p) => portMapping(p, spec.network === 'bridge')) : undefined;
  const volumes = spec.volumes?.map((v) => ({ containerPath: v.containerPath, hostPath: v.hostPath, mode: v.mode ?? 'RW' }));
  if (spec.image === undefined && hostNetworking && volumes === undefined) return undefined;
  return definedOnly({
    type: spec.image !== undefined ? ('DOCKER' as const) : ('MESOS' as const),
    docker: spec.image !== undefined ? { image: spec.image, ...(spec.docker ?? {}) } : undefined,
    volumes,
    portMappings,
  });
}

function healthCheck(h: HealthCheckSpec, ports: PortSpec[]): MarathonHealthCheck {
  return definedOnly({
    protocol: h.protocol,
    path: h.path,
    // Always an index for a check that needs a port: Marathon adds portIndex 0 itself only
    // when the definition declares ports (AppNormalization.forDeprecated), and a check with
    // neither port nor portIndex has no port to probe, so its tasks never turn healthy.
    portIndex: h.protocol === 'COMMAND' ? undefined : h.port !== undefined ? ports.findIndex((p) => p.name === h.port) : 0,
    command: h.command !== undefined ? { value: h.command } : undefined,
    gracePeriodSeconds: h.gracePeriodSeconds,
    intervalSeconds: h.intervalSeconds,
    timeoutSeconds: h.timeoutSeconds,
    delaySeconds: h.delaySeconds,
    maxConsecutiveFailures: h.maxConsecutiveFailures,
    ignoreHttp1xx: h.ignoreHttp1xx,
    ipProtocol: h.ipProtocol,
  });
}

/**
 * The port Traefik routes to: the named port, or the first one (index 0 is also Marathon's
 * default port). Undefined when Traefik could not reach it: on a container network Traefik
 * reaches the task at its own IP address (config.go getServerHost), so only a containerPort
 * number means anything there.
 */
function traefikPort(spec: AppSpec): TraefikPort | undefined {
  const ports = spec.ports ?? [];
  const name = spec.expose?.port ?? ports[0]?.name;
  const index = Math.max(
    0,
    ports.findIndex((p) => p.name === name),
  );
  const containerPort = ports[index]?.containerPort;
  if (spec.network === 'container') return containerPort !== undefined && containerPort > 0 ? { number: containerPort } : undefined;
  return { index };
}

/**
 * An app that declares no `expose` is still routed by a Traefik left at its defaults
 * (exposedByDefault: true in v1.7 and v2.11, under a default rule made from the app id), so
 * it says `traefik.enable: false` unless the user writes Traefik labels of their own.
 */
function notExposedLabels(spec: AppSpec, outer: Record<string, string> | undefined): Record<string, string> {
  const userKeys = [...Object.keys(outer ?? {}), ...Object.keys(spec.labels ?? {})];
  return userKeys.some((k) => k.startsWith('traefik.')) ? {} : { 'traefik.enable': 'false' };
}

/** The definition without labels. */
export function definitionOf(id: AppId, spec: AppSpec, group: string | undefined): MarathonAppDefinition {
  const hostNetworking = spec.network === undefined || spec.network === 'host';
  const ports = spec.ports ?? [];
  return definedOnly({
    id,
    cmd: spec.cmd,
    args: spec.args,
    container: containerOf(spec),
    networks: networksOf(spec),
    // Same rule as portMappings: no declared ports, no portDefinitions (one default port).
    portDefinitions: hostNetworking && ports.length > 0 ? ports.map(portDefinition) : undefined,
    instances: spec.instances,
    cpus: spec.cpus,
    mem: spec.mem,
    disk: spec.disk,
    env: spec.env,
    healthChecks: spec.healthChecks?.map((h) => healthCheck(h, ports)),
    constraints: spec.constraints,
    dependencies: spec.dependencies?.map((d) => resolveAppPath(d, group) ?? d),
    upgradeStrategy: spec.upgradeStrategy,
    fetch: spec.fetch,
    user: spec.user,
    ...(spec.marathon ?? {}),
  });
}

function sortedRecord(r: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The manifest spec of one app as the DesiredApp maracker converges Marathon to. */
export function translate(input: TranslateInput, opts: TranslateOptions = {}): TranslateResult {
  const { id, spec } = input;
  const grammar = opts.traefik ?? DEFAULT_TRAEFIK_GRAMMAR;
  const issues: Issue[] = [];
  let generated: Record<string, string> = {};
  let route: Route | undefined;
  if (spec.expose) {
    const port = traefikPort(spec);
    const exposePath = [...input.specPath, 'expose'];
    const portPath = spec.expose.port !== undefined ? [...exposePath, 'port'] : exposePath;
    if (port === undefined) {
      issues.push(
        issue(TRAEFIK_ROUTE, portPath, 'on a container network Traefik reaches a task at its own IP address, so the exposed port needs a containerPort'),
      );
    } else {
      const problem = grammar === 'both' ? bothGrammarsProblem(port) : undefined;
      const v3Problem = grammar === 'v3' ? v3RouteProblem(spec.expose) : undefined;
      if (problem !== undefined) issues.push(issue(TRAEFIK_ROUTE, portPath, problem));
      else if (v3Problem !== undefined) issues.push(issue(TRAEFIK_ROUTE, [...exposePath, 'path'], v3Problem));
      else generated = traefikLabels(id, spec.expose, port, grammar);
      if (grammar === 'v3') route = traefikRoute(id, spec.expose, port);
    }
  }
  if (issues.length > 0) return { issues };
  const userLabels: Array<[Path, Record<string, string>]> = [
    [input.outerLabelsPath, input.outerLabels ?? {}],
    [[...input.specPath, 'labels'], spec.labels ?? {}],
  ];
  const shadowed = shadowedV1Labels(generated);
  for (const [path, labels] of userLabels) {
    for (const key of Object.keys(labels)) {
      if (key in generated) {
        issues.push(
          issue('label-conflict', [...path, key], `collides with the label that spec.expose generates (Traefik ${grammar}); remove it or change expose`, 'key'),
        );
      } else if (shadowed.has(key)) {
        issues.push(
          issue(
            'label-conflict',
            [...path, key],
            `collides with ${shadowed.get(key) ?? ''}, which spec.expose generates (Traefik 1.7 would ignore this one); remove it or change expose`,
            'key',
          ),
        );
      }
    }
  }
  if (issues.length > 0) return { issues };

  const sourceLabel = input.source.kind === 'file' ? fileSourceLabel(input.source.path, opts.fileLabel) : DATABASE_SOURCE_LABEL;
  const definition = definitionOf(id, spec, input.group);
  definition.labels = sortedRecord({
    // With v3 no app carries routing labels: each says traefik.enable=false like an app
    // without expose, so that a Traefik still reading Marathon (a v2 beside v3 while
    // migrating) does not route it by default, and so that switching to v3 restarts only the
    // exposed apps (whose labels go), not the others.
    ...(spec.expose && grammar !== 'v3' ? {} : notExposedLabels(spec, input.outerLabels)),
    ...(input.outerLabels ?? {}),
    ...(spec.labels ?? {}),
    ...generated,
    // Names no installation yet: the planner claims the app for the daemon's (plan/claim.ts).
    [LABEL_MANAGED_BY]: LEGACY_MANAGED_BY,
    [LABEL_SOURCE]: sourceLabel,
  });
  const hash = specHash(definition);
  definition.labels = sortedRecord({ ...definition.labels, [LABEL_SPEC_HASH]: hash });
  const app: DesiredApp = { id, source: input.source, definition, specHash: hash, adopt: input.adopt };
  if (spec.expose) {
    app.url = publicUrl(spec.expose);
    const path = (spec.expose.path ?? '').replace(/\/+$/, '');
    app.exposes = hostsOf(spec.expose).map((host) => ({ host: host.toLowerCase(), path }));
  }
  if (route) app.route = route;
  return { app, issues };
}
