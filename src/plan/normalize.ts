// One canonical form for an app definition, whichever side it comes from: a manifest's
// translation (only what the user wrote) or Marathon's answer (defaults filled in, ports
// assigned, state attached, maybe in the pre-1.5 JSON form). Comparing canonical forms
// with plain structural equality then finds only real differences; diff.ts handles the few
// values that only Marathon can choose (assigned ports, defaults that changed by release).
//
// The canonical form:
//   - is in the Marathon 1.5 networking form (legacy.ts);
//   - has every single-valued default written in (defaults.ts), so absent == default;
//   - has no server-side state (SERVER_FIELDS), no nulls, no empty maps or set-like lists;
//   - keeps only the port list the network mode uses (portDefinitions for host,
//     container.portMappings otherwise), as Marathon itself ignores the other one;
//   - has set-like lists (constraints, dependencies, acceptedResourceRoles, healthChecks,
//     fetch, volumes) sorted, and ordered lists (ports, args, networks, parameters) as given;
//   - leaves out the derived `maracker.spec-hash` label.

import type { AppId } from '../model/app-id.js';
import { LABEL_SPEC_HASH } from '../model/labels.js';
import type { JsonObject, JsonValue, MarathonAppDefinition } from '../model/marathon.js';
import { clean, cleanMap, cleanScalar, isObject, sortedSet } from './canonical.js';
import {
  APP_DEFAULTS,
  BRIDGE_NETWORK,
  CONTAINER_TYPE_DEFAULT,
  DEFAULT_PORT_NAME,
  DOCKER_DEFAULTS,
  EXECUTOR_RESOURCES_DEFAULT,
  FETCH_DEFAULTS,
  HEALTH_CHECK_DEFAULTS,
  HEALTH_CHECK_PATH_DEFAULT,
  HEALTH_CHECK_PORT_INDEX_DEFAULT,
  HOST_NETWORK,
  HTTP_HEALTH_PROTOCOLS,
  NETWORK_MODE_DEFAULT,
  PERSISTENT_VOLUME_TYPE_DEFAULT,
  PORT_PROTOCOL_DEFAULT,
  READINESS_CHECK_DEFAULTS,
  RESIDENCY_DEFAULT,
  RESIDENT_UNREACHABLE_STRATEGY,
  RESIDENT_UPGRADE_STRATEGY_DEFAULT,
  SERVER_FIELDS,
  UPGRADE_STRATEGY_DEFAULT,
} from './defaults.js';
import { migrateLegacy } from './legacy.js';

type Raw = Record<string, unknown>;

export interface NormalizedApp {
  readonly id: AppId;
  /** The canonical definition (without `id`), compared field by field by diff.ts. */
  readonly spec: JsonObject;
  /**
   * The definition declared no ports at all, so the canonical form holds the default port
   * Marathon would add; its name may come back as "default" or, from old servers, absent.
   */
  readonly implicitPorts: boolean;
  /** The app has persistent volumes, which changes several of Marathon's defaults. */
  readonly resident: boolean;
  /** Where the port list lives for this app's network mode. */
  readonly portsPath: 'portDefinitions' | 'container.portMappings';
}

/** Fields this module builds itself; every other field is cleaned and passed through. */
const HANDLED = new Set([
  'id', 'cmd', 'args', 'user', 'env', 'labels', 'container', 'networks', 'portDefinitions',
  'requirePorts', 'healthChecks', 'readinessChecks', 'constraints', 'dependencies',
  'acceptedResourceRoles', 'fetch', 'upgradeStrategy', 'unreachableStrategy', 'residency',
  'executorResources', 'secrets', 'tty', ...Object.keys(APP_DEFAULTS),
]);

/** Marathon's FetchUri.isExtract: only archives are unpacked, so `extract` means nothing for other files. */
const ARCHIVE_SUFFIXES = ['.tgz', '.tar.gz', '.tbz2', '.tar.bz2', '.txz', '.tar.xz', '.zip'];

