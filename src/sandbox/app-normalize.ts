// Turns a type-checked App body into the canonical definition Marathon 1.10 stores and returns:
// deprecated fields migrated (AppNormalization.forDeprecated), defaults filled in
// (AppNormalization.apply plus the RAML defaults), field order as Marathon serialises it.
//
// Where the 1.10 value differs from the sources at hand, the choice is noted:
//  - maxLaunchDelaySeconds 300: raml-master says 300; the real 1.5.0 responses show 3600. The
//    default was lowered in Marathon 1.8 (PR mesosphere/marathon#6686, MARATHON-8505), so 1.10
//    answers 300.
//  - unreachableStrategy {0, 0}: the 1.5.0 responses show {300, 600}; changelog "Changes from
//    1.5.0 to 1.5.1": MARATHON-7576 changed the default to (0,0).
//  - portDefinitions default [{port 0, name "default", protocol tcp}] and container port mapping
//    default [{containerPort 0, hostPort 0 (bridge), name "default", ...}]: raml.Apps
//    DefaultPortDefinitions / DefaultPortMappings. Host-mode apps get portDefinitions; non-host
//    apps get none (AppConversion writes None), matching the 1.5.0 bridge responses.
//  - role "*" (1.9+, multirole.md: the --mesos_role default).
//  - health checks as HealthCheckConversion.appHealthCheckWrites prints them: each kind keeps only
//    its own fields (ignoreHttp1xx only for HTTP/HTTPS, path only for the HTTP kinds), ipProtocol
//    is always IPv4 but for the Mesos HTTP/TCP checks, and HTTP/HTTPS/TCP checks are never delayed
//    (MarathonHttpHealthCheck has no delay: GET shows HealthCheck.DefaultDelay, 15, whatever was sent).
//  - portIndex 0 is added to a check naming no port only when the request declared ports
//    (AppNormalization.forDeprecated: "only normalize if there are ports defined somewhere").
//  - residency is kept only by apps with persistent volumes, derived from unreachableStrategy
//    (AppConversion.appWriter); any other app's residency is dropped.
//  - Empty args/constraints/dependencies/env/fetch/healthChecks/readinessChecks/secrets are left
//    out (pragma.omitEmpty in app.raml), as in the real responses; labels is always present.

import type { JsonObject, JsonValue } from '../model/marathon.js';
import { DEFAULT_APP_CONFIG, Problems, validateCanonicalApp, validateRoles, type AppConfig } from './app-validate.js';
import { canonicalId, segmentsOf } from './path-id.js';

type Obj = JsonObject;

export const DEFAULT_ROLE = '*';

function obj(v: JsonValue | undefined): Obj | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
}
function arr(v: JsonValue | undefined): JsonValue[] {
  return Array.isArray(v) ? v : [];
}
function nonEmptyArr(v: JsonValue | undefined): JsonValue[] | undefined {
  return Array.isArray(v) && v.length > 0 ? v : undefined;
}
function nonEmptyObj(v: JsonValue | undefined): Obj | undefined {
  const o = obj(v);
  return o && Object.keys(o).length > 0 ? o : undefined;
}
/** Assigns only defined values, keeping the insertion order that is the output order. */
function put(target: Obj, key: string, value: JsonValue | undefined): void {
  if (value !== undefined) target[key] = value;
}

/** FetchUri.isExtract: archives are extracted by the Mesos fetcher. */
function isExtract(uri: string): boolean {
  return /\.(tgz|tar\.gz|tbz2|tar\.bz2|txz|tar\.xz|zip)$/.test(uri);
}

/** The roles an app may use: the default role, plus its top-level group's name when it has one. */
export function validRolesFor(appId: string): string[] {
  const segs = segmentsOf(appId);
  return segs.length > 1 ? [DEFAULT_ROLE, segs[0] as string] : [DEFAULT_ROLE];
}

interface Migrated {
  app: Obj;
  networks: Obj[];
}

