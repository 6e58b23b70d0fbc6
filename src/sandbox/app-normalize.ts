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
//  - role "*" (1.9+, multirole.md: the --mesos_role default), ipProtocol "IPv4" on health
//    checks (1.6+, MARATHON-7807), delaySeconds 15 on every health check (HealthCheck.DefaultDelay).
//  - Empty args/constraints/dependencies/env/fetch/healthChecks/readinessChecks/secrets are left
//    out (pragma.omitEmpty in app.raml), as in the real responses; labels is always present.

import type { JsonObject, JsonValue } from '../model/marathon.js';
import { Problems, validateCanonicalApp, validateRoles } from './app-validate.js';
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
  // maybeDropPortMappings / applyDefaultPortDefinitions: ports of the other networking style
  // are dropped silently, before validation
  if (networks.some((n) => n.mode === 'host')) {
    if (container) delete container.portMappings;
  } else delete app.portDefinitions;
  return { app, networks };
}

function normalizeNetwork(n: Obj): Obj {
  const out: Obj = {};
  put(out, 'name', n.name);
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

function normalizeHealthCheck(check: Obj): Obj {
  const protocol = check.command !== undefined ? 'COMMAND' : ((check.protocol as string | undefined) ?? 'HTTP');
  const http = protocol === 'HTTP' || protocol === 'HTTPS';
  const out: Obj = {};
  put(out, 'command', check.command);
  out.gracePeriodSeconds = check.gracePeriodSeconds ?? 300;
  if (http) out.ignoreHttp1xx = check.ignoreHttp1xx ?? false;
  out.intervalSeconds = check.intervalSeconds ?? 60;
  out.maxConsecutiveFailures = check.maxConsecutiveFailures ?? 3;
  if (http || protocol === 'MESOS_HTTP' || protocol === 'MESOS_HTTPS') put(out, 'path', check.path);
  if (protocol !== 'COMMAND') {
    put(out, 'port', check.port);
    // AppNormalization.normalizeHealthChecks: portIndex 0 when neither port nor portIndex is given
    put(out, 'portIndex', check.portIndex ?? (check.port === undefined ? 0 : undefined));
  }
  out.protocol = protocol;
  out.ipProtocol = check.ipProtocol ?? 'IPv4';
  out.timeoutSeconds = check.timeoutSeconds ?? 20;
  out.delaySeconds = check.delaySeconds ?? 15;
  return out;
}

/**
 * Validates and normalises a type-checked App (full definition). Throws the 422 "Object is not
 * valid" error when Marathon's validators would reject it.
 */
export function normalizeApp(input: Obj): Obj {
  const problems = new Problems();
  const id = canonicalId(String(input.id));
  const { app, networks } = migrateDeprecated({ ...input, id }, problems);
  validateCanonicalApp(app, networks, problems);
  problems.throwIfAny();

  const hostNetworking = networks.some((n) => n.mode === 'host');
  const parent = segmentsOf(id).slice(0, -1);
  let container = obj(app.container);
  // a non-host network without a container implies an (imageless) Mesos container
  if (!container && !hostNetworking) container = { type: 'MESOS' };

  const out: Obj = { id };
  put(out, 'acceptedResourceRoles', nonEmptyArr(app.acceptedResourceRoles));
  put(out, 'args', nonEmptyArr(app.args));
  out.backoffFactor = app.backoffFactor ?? 1.15;
  out.backoffSeconds = app.backoffSeconds ?? 1;
  put(out, 'cmd', app.cmd);
  put(out, 'constraints', nonEmptyArr(app.constraints));
  if (container) out.container = normalizeContainer(container, networks);
  out.cpus = app.cpus ?? 1;
  put(out, 'dependencies', nonEmptyArr(arr(app.dependencies).map((d) => canonicalId(String(d), parent))));
  out.disk = app.disk ?? 0;
  put(out, 'env', nonEmptyObj(app.env));
  out.executor = app.executor ?? '';
  put(out, 'executorResources', app.executorResources);
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
  put(out, 'healthChecks', nonEmptyArr(arr(app.healthChecks).map((c) => normalizeHealthCheck(obj(c) ?? {}))));
  put(out, 'check', app.check);
  out.instances = app.instances ?? 1;
  out.labels = obj(app.labels) ?? {};
  out.maxLaunchDelaySeconds = app.maxLaunchDelaySeconds ?? 300;
  out.mem = app.mem ?? 128;
  out.gpus = app.gpus ?? 0;
  out.networks = networks.map(normalizeNetwork);
  if (hostNetworking) {
    const given = app.portDefinitions === undefined ? DEFAULT_PORT_DEFINITIONS : arr(app.portDefinitions);
    out.portDefinitions = given.map((p) => normalizePortDefinition(obj(p) ?? {}));
  }
  put(out, 'readinessChecks', nonEmptyArr(app.readinessChecks));
  put(out, 'residency', app.residency);
  put(out, 'resourceLimits', app.resourceLimits);
  // requirePorts only applies to host networking
  out.requirePorts = hostNetworking ? (app.requirePorts ?? false) : false;
  put(out, 'secrets', nonEmptyObj(app.secrets));
  put(out, 'taskKillGracePeriodSeconds', app.taskKillGracePeriodSeconds);
  const upgrade = obj(app.upgradeStrategy) ?? {};
  out.upgradeStrategy = {
    maximumOverCapacity: upgrade.maximumOverCapacity ?? 1,
    minimumHealthCapacity: upgrade.minimumHealthCapacity ?? 1,
  };
  put(out, 'user', app.user);
  out.killSelection = app.killSelection ?? 'YOUNGEST_FIRST';
  out.unreachableStrategy = app.unreachableStrategy ?? { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 };
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
