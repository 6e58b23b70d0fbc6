// One canonical form for an app definition, whichever side it comes from: a manifest's
// translation (only what the user wrote) or Marathon's answer (defaults filled in, ports
// assigned, state attached, maybe in the pre-1.5 JSON form). Comparing canonical forms
// with plain structural equality then finds only real differences; diff.ts handles what
// only Marathon chooses (assigned ports, defaults that changed by release, `role`), the
// order of set-like lists and the derived spec-hash label.
//
// The canonical form:
//   - is in the Marathon 1.5 networking form (legacy.ts);
//   - has every single-valued default written in (defaults.ts), so absent == default;
//   - has no server-side state (SERVER_FIELDS), no nulls, no empty maps or set-like lists;
//   - keeps only the port list the network mode uses (portDefinitions for host,
//     container.portMappings otherwise), as Marathon itself ignores the other one.
// It shares the input's objects wherever they are already canonical (a plan normalises
// 20,000 definitions; copying every label map would dominate its cost), so it must never
// be mutated, and neither must the definitions it was built from.

import type { AppId } from '../model/app-id.js';
import type { JsonObject, JsonValue, MarathonAppDefinition } from '../model/marathon.js';
import { cleanScalar, hasKeys, isObject, shared, sharedMap } from './canonical.js';
import {
  APP_DEFAULTS,
  BRIDGE_NETWORK,
  CHECK_DEFAULTS,
  CHECK_HTTP_SCHEME_DEFAULT,
  CONTAINER_TYPE_DEFAULT,
  DEFAULT_PORT_NAME,
  DOCKER_DEFAULTS,
  EXECUTOR_RESOURCES_DEFAULT,
  FETCH_DEFAULTS,
  HEALTH_CHECK_DEFAULTS,
  HEALTH_CHECK_PATH_DEFAULT,
  HOST_NETWORK,
  HTTP_HEALTH_PROTOCOLS,
  IGNORE_HTTP_1XX_DEFAULT,
  IGNORE_HTTP_1XX_PROTOCOLS,
  MARATHON_HEALTH_PROTOCOLS,
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
}

/** Fields this module builds itself; every other field is passed through, cleaned. */
const HANDLED = new Set([
  'id',
  'cmd',
  'args',
  'user',
  'env',
  'labels',
  'container',
  'networks',
  'portDefinitions',
  'requirePorts',
  'healthChecks',
  'readinessChecks',
  'constraints',
  'dependencies',
  'acceptedResourceRoles',
  'fetch',
  'upgradeStrategy',
  'unreachableStrategy',
  'residency',
  'executorResources',
  'secrets',
  'tty',
  'check',
  ...Object.keys(APP_DEFAULTS),
]);

/** Marathon's FetchUri.isExtract: only archives are unpacked, so `extract` means nothing for other files. */
const ARCHIVE_SUFFIXES = ['.tgz', '.tar.gz', '.tbz2', '.tar.bz2', '.txz', '.tar.xz', '.zip'];

const HOST_NETWORKS: readonly JsonValue[] = Object.freeze([Object.freeze({ mode: HOST_NETWORK })]) as readonly JsonValue[];