/** AppNormalization.forDeprecated: ports, uris, ipAddress and container.docker.network/portMappings. */
function migrateDeprecated(input: Obj, problems: Problems): Migrated {
  const app: Obj = { ...input };
  const uris = arr(input.uris) as string[];
  const fetch = arr(input.fetch);
  if (uris.length > 0 && fetch.length > 0) problems.add('/uris', 'may not be set in conjunction with fetch');
  if (uris.length > 0 && fetch.length === 0) app.fetch = uris.map((uri) => ({ uri, extract: isExtract(uri) }));
  delete app.uris;

  const ports = input.ports as number[] | undefined;
  if (ports !== undefined) {
    const explicit = ports.filter((p) => p !== 0);
    if (new Set(explicit).size !== explicit.length) problems.add('/', 'ports must be unique');
    const defs = arr(input.portDefinitions).map((p) => (obj(p)?.port as number | undefined) ?? 0);
    if (input.portDefinitions !== undefined && JSON.stringify(defs) !== JSON.stringify(ports)) {
      problems.add('/', 'cannot specify both ports and port definitions');
    }
    if (input.portDefinitions === undefined) app.portDefinitions = ports.map((port) => ({ port }));
  }
  delete app.ports;

  let container = obj(input.container) ? { ...(obj(input.container) as Obj) } : undefined;
  const docker = container ? obj(container.docker) : undefined;
  const dockerNetwork = docker?.network as string | undefined;
  const ipAddress = obj(input.ipAddress);
  let networks = arr(input.networks).map((n) => obj(n) ?? {});
  if (dockerNetwork !== undefined && networks.length > 0) problems.add('/', 'must not specify both container.docker.network and networks');
  if (ipAddress && networks.length > 0) problems.add('/', 'must not specify both networks and ipAddress');
  if (networks.length === 0) {
    if (dockerNetwork === 'BRIDGE') networks = [{ mode: 'container/bridge' }];
    else if (dockerNetwork === 'HOST') networks = [{ mode: 'host' }];
    else if (dockerNetwork === 'USER' || (ipAddress && dockerNetwork === undefined)) {
      const network: Obj = { mode: 'container' };
      put(network, 'name', ipAddress?.networkName as string | undefined);
      networks = [network];
      if (!container) container = { type: 'MESOS' };
    }
  }
  delete app.ipAddress;
  if (container && docker) {
    const dockerMappings = docker.portMappings as JsonValue[] | undefined;
    const copy: Obj = { ...docker };
    delete copy.network;
    delete copy.portMappings;
    container.docker = copy;
    if (dockerMappings !== undefined) {
      if (arr(container.portMappings).length > 0 && dockerMappings.length > 0) {
        problems.add('/container', 'cannot specify both portMappings and docker.portMappings');
      } else if (container.portMappings === undefined || arr(container.portMappings).length === 0) {
        container.portMappings = dockerMappings;
      }
    }
  }
  if (container) app.container = container;

  networks = networks.map((n) => ({ ...n, mode: (n.mode as string | undefined) ?? 'container' }));
  if (networks.length === 0) networks = [{ mode: 'host' }];
  app.networks = networks;
  // maybeDropPortMappings / applyDefaultPortMappings / maybeAddPortMappings, in that order:
  // ports of the other networking style are dropped silently, before validation; a container
  // on a non-host network without mappings gets the default one; more port definitions than
  // mappings add empty mappings
  if (networks.some((n) => n.mode === 'host')) {
    if (container) delete container.portMappings;
  } else {
    if (container) {
      if (container.portMappings === undefined) container.portMappings = [{ ...DEFAULT_PORT_MAPPING }];
      const missing = arr(input.portDefinitions).length - arr(container.portMappings).length;
      if (missing > 0) container.portMappings = [...arr(container.portMappings), ...Array.from({ length: missing }, () => ({}))];
    }
    delete app.portDefinitions;
  }
  // AppNormalization.forDeprecated normalises health checks "only if there are ports defined
  // somewhere": the request's own portDefinitions, or the container's mappings after the above
  const declaresPorts = arr(input.portDefinitions).length > 0 || arr(container?.portMappings).length > 0;
  app.healthChecks = arr(input.healthChecks).map((c) => withDefaultPortIndex(obj(c) ?? {}, declaresPorts));
  if (input.healthChecks === undefined) delete app.healthChecks;
  return { app, networks };
}

/** AppNormalization.normalizeHealthChecks: portIndex 0 for a non-COMMAND check naming no port, when ports are declared. */
function withDefaultPortIndex(check: Obj, declaresPorts: boolean): Obj {
  const command = check.command !== undefined || check.protocol === 'COMMAND';
  if (!declaresPorts || command || check.port !== undefined || check.portIndex !== undefined) return check;
  return { ...check, portIndex: 0 };
}