export function normalizeApp(definition: MarathonAppDefinition): NormalizedApp {
  const raw = migrateLegacy(definition as Raw);
  const id = absoluteId(String(raw['id'] ?? ''));
  const spec: JsonObject = {};

  const networks = normalizeNetworks(raw['networks']);
  const mode = (networks[0] as JsonObject)['mode'];
  const host = mode === HOST_NETWORK;
  const bridge = mode === BRIDGE_NETWORK;
  spec['networks'] = networks;

  for (const key of Object.keys(APP_DEFAULTS)) {
    spec[key] = cleanScalar(raw[key]) ?? (APP_DEFAULTS[key] as JsonValue);
  }
  // requirePorts only applies to host networking; Marathon resets it otherwise (AppNormalization).
  if (!host) spec['requirePorts'] = false;

  setIf(spec, 'cmd', cleanScalar(raw['cmd']));
  setIf(spec, 'user', cleanScalar(raw['user']));
  if (Array.isArray(raw['args']) && raw['args'].length > 0) spec['args'] = clean(raw['args']) as JsonValue[];
  setIf(spec, 'env', cleanMap(raw['env']));
  setIf(spec, 'labels', cleanMap(raw['labels'], (key) => key === LABEL_SPEC_HASH));
  setIf(spec, 'secrets', cleanMap(raw['secrets']));
  if (raw['tty'] === true) spec['tty'] = true;

  const rawContainer = isObject(raw['container']) ? (raw['container'] as Raw) : undefined;
  // Non-host networking without a container gets an empty Mesos container (AppNormalization).
  const containerSource = rawContainer ?? (host ? undefined : { type: 'MESOS' });
  const container = containerSource !== undefined ? normalizeContainer(containerSource) : undefined;
  const resident = container !== undefined && hasPersistentVolume(container);

  let implicitPorts: boolean;
  if (host) {
    const declared = raw['portDefinitions'];
    implicitPorts = !Array.isArray(declared);
    spec['portDefinitions'] = implicitPorts
      ? [{ port: 0, protocol: PORT_PROTOCOL_DEFAULT, name: DEFAULT_PORT_NAME }]
      : (declared as unknown[]).filter(isObject).map(normalizePortDefinition);
  } else {
    const declared = rawContainer?.['portMappings'];
    implicitPorts = !Array.isArray(declared);
    const mappings = implicitPorts ? [{ name: DEFAULT_PORT_NAME }] : (declared as unknown[]).filter(isObject);
    (container as JsonObject)['portMappings'] = mappings.map((m) => normalizePortMapping(m, bridge));
  }
  if (container !== undefined) spec['container'] = container;

  setIf(spec, 'healthChecks', sortedSet(arrayOf(raw['healthChecks']).map(normalizeHealthCheck)));
  const readiness = arrayOf(raw['readinessChecks']).map(normalizeReadinessCheck);
  if (readiness.length > 0) spec['readinessChecks'] = readiness;
  setIf(spec, 'constraints', sortedSet(arrayOf<unknown[]>(raw['constraints'], Array.isArray).map(normalizeConstraint)));
  setIf(spec, 'dependencies', sortedSet(dependenciesOf(id, raw['dependencies'])));
  setIf(spec, 'acceptedResourceRoles', sortedSet(arrayOf(raw['acceptedResourceRoles'], isString)));
  setIf(spec, 'fetch', sortedSet(arrayOf(raw['fetch']).map(normalizeFetch)));

  const upgradeDefault = resident ? RESIDENT_UPGRADE_STRATEGY_DEFAULT : UPGRADE_STRATEGY_DEFAULT;
  spec['upgradeStrategy'] = withDefaults(raw['upgradeStrategy'], upgradeDefault);
  spec['executorResources'] = withDefaults(raw['executorResources'], EXECUTOR_RESOURCES_DEFAULT);
  if (resident) {
    spec['residency'] = withDefaults(raw['residency'], RESIDENCY_DEFAULT);
  } else {
    setIf(spec, 'residency', clean(raw['residency']));
  }
  // Other defaults of unreachableStrategy changed by release: diff.ts accepts any of them.
  const unreachable = clean(raw['unreachableStrategy']);
  setIf(spec, 'unreachableStrategy', unreachable ?? (resident ? RESIDENT_UNREACHABLE_STRATEGY : undefined));

  for (const key of Object.keys(raw)) {
    if (HANDLED.has(key) || SERVER_FIELDS.has(key)) continue;
    setIf(spec, key, clean(raw[key]));
  }
  return { id, spec, implicitPorts, resident, portsPath: host ? 'portDefinitions' : 'container.portMappings' };
}