export function normalizeApp(definition: MarathonAppDefinition): NormalizedApp {
  const raw = migrateLegacy(definition as Raw);
  const id = absoluteId(String(raw['id'] ?? ''));

  const networks = normalizeNetworks(raw['networks']);
  const mode = (networks[0] as JsonObject)['mode'];
  const host = mode === HOST_NETWORK;
  const bridge = mode === BRIDGE_NETWORK;

  const rawContainer = isObject(raw['container']) ? (raw['container'] as Raw) : undefined;
  // Non-host networking without a container gets an empty Mesos container (AppNormalization).
  const containerSource = rawContainer ?? (host ? undefined : { type: 'MESOS' });
  const container = containerSource !== undefined ? normalizeContainer(containerSource) : undefined;
  const resident = container !== undefined && hasPersistentVolume(container);

  // Always-present fields first, in one order, so every canonical spec has the same shape.
  const spec: JsonObject = {
    networks: networks as JsonValue[],
    instances: scalar(raw, 'instances'),
    cpus: scalar(raw, 'cpus'),
    mem: scalar(raw, 'mem'),
    disk: scalar(raw, 'disk'),
    gpus: scalar(raw, 'gpus'),
    executor: scalar(raw, 'executor'),
    // requirePorts only applies to host networking; Marathon resets it otherwise (AppNormalization).
    requirePorts: host ? scalar(raw, 'requirePorts') : false,
    backoffSeconds: scalar(raw, 'backoffSeconds'),
    backoffFactor: scalar(raw, 'backoffFactor'),
    killSelection: scalar(raw, 'killSelection'),
    upgradeStrategy: withDefaults(raw['upgradeStrategy'], resident ? RESIDENT_UPGRADE_STRATEGY_DEFAULT : UPGRADE_STRATEGY_DEFAULT),
    executorResources: withDefaults(raw['executorResources'], EXECUTOR_RESOURCES_DEFAULT),
  };

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

  setIf(spec, 'cmd', cleanScalar(raw['cmd']));
  setIf(spec, 'user', cleanScalar(raw['user']));
  if (Array.isArray(raw['args']) && raw['args'].length > 0) setIf(spec, 'args', shared(raw['args']));
  setIf(spec, 'env', sharedMap(raw['env']));
  // Kept whole, spec-hash included: diff.ts skips that one label (copying every app's
  // labels to drop it would cost more than the rest of normalisation).
  setIf(spec, 'labels', sharedMap(raw['labels']));
  setIf(spec, 'secrets', sharedMap(raw['secrets']));
  if (raw['tty'] === true) spec['tty'] = true;

  // Set-like lists keep their order here; diff.ts compares them as sets.
  setIf(spec, 'healthChecks', nonEmpty(listOf(raw['healthChecks']).map(normalizeHealthCheck)));
  setIf(spec, 'readinessChecks', nonEmpty(listOf(raw['readinessChecks']).map(normalizeReadinessCheck)));
  setIf(spec, 'constraints', nonEmpty(listOf<unknown[]>(raw['constraints'], Array.isArray).map(normalizeConstraint)));
  setIf(spec, 'dependencies', nonEmpty(dependenciesOf(id, raw['dependencies'])));
  setIf(spec, 'acceptedResourceRoles', nonEmpty(listOf<string>(raw['acceptedResourceRoles'], isString)));
  setIf(spec, 'fetch', nonEmpty(listOf(raw['fetch']).map(normalizeFetch)));

  // Marathon keeps residency only for resident apps and drops it from any other
  // (AppConversion.appWriter: `if (app.isResident)`), so elsewhere it means nothing.
  if (resident) spec['residency'] = withDefaults(raw['residency'], RESIDENCY_DEFAULT);
  if (isObject(raw['check'])) spec['check'] = normalizeCheck(raw['check'] as Raw);
  // Other defaults of unreachableStrategy changed by release: diff.ts accepts any of them.
  setIf(spec, 'unreachableStrategy', shared(raw['unreachableStrategy']) ?? (resident ? RESIDENT_UNREACHABLE_STRATEGY : undefined));

  for (const key in raw) {
    if (HANDLED.has(key) || SERVER_FIELDS.has(key)) continue;
    setIf(spec, key, shared(raw[key]));
  }
  return { id, spec, implicitPorts, resident };
}

function scalar(raw: Raw, key: string): JsonValue {
  return cleanScalar(raw[key]) ?? (APP_DEFAULTS[key] as JsonValue);
}