function normalizeNetwork(n: Obj, config: AppConfig): Obj {
  const out: Obj = {};
  // NetworkNormalization.Networks: a container network without a name takes --default_network_name
  put(out, 'name', n.name ?? (n.mode === 'container' ? config.defaultNetworkName : undefined));
  out.mode = n.mode ?? 'container';
  put(out, 'labels', nonEmptyObj(n.labels));
  return out;
}

function normalizePortDefinition(p: Obj): Obj {
  const out: Obj = { port: (p.port as number | undefined) ?? 0 };
  put(out, 'labels', nonEmptyObj(p.labels));
  put(out, 'name', p.name);
  out.protocol = p.protocol ?? 'tcp';
  return out;
}

function normalizePortMapping(m: Obj, bridge: boolean): Obj {
  const out: Obj = { containerPort: (m.containerPort as number | undefined) ?? 0 };
  // backwards compatibility: in bridge mode a missing hostPort means "any" (0)
  put(out, 'hostPort', m.hostPort ?? (bridge ? 0 : undefined));
  out.labels = obj(m.labels) ?? {};
  put(out, 'name', m.name);
  out.protocol = m.protocol ?? 'tcp';
  out.servicePort = (m.servicePort as number | undefined) ?? 0;
  put(out, 'networkNames', nonEmptyArr(m.networkNames));
  return out;
}

const DEFAULT_PORT_DEFINITIONS: Obj[] = [{ port: 0, name: 'default', protocol: 'tcp' }];
const DEFAULT_PORT_MAPPING: Obj = { containerPort: 0, name: 'default' };

function normalizeContainer(c: Obj, networks: Obj[]): Obj {
  const hostNetworking = networks.some((n) => n.mode === 'host');
  const bridge = networks.some((n) => n.mode === 'container/bridge');
  const type = (c.type as string | undefined) ?? 'DOCKER';
  const out: Obj = { type };
  const docker = obj(c.docker);
  if (docker) {
    const d: Obj = {};
    put(d, 'credential', docker.credential);
    put(d, 'pullConfig', docker.pullConfig);
    d.forcePullImage = docker.forcePullImage ?? false;
    d.image = docker.image as string;
    if (type === 'DOCKER') {
      d.parameters = docker.parameters ?? [];
      d.privileged = docker.privileged ?? false;
    }
    out.docker = d;
  }
  put(out, 'appc', c.appc);
  put(out, 'linuxInfo', c.linuxInfo);
  out.volumes = c.volumes ?? [];
  if (!hostNetworking) {
    const given = c.portMappings === undefined ? [DEFAULT_PORT_MAPPING] : arr(c.portMappings);
    out.portMappings = given.map((m) => normalizePortMapping(obj(m) ?? {}, bridge));
  }
  return out;
}

const MESOS_NETWORK_CHECKS = new Set(['MESOS_HTTP', 'MESOS_HTTPS', 'MESOS_TCP']);

/** A health check as HealthCheckConversion.appHealthCheckWrites prints what was stored of it. */
function normalizeHealthCheck(check: Obj): Obj {
  const protocol = check.command !== undefined ? 'COMMAND' : ((check.protocol as string | undefined) ?? 'HTTP');
  const http = protocol === 'HTTP' || protocol === 'HTTPS';
  const mesosNetwork = MESOS_NETWORK_CHECKS.has(protocol);
  const out: Obj = {};
  put(out, 'command', check.command);
  out.gracePeriodSeconds = check.gracePeriodSeconds ?? 300;
  // MarathonHttpHealthCheck keeps ignoreHttp1xx; no other kind stores it
  if (http) out.ignoreHttp1xx = check.ignoreHttp1xx ?? false;
  out.intervalSeconds = check.intervalSeconds ?? 60;
  out.maxConsecutiveFailures = check.maxConsecutiveFailures ?? 3;
  if (http || protocol === 'MESOS_HTTP' || protocol === 'MESOS_HTTPS') put(out, 'path', check.path);
  if (protocol !== 'COMMAND') {
    put(out, 'port', check.port);
    put(out, 'portIndex', check.portIndex);
  }
  out.protocol = protocol;
  // only the Mesos HTTP/TCP checks store an IP protocol; the others print the default
  out.ipProtocol = mesosNetwork ? (check.ipProtocol ?? 'IPv4') : 'IPv4';
  out.timeoutSeconds = check.timeoutSeconds ?? 20;
  // Marathon's own HTTP/HTTPS/TCP checks have no delay: GET prints HealthCheck.DefaultDelay
  out.delaySeconds = protocol === 'COMMAND' || mesosNetwork ? (check.delaySeconds ?? 15) : 15;
  return out;
}