function setIf(target: JsonObject, key: string, value: JsonValue | undefined): void {
  if (value !== undefined) target[key] = value;
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function arrayOf<T = Raw>(value: unknown, keep: (item: unknown) => boolean = isObject): T[] {
  return Array.isArray(value) ? (value.filter(keep) as T[]) : [];
}

/** A copy of `value` (an object) with each missing field taken from `defaults`. */
function withDefaults(value: unknown, defaults: Readonly<Record<string, JsonValue>>): JsonObject {
  const given = isObject(value) ? (clean(value) as JsonObject) : {};
  return { ...defaults, ...given };
}

/** Marathon makes ids absolute ("nginx" -> "/nginx", AppNormalization.forDeprecated). */
export function absoluteId(id: string): AppId {
  return id.startsWith('/') ? id : '/' + id;
}

/**
 * Dependencies as absolute ids. Marathon resolves a relative dependency against the app's
 * group (PathId.canonicalPath): "db" next to "/shop/web" is "/shop/db", "../x" is "/x".
 */
export function dependenciesOf(appId: AppId, dependencies: unknown): string[] {
  if (!Array.isArray(dependencies) || dependencies.length === 0) return [];
  const group = appId.split('/').filter((s) => s.length > 0).slice(0, -1);
  return dependencies.filter(isString).map((dep) => {
    const segments = dep.startsWith('/') ? [] : [...group];
    for (const segment of dep.split('/')) {
      if (segment === '' || segment === '.') continue;
      if (segment === '..') segments.pop();
      else segments.push(segment);
    }
    return '/' + segments.join('/');
  });
}

function normalizeNetworks(value: unknown): JsonValue[] {
  const given = arrayOf(value);
  if (given.length === 0) return [{ mode: HOST_NETWORK }];
  return given.map((network) => {
    const out = clean(network) as JsonObject;
    out['mode'] ??= NETWORK_MODE_DEFAULT;
    dropEmpty(out, 'labels');
    return out;
  });
}

function normalizeContainer(container: Raw): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(container)) {
    if (key === 'portMappings' || key === 'volumes' || key === 'docker') continue;
    setIf(out, key, clean(container[key]));
  }
  out['type'] ??= CONTAINER_TYPE_DEFAULT;
  if (isObject(container['docker'])) {
    const docker = { ...DOCKER_DEFAULTS, ...(clean(container['docker']) as JsonObject) };
    dropEmpty(docker, 'parameters');
    out['docker'] = docker;
  }
  setIf(out, 'volumes', sortedSet(arrayOf(container['volumes']).map(normalizeVolume)));
  return out;
}

function normalizeVolume(volume: Raw): JsonValue {
  const out = clean(volume) as JsonObject;
  const persistent = out['persistent'];
  if (isObject(persistent) && persistent['type'] === undefined && persistent['profileName'] === undefined) {
    out['persistent'] = { ...persistent, type: PERSISTENT_VOLUME_TYPE_DEFAULT };
  }
  return out;
}

function hasPersistentVolume(container: JsonObject): boolean {
  const volumes = container['volumes'];
  return Array.isArray(volumes) && volumes.some((v) => isObject(v) && v['persistent'] !== undefined);
}

function normalizePortDefinition(port: Raw): JsonObject {
  const out = clean(port) as JsonObject;
  out['port'] ??= 0;
  out['protocol'] ??= PORT_PROTOCOL_DEFAULT;
  dropEmpty(out, 'labels');
  return out;
}

function normalizePortMapping(mapping: Raw, bridge: boolean): JsonObject {
  const out = clean(mapping) as JsonObject;
  out['containerPort'] ??= 0;
  out['servicePort'] ??= 0;
  out['protocol'] ??= PORT_PROTOCOL_DEFAULT;
  // "When using container/bridge mode networking, an unspecified (null) value for hostPort
  // is translated to hostPort: 0" (networking.md); other modes allocate no host port.
  if (bridge) out['hostPort'] ??= 0;
  dropEmpty(out, 'labels');
  dropEmpty(out, 'networkNames');
  return out;
}

function normalizeHealthCheck(check: Raw): JsonValue {
  const out = { ...HEALTH_CHECK_DEFAULTS, ...(clean(check) as JsonObject) };
  const protocol = String(out['protocol']);
  if (protocol !== 'COMMAND' && out['port'] === undefined && out['portIndex'] === undefined) {
    out['portIndex'] = HEALTH_CHECK_PORT_INDEX_DEFAULT;
  }
  if (HTTP_HEALTH_PROTOCOLS.has(protocol)) out['path'] ??= HEALTH_CHECK_PATH_DEFAULT;
  return out;
}

function normalizeReadinessCheck(check: Raw): JsonObject {
  const out = { ...READINESS_CHECK_DEFAULTS, ...(clean(check) as JsonObject) };
  const codes = out['httpStatusCodesForReady'];
  // A set in Marathon (readinessCheck.raml uniqueItems), printed in any order.
  if (Array.isArray(codes)) out['httpStatusCodesForReady'] = [...new Set(codes)].sort((a, b) => Number(a) - Number(b));
  return out;
}

function normalizeConstraint(constraint: unknown[]): JsonValue {
  const out = constraint.filter((part) => part !== null && part !== undefined).map(String);
  // Marathon parses the operator case-insensitively and prints it upper-case.
  if (out.length > 1) out[1] = (out[1] as string).toUpperCase();
  return out;
}

function normalizeFetch(artifact: Raw): JsonValue {
  const out = { ...FETCH_DEFAULTS, ...(clean(artifact) as JsonObject) };
  const uri = String(out['uri'] ?? '').toLowerCase();
  // Mesos only extracts archives, and Marathon's migration from `uris` sets extract from the
  // file name: for any other file the flag has no effect, so it is not compared.
  if (!ARCHIVE_SUFFIXES.some((suffix) => uri.endsWith(suffix))) delete out['extract'];
  return out;
}

function dropEmpty(target: JsonObject, key: string): void {
  const value = target[key];
  if (Array.isArray(value) ? value.length === 0 : isObject(value) && Object.keys(value).length === 0) {
    delete target[key];
  }
}