function setIf(target: JsonObject, key: string, value: JsonValue | undefined): void {
  if (value !== undefined) target[key] = value;
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function listOf<T = Raw>(value: unknown, keep: (item: unknown) => boolean = isObject): T[] {
  if (!Array.isArray(value)) return [];
  for (const item of value) if (!keep(item)) return value.filter(keep) as T[];
  return value as T[];
}

function nonEmpty<T extends JsonValue>(items: T[]): T[] | undefined {
  return items.length > 0 ? items : undefined;
}

/**
 * `defaults` overlaid with the fields `value` sets, without the fields `omit` rejects.
 * Always a new object, or `defaults` itself (frozen, shared by every app that leaves the
 * field out). Built in one pass, never with `delete`, which would slow every later read.
 */
function withDefaults(value: unknown, defaults: Readonly<JsonObject>, omit?: (key: string, value: JsonValue) => boolean): JsonObject {
  if (!isObject(value)) return defaults as JsonObject;
  const out: JsonObject = {};
  for (const key in defaults) {
    const v = cleanScalar(value[key]) ?? (defaults[key] as JsonValue);
    if (omit === undefined || !omit(key, v)) out[key] = v;
  }
  for (const key in value) {
    if (key in defaults) continue;
    const v = shared(value[key]);
    if (v !== undefined && (omit === undefined || !omit(key, v))) out[key] = v;
  }
  return out;
}

/** `omit` for fields Marathon prints empty and leaves out alike (pragma.omitEmpty in the RAML). */
function isEmptyIn(keys: ReadonlySet<string>): (key: string, value: JsonValue) => boolean {
  return (key, value) => keys.has(key) && isEmpty(value);
}

function isEmpty(value: JsonValue): boolean {
  return Array.isArray(value) ? value.length === 0 : isObject(value) && !hasKeys(value);
}

const OMIT_EMPTY_LABELS = isEmptyIn(new Set(['labels']));
const OMIT_EMPTY_PARAMETERS = isEmptyIn(new Set(['parameters']));
const OMIT_EMPTY_MAPPING_FIELDS = isEmptyIn(new Set(['labels', 'networkNames']));

/** Marathon makes ids absolute ("nginx" -> "/nginx", AppNormalization.forDeprecated). */
export function absoluteId(id: string): AppId {
  return id.startsWith('/') ? id : `/${id}`;
}

/**
 * Dependencies as absolute ids. Marathon resolves a relative dependency against the app's
 * group (PathId.canonicalPath): "db" next to "/shop/web" is "/shop/db", "../x" is "/x".
 */
export function dependenciesOf(appId: AppId, dependencies: unknown): string[] {
  if (!Array.isArray(dependencies) || dependencies.length === 0) return [];
  let group: string[] | undefined;
  return dependencies.filter(isString).map((dep) => {
    if (dep.startsWith('/') && !dep.includes('.')) return dep;
    group ??= appId
      .split('/')
      .filter((s) => s.length > 0)
      .slice(0, -1);
    const segments = dep.startsWith('/') ? [] : [...group];
    for (const segment of dep.split('/')) {
      if (segment === '' || segment === '.') continue;
      if (segment === '..') segments.pop();
      else segments.push(segment);
    }
    return `/${segments.join('/')}`;
  });
}

function normalizeNetworks(value: unknown): readonly JsonValue[] {
  const given = listOf(value);
  if (given.length === 0) return HOST_NETWORKS;
  return given.map((network) => {
    return withDefaults(network, NETWORK_DEFAULTS, OMIT_EMPTY_LABELS);
  });
}

const NETWORK_DEFAULTS: Readonly<JsonObject> = Object.freeze({ mode: NETWORK_MODE_DEFAULT });

function normalizeContainer(container: Raw): JsonObject {
  const out: JsonObject = { type: cleanScalar(container['type']) ?? CONTAINER_TYPE_DEFAULT };
  for (const key in container) {
    if (key === 'type' || key === 'portMappings' || key === 'volumes' || key === 'docker') continue;
    setIf(out, key, shared(container[key]));
  }
  if (isObject(container['docker'])) {
    out['docker'] = withDefaults(container['docker'], DOCKER_DEFAULTS, OMIT_EMPTY_PARAMETERS);
  }
  setIf(out, 'volumes', nonEmpty(listOf(container['volumes']).map(normalizeVolume)));
  return out;
}

function normalizeVolume(volume: Raw): JsonValue {
  const out = shared(volume) as JsonObject;
  const persistent = out['persistent'];
  if (isObject(persistent) && persistent['type'] === undefined && persistent['profileName'] === undefined) {
    return { ...out, persistent: { ...persistent, type: PERSISTENT_VOLUME_TYPE_DEFAULT } };
  }
  return out;
}

function hasPersistentVolume(container: JsonObject): boolean {
  const volumes = container['volumes'];
  return Array.isArray(volumes) && volumes.some((v) => isObject(v) && v['persistent'] !== undefined);
}

const PORT_DEFINITION_DEFAULTS: Readonly<JsonObject> = Object.freeze({ port: 0, protocol: PORT_PROTOCOL_DEFAULT });
// "When using container/bridge mode networking, an unspecified (null) value for hostPort
// is translated to hostPort: 0" (networking.md); other modes allocate no host port.
const BRIDGE_MAPPING_DEFAULTS: Readonly<JsonObject> = Object.freeze({
  containerPort: 0,
  hostPort: 0,
  servicePort: 0,
  protocol: PORT_PROTOCOL_DEFAULT,
});
const MAPPING_DEFAULTS: Readonly<JsonObject> = Object.freeze({ containerPort: 0, servicePort: 0, protocol: PORT_PROTOCOL_DEFAULT });

function normalizePortDefinition(port: Raw): JsonObject {
  return withDefaults(port, PORT_DEFINITION_DEFAULTS, OMIT_EMPTY_LABELS);
}

function normalizePortMapping(mapping: Raw, bridge: boolean): JsonObject {
  return withDefaults(mapping, bridge ? BRIDGE_MAPPING_DEFAULTS : MAPPING_DEFAULTS, OMIT_EMPTY_MAPPING_FIELDS);
}

/**
 * A health check as Marathon 1.10 prints it (HealthCheckConversion.appHealthCheckWrites): each
 * kind keeps only its own fields. Marathon's own HTTP, HTTPS and TCP checks store no delay and
 * no IP protocol (GET shows 15 and IPv4 whatever was sent), only HTTP and HTTPS keep
 * ignoreHttp1xx, only the HTTP kinds a path, and COMMAND checks no port at all. A check that
 * names neither port nor portIndex is compared as it is: Marathon adds portIndex 0 only to apps
 * that declare ports, and without it the check has no port (the translation always writes one).
 */
function normalizeHealthCheck(check: Raw): JsonValue {
  const protocol = String(cleanScalar(check['protocol']) ?? HEALTH_CHECK_DEFAULTS['protocol']);
  const out = withDefaults(
    check,
    HEALTH_CHECK_DEFAULTS,
    protocol === 'COMMAND' ? OMIT_FOR_COMMAND : HTTP_HEALTH_PROTOCOLS.has(protocol) ? OMIT_FOR_HTTP : OMIT_FOR_TCP,
  );
  if (MARATHON_HEALTH_PROTOCOLS.has(protocol) || protocol === 'COMMAND') out['ipProtocol'] = HEALTH_CHECK_DEFAULTS['ipProtocol'] as JsonValue;
  if (MARATHON_HEALTH_PROTOCOLS.has(protocol)) out['delaySeconds'] = HEALTH_CHECK_DEFAULTS['delaySeconds'] as JsonValue;
  if (IGNORE_HTTP_1XX_PROTOCOLS.has(protocol)) out['ignoreHttp1xx'] = cleanScalar(check['ignoreHttp1xx']) ?? IGNORE_HTTP_1XX_DEFAULT;
  if (HTTP_HEALTH_PROTOCOLS.has(protocol)) out['path'] ??= HEALTH_CHECK_PATH_DEFAULT;
  return out;
}

/** The fields withDefaults must leave out per kind of check (ignoreHttp1xx is set by normalizeHealthCheck). */
const OMIT_FOR_HTTP = (key: string): boolean => key === 'ignoreHttp1xx';
const OMIT_FOR_TCP = (key: string): boolean => key === 'ignoreHttp1xx' || key === 'path';
const OMIT_FOR_COMMAND = (key: string): boolean => key === 'ignoreHttp1xx' || key === 'path' || key === 'port' || key === 'portIndex';

/** A Mesos check (check.raml AppCheck) with its defaults, as CheckConversion.checkRamlWriter prints it. */
function normalizeCheck(check: Raw): JsonObject {
  const out = withDefaults(check, CHECK_DEFAULTS);
  if (isObject(check['http'])) out['http'] = withDefaults(check['http'], CHECK_HTTP_DEFAULTS);
  return out;
}

const CHECK_HTTP_DEFAULTS: Readonly<JsonObject> = Object.freeze({ scheme: CHECK_HTTP_SCHEME_DEFAULT });

function normalizeReadinessCheck(check: Raw): JsonObject {
  const out = withDefaults(check, READINESS_CHECK_DEFAULTS);
  const codes = out['httpStatusCodesForReady'];
  // A set in Marathon (readinessCheck.raml uniqueItems), printed in any order.
  if (Array.isArray(codes)) out['httpStatusCodesForReady'] = [...new Set(codes)].sort((a, b) => Number(a) - Number(b));
  return out;
}

function normalizeConstraint(constraint: unknown[]): JsonValue {
  const op = constraint[1];
  // Marathon parses the operator case-insensitively and prints it upper-case.
  if (typeof op === 'string' && op === op.toUpperCase() && constraint.every(isString)) return constraint as string[];
  const out = constraint.filter((part) => part !== null && part !== undefined).map(String);
  if (out.length > 1) out[1] = (out[1] as string).toUpperCase();
  return out;
}

function normalizeFetch(artifact: Raw): JsonValue {
  const uri = String(artifact['uri'] ?? '').toLowerCase();
  // Mesos only extracts archives, and Marathon's migration from `uris` sets extract from the
  // file name: for any other file the flag has no effect, so it is not compared.
  const archive = ARCHIVE_SUFFIXES.some((suffix) => uri.endsWith(suffix));
  return withDefaults(artifact, FETCH_DEFAULTS, archive ? undefined : OMIT_EXTRACT);
}

const OMIT_EXTRACT = (key: string): boolean => key === 'extract';