/** AppCheck with the RAML defaults, as CheckConversion.checkRamlWriter prints it. */
function normalizeCheck(check: Obj): Obj {
  const out: Obj = {};
  const http = obj(check.http);
  const tcp = obj(check.tcp);
  const exec = obj(check.exec);
  if (http) {
    const h: Obj = {};
    put(h, 'portIndex', http.portIndex);
    put(h, 'port', http.port);
    put(h, 'path', http.path);
    h.scheme = http.scheme ?? 'HTTP';
    out.http = h;
  }
  if (tcp) {
    const t: Obj = {};
    put(t, 'portIndex', tcp.portIndex);
    put(t, 'port', tcp.port);
    out.tcp = t;
  }
  if (exec) out.exec = exec;
  out.intervalSeconds = check.intervalSeconds ?? 60;
  out.timeoutSeconds = check.timeoutSeconds ?? 20;
  out.delaySeconds = check.delaySeconds ?? 15;
  return out;
}

/** readinessCheck.raml defaults, and httpStatusCodesForReady [200] (AppNormalization.normalizeReadinessCheck). */
function normalizeReadinessCheck(check: Obj): Obj {
  const codes = arr(check.httpStatusCodesForReady);
  return {
    name: check.name ?? 'readinessCheck',
    protocol: check.protocol ?? 'HTTP',
    path: check.path ?? '/',
    portName: check.portName ?? 'http-api',
    intervalSeconds: check.intervalSeconds ?? 30,
    timeoutSeconds: check.timeoutSeconds ?? 10,
    httpStatusCodesForReady: codes.length > 0 ? codes : [200],
    preserveLastResponse: check.preserveLastResponse ?? false,
  };
}

/** The members of a Set-valued field (app.raml uniqueItems; a Scala Set in AppDefinition), each once. */
function distinct(items: JsonValue[]): JsonValue[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = stableStringify(item);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function hasPersistentVolume(container: Obj | undefined): boolean {
  return arr(container?.volumes).some((v) => obj(v)?.persistent !== undefined);
}

/**
 * Validates and normalises a type-checked App (full definition). Throws the 422 "Object is not
 * valid" error when Marathon's validators would reject it.
 */
export function normalizeApp(input: Obj, config: AppConfig = DEFAULT_APP_CONFIG): Obj {
  const problems = new Problems();
  const id = canonicalId(String(input.id));
  const { app, networks } = migrateDeprecated({ ...input, id }, problems);
  // readiness checks are validated with their defaults (portName "http-api" must exist)
  if (app.readinessChecks !== undefined) app.readinessChecks = arr(app.readinessChecks).map((c) => normalizeReadinessCheck(obj(c) ?? {}));
  validateCanonicalApp(app, networks, config, problems);
  problems.throwIfAny();

  const hostNetworking = networks.some((n) => n.mode === 'host');
  const parent = segmentsOf(id).slice(0, -1);
  let container = obj(app.container);
  // a non-host network without a container implies an (imageless) Mesos container
  if (!container && !hostNetworking) container = { type: 'MESOS' };

  const out: Obj = { id };
  put(out, 'acceptedResourceRoles', nonEmptyArr(distinct(arr(app.acceptedResourceRoles))));
  put(out, 'args', nonEmptyArr(app.args));
  out.backoffFactor = app.backoffFactor ?? 1.15;
  out.backoffSeconds = app.backoffSeconds ?? 1;
  put(out, 'cmd', app.cmd);
  put(out, 'constraints', nonEmptyArr(distinct(arr(app.constraints))));
  if (container) out.container = normalizeContainer(container, networks);
  out.cpus = app.cpus ?? 1;
  put(out, 'dependencies', nonEmptyArr(distinct(arr(app.dependencies).map((d) => canonicalId(String(d), parent)))));
  out.disk = app.disk ?? 0;
  put(out, 'env', nonEmptyObj(app.env));
  out.executor = app.executor ?? '';
  const executorResources = obj(app.executorResources);
  // resources.raml ExecutorResources defaults
  if (executorResources) out.executorResources = { cpus: executorResources.cpus ?? 0.1, mem: executorResources.mem ?? 32, disk: executorResources.disk ?? 10 };
  put(
    out,
    'fetch',
    nonEmptyArr(
      arr(app.fetch).map((f) => {
        const a = obj(f) ?? {};
        const artifact: Obj = { uri: a.uri as string, extract: a.extract ?? true, executable: a.executable ?? false, cache: a.cache ?? false };
        put(artifact, 'destPath', a.destPath);
        return artifact;
      }),
    ),
  );
  put(out, 'healthChecks', nonEmptyArr(distinct(arr(app.healthChecks).map((c) => normalizeHealthCheck(obj(c) ?? {})))));
  if (obj(app.check)) out.check = normalizeCheck(obj(app.check) as Obj);
  out.instances = app.instances ?? 1;
  out.labels = obj(app.labels) ?? {};
  out.maxLaunchDelaySeconds = app.maxLaunchDelaySeconds ?? 300;
  out.mem = app.mem ?? 128;
  out.gpus = app.gpus ?? 0;
  out.networks = networks.map((n) => normalizeNetwork(n, config));
  if (hostNetworking) {
    const given = app.portDefinitions === undefined ? DEFAULT_PORT_DEFINITIONS : arr(app.portDefinitions);
    out.portDefinitions = given.map((p) => normalizePortDefinition(obj(p) ?? {}));
  }
  put(out, 'readinessChecks', nonEmptyArr(app.readinessChecks));
  // AppConversion.appWriter: residency only for resident apps (persistent volumes), from the
  // unreachable strategy; AppNormalization gives resident apps the default one
  const resident = hasPersistentVolume(container);
  const unreachable = app.unreachableStrategy ?? (resident ? 'disabled' : undefined);
  if (resident) {
    const u = obj(unreachable);
    out.residency = u
      ? { relaunchEscalationTimeoutSeconds: u.inactiveAfterSeconds ?? 0, taskLostBehavior: 'WAIT_FOREVER' }
      : { relaunchEscalationTimeoutSeconds: 3600, taskLostBehavior: 'WAIT_FOREVER' };
  }
  put(out, 'resourceLimits', app.resourceLimits);
  // requirePorts only applies to host networking
  out.requirePorts = hostNetworking ? (app.requirePorts ?? false) : false;
  put(out, 'secrets', nonEmptyObj(app.secrets));
  put(out, 'taskKillGracePeriodSeconds', app.taskKillGracePeriodSeconds);
  const upgrade = obj(app.upgradeStrategy);
  // AppConversion.UpgradeStrategyConverter: resident apps default to {0.5, 0}
  out.upgradeStrategy = upgrade
    ? { maximumOverCapacity: upgrade.maximumOverCapacity ?? 1, minimumHealthCapacity: upgrade.minimumHealthCapacity ?? 1 }
    : resident
      ? { maximumOverCapacity: 0, minimumHealthCapacity: 0.5 }
      : { maximumOverCapacity: 1, minimumHealthCapacity: 1 };
  put(out, 'user', app.user);
  out.killSelection = app.killSelection ?? 'YOUNGEST_FIRST';
  out.unreachableStrategy = unreachable ?? { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 };
  if (obj(out.unreachableStrategy)) {
    const u = out.unreachableStrategy as Obj;
    out.unreachableStrategy = { inactiveAfterSeconds: u.inactiveAfterSeconds ?? 0, expungeAfterSeconds: u.expungeAfterSeconds ?? 0 };
  }
  put(out, 'tty', app.tty);
  out.role = app.role ?? DEFAULT_ROLE;

  validateRoles(out, validRolesFor(id), problems);
  problems.throwIfAny();
  return out;
}

/** Fields AppDefinition holds as Sets: their order is not part of the definition. */
const SET_FIELDS = ['constraints', 'healthChecks', 'dependencies', 'acceptedResourceRoles'];

/**
 * What decides between a scale and a config change (AppDefinition.isUpgrade): everything but
 * `instances`, with object keys and the Set-valued fields taken without their order.
 */
export function configFingerprint(def: Obj): string {
  const rest: Obj = { ...def };
  delete rest.instances;
  for (const field of SET_FIELDS) {
    const list = rest[field];
    if (Array.isArray(list)) rest[field] = list.map((v) => stableStringify(v)).sort();
  }
  return stableStringify(rest);
}

export function stableStringify(value: JsonValue | undefined): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(value[k])}`).join(',')}}`;
}
