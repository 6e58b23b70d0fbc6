// Marathon's semantic validation of an app (AppValidation.validateCanonicalAppAPI,
// SchedulingValidation, NetworkValidation, EnvVarValidation, SecretValidation and
// AppDefinition.validAppDefinition of Marathon 1.10.26): rules the JSON types cannot express.
// Failures become one 422 "Object is not valid" body listing every problem with its path.
// Messages are Marathon 1.10's, copied as data (they are part of the API contract). Marathon
// stops at the first stage that fails (old API, canonical API, model); the sandbox reports the
// problems of every stage at once, which only ever makes its 422 bodies longer.

import type { JsonObject, JsonValue } from '../model/marathon.js';
import { objectNotValid, type ValidationDetail } from './errors.js';
import { javaRegexCompiles } from './java-regex.js';

const RESERVED_LAST_SEGMENTS: ReadonlySet<string> = new Set(['restart', 'tasks', 'versions']);

type Obj = JsonObject;

function obj(v: JsonValue | undefined): Obj | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
}
function arr(v: JsonValue | undefined): JsonValue[] {
  return Array.isArray(v) ? v : [];
}

/** What of Marathon's command line the rules depend on (--default_network_name, --enable_features). */
export interface AppConfig {
  readonly defaultNetworkName: string | undefined;
  readonly features: ReadonlySet<string>;
}

export const DEFAULT_APP_CONFIG: AppConfig = Object.freeze({ defaultNetworkName: undefined, features: new Set<string>() });

/** Validation.featureEnabled; the unbalanced parenthesis is Marathon's. */
export function featureDisabled(feature: string): string {
  return `Feature ${feature} is not enabled. Enable with --enable_features ${feature})`;
}

/**
 * AppValidation.validateCanonicalAppUpdateAPI rules that look at the update alone. (For a full
 * App the same rules exist but never fire: AppNormalization.forDeprecated has already dropped
 * portMappings under host networking and portDefinitions under any other.)
 */
export function validateUpdateNetworking(update: Obj, problems: Problems): void {
  const networks = arr(update.networks).map((n) => obj(n) ?? {});
  const mappings = arr(obj(update.container)?.portMappings);
  if (networks.some((n) => n.mode === 'host') && mappings.length > 0) problems.add('/', 'portMappings are not allowed with host-networking');
  if (networks.some((n) => (n.mode ?? 'container') !== 'host') && arr(update.portDefinitions).length > 0) {
    problems.add('/', 'portDefinitions are only allowed with host-networking');
  }
}

export class Problems {
  readonly #byPath = new Map<string, string[]>();
  add(path: string, error: string): void {
    const list = this.#byPath.get(path) ?? [];
    if (!list.includes(error)) list.push(error);
    this.#byPath.set(path, list);
  }
  get empty(): boolean {
    return this.#byPath.size === 0;
  }
  details(): ValidationDetail[] {
    return [...this.#byPath.entries()].map(([path, errors]) => ({ path, errors }));
  }
  throwIfAny(): void {
    if (!this.empty) throw objectNotValid(this.details());
  }
}

// SchedulingValidationMessages
const CONSTRAINT_OPERATOR_INVALID = 'operator must be one of the following UNIQUE, CLUSTER, GROUP_BY, LIKE, MAX_PER, UNLIKE or IS';
const IS_ONLY_SUPPORTS_TEXT = 'IS only supports Mesos text and float values (see http://mesos.apache.org/documentation/latest/attributes-resources/)';
const MESOS_LITERAL_OR_FLOAT = /^[a-zA-Z0-9_/.-]*$/;
const OPERATORS = new Set(['UNIQUE', 'CLUSTER', 'GROUP_BY', 'LIKE', 'UNLIKE', 'MAX_PER', 'IS']);
const MARATHON_CHECK_PROTOCOLS = new Set(['HTTP', 'HTTPS', 'TCP']);
const MESOS_CHECK_PROTOCOLS = new Set(['COMMAND', 'MESOS_HTTP', 'MESOS_HTTPS', 'MESOS_TCP']);

/** Scala's String.toInt (Integer.parseInt): optional sign, decimal digits, 32 bits. */
function parsesAsInt(s: string): boolean {
  if (!/^[-+]?\d+$/.test(s)) return false;
  const n = Number(s);
  return n >= -2147483648 && n <= 2147483647;
}

/** SchedulingValidation.complyWithAppConstraintRules (with complyWithConstraintRules). */
function constraintProblem(c: JsonValue[]): string | undefined {
  if (c.length < 2 || c.length > 3) return 'Each constraint must have either 2 or 3 fields';
  const [field, op, value] = c as Array<string | undefined>;
  if (typeof field !== 'string' || field === '' || typeof op !== 'string') return 'illegal constraint specification';
  const operator = op.toUpperCase();
  if (!OPERATORS.has(operator)) return CONSTRAINT_OPERATOR_INVALID;
  switch (operator) {
    case 'UNIQUE':
      return value !== undefined ? 'UNIQUE does not accept a value' : undefined;
    case 'CLUSTER':
      // "value is completely optional for CLUSTER"
      return undefined;
    case 'GROUP_BY':
      return value === undefined || parsesAsInt(value) ? undefined : 'GROUP BY must define an integer value or else no value at all';
    case 'MAX_PER':
      return value !== undefined && parsesAsInt(value) ? undefined : 'MAX_PER requires an integer value';
    case 'LIKE':
    case 'UNLIKE':
      if (value === undefined) return 'LIKE and UNLIKE require a non-empty, regular expression value';
      return javaRegexCompiles(value) ? undefined : 'is not a valid regular expression';
    case 'IS':
      return MESOS_LITERAL_OR_FLOAT.test(value ?? '') ? undefined : IS_ONLY_SUPPORTS_TEXT;
  }
  return undefined;
}

function uniqueBy<T>(items: T[], key: (t: T) => unknown): boolean {
  const seen = new Set<unknown>();
  for (const item of items) {
    const k = key(item);
    if (k === undefined) continue;
    if (seen.has(k)) return false;
    seen.add(k);
  }
  return true;
}

/** NetworkValidation.ramlNetworksValidator and defaultNetworkNameValidator, path "/networks". */
function validateNetworks(networks: Obj[], config: AppConfig, problems: Problems): void {
  const mode = (n: Obj): string => String(n.mode ?? 'container');
  const hasName = (n: Obj): boolean => typeof n.name === 'string' && n.name.length > 0;
  if (networks.some((n) => mode(n) === 'host' && (hasName(n) || Object.keys(obj(n.labels) ?? {}).length > 0))) {
    problems.add('/networks', 'Host networks may not have names or labels');
  }
  if (networks.some((n) => mode(n) === 'container/bridge' && hasName(n))) problems.add('/networks', 'Bridge networks may not have names');
  const unnamedContainer = networks.filter((n) => n.name === undefined && mode(n) === 'container').length;
  const names = networks.flatMap((n) => (typeof n.name === 'string' ? [n.name] : []));
  if (unnamedContainer >= 2 || new Set(names).size !== names.length) problems.add('/networks', 'Duplicate networks are not allowed');
  const count = (m: string): number => networks.filter((n) => mode(n) === m).length;
  const [host, bridge, container] = [count('host'), count('container/bridge'), count('container')];
  const shapeOk =
    (host <= 1 && bridge === 0 && container === 0) || (host === 0 && bridge <= 1 && container === 0) || (host === 0 && bridge === 0 && container > 0);
  if (!shapeOk) problems.add('/networks', 'May specify a single host network, single bridge network, or else 1-to-n container networks');
  if (networks.some((n) => mode(n) === 'container' && n.name === undefined) && config.defaultNetworkName === undefined) {
    problems.add('/networks', 'Network name must be specified when container network is selected.');
  }
}

function portCount(app: Obj, container: Obj | undefined, hostNetworking: boolean): number {
  // AppValidation.portIndices: container port mappings when there are any, else port definitions
  const mappings = arr(container?.portMappings);
  if (mappings.length > 0) return mappings.length;
  // applyDefaultPortDefinitions has run before validation: no portDefinitions is the one default port
  if (!hostNetworking) return 0;
  return app.portDefinitions === undefined ? 1 : arr(app.portDefinitions).length;
}

function validateHealthChecks(app: Obj, container: Obj | undefined, ports: number, problems: Problems): void {
  const containerType = (container?.type as string | undefined) ?? 'DOCKER';
  let mesosChecks = 0;
  arr(app.healthChecks).forEach((c, i) => {
    const check = obj(c) ?? {};
    const protocol = (check.protocol as string | undefined) ?? 'HTTP';
    if (check.command === undefined && MARATHON_CHECK_PROTOCOLS.has(protocol)) {
      const portIndex = check.portIndex as number | undefined;
      // portIndexIsValid: no index and no port is fine only with exactly one port
      const ok = portIndex !== undefined ? portIndex < ports : check.port !== undefined || ports === 1;
      if (!ok) problems.add(`/healthChecks(${i})`, 'Health check port indices must address an element of the ports array or container port mappings.');
    }
    if (check.command === undefined && protocol === 'COMMAND') problems.add(`/healthChecks(${i})/command`, 'not defined');
    if (check.command === undefined && MESOS_CHECK_PROTOCOLS.has(protocol)) mesosChecks++;
    const mesosNetworkCheck = protocol === 'MESOS_HTTP' || protocol === 'MESOS_HTTPS' || protocol === 'MESOS_TCP';
    if ((check.ipProtocol ?? 'IPv4') !== 'IPv4' && !(mesosNetworkCheck && container !== undefined && containerType === 'DOCKER')) {
      problems.add(`/healthChecks(${i})`, 'IPv6 can only be used for container type DOCKER and Mesos http/https/tcp health checks');
    }
  });
  if (mesosChecks > 1) problems.add('/', 'AppDefinition can contain at most one Mesos health check');
}

/** AppDefinition.containsNoChecksWithDocker and checkPortIndexIsValid. */
function validateCheck(app: Obj, container: Obj | undefined, ports: number, problems: Problems): void {
  const check = obj(app.check);
  if (!check) return;
  if (container !== undefined && ((container.type as string | undefined) ?? 'DOCKER') === 'DOCKER') {
    problems.add('/', "AppDefinition must not use 'checks' if using docker");
  }
  const kinds = ['http', 'tcp', 'exec'].filter((k) => check[k] !== undefined);
  if (kinds.length !== 1) {
    problems.add('/check', 'illegal RAML Check: expected one of http, tcp or exec checks');
    return;
  }
  const withPort = obj(check.http) ?? obj(check.tcp);
  if (withPort) {
    const portIndex = withPort.portIndex as number | undefined;
    const ok = portIndex !== undefined ? portIndex < ports : withPort.port !== undefined || ports === 1;
    if (!ok) problems.add('/check', 'check port index must address an element of the ports array or container port mappings.');
  }
}

/** ReadinessCheck rules of AppValidation.complyWithReadinessCheckRules (defaults already filled in). */
function validateReadinessChecks(app: Obj, container: Obj | undefined, problems: Problems): void {
  const checks = arr(app.readinessChecks).map((c) => obj(c) ?? {});
  if (checks.length > 1) problems.add('/readinessChecks', `got ${checks.length}, expected 1 or less`);
  const mappings = container?.portMappings;
  const definitions = app.portDefinitions === undefined && !Array.isArray(mappings) ? [{ name: 'default' }] : arr(app.portDefinitions);
  const named = (Array.isArray(mappings) ? mappings : definitions).flatMap((p) => {
    const name = obj(p)?.name;
    return typeof name === 'string' ? [name] : [];
  });
  checks.forEach((rc, i) => {
    const portName = String(rc.portName);
    if (!named.includes(portName)) problems.add(`/readinessChecks(${i})/portName`, `No port definition reference for portName ${portName}`);
    const timeout = Number(rc.timeoutSeconds);
    const interval = Number(rc.intervalSeconds);
    if (!(timeout < interval)) problems.add(`/readinessChecks(${i})/timeoutSeconds`, `got ${timeout}, expected less than ${interval}`);
  });
}

/** Secrets, secret references in the environment and the secrets feature (SecretValidation, EnvVarValidation). */
function validateSecrets(app: Obj, config: AppConfig, problems: Problems): void {
  const secrets = obj(app.secrets) ?? {};
  const enabled = config.features.has('secrets');
  if (Object.keys(secrets).length > 0 && !enabled) problems.add('/secrets', featureDisabled('secrets'));
  if (enabled) {
    for (const [name, def] of Object.entries(secrets)) {
      if (name === '') problems.add('/secrets', 'must not be empty');
      const source = obj(def)?.source;
      if (typeof source !== 'string' || source === '') problems.add(`/secrets/${name}/source`, 'must not be empty');
    }
  }
  const env = obj(app.env) ?? {};
  const refs = Object.entries(env).filter(([, v]) => obj(v) !== undefined);
  if (refs.length > 0 && !enabled) problems.add('/env', 'use of secret-references in the environment requires the secrets feature to be enabled');
  for (const [name, v] of refs) {
    const ref = String(obj(v)?.secret);
    if (!(ref in secrets)) problems.add(`/env/${name}/secret`, 'references an undefined secret');
  }
  for (const name of Object.keys(env)) if (name === '') problems.add('/env', 'must not be empty');
}

function validateResourceLimits(app: Obj, problems: Problems): void {
  const limits = obj(app.resourceLimits);
  if (!limits) return;
  for (const [field, requested] of [
    ['cpus', app.cpus ?? 1],
    ['mem', app.mem ?? 128],
  ] as const) {
    const limit = limits[field];
    if (limit === undefined) continue;
    if (typeof limit === 'string') {
      if (limit !== 'unlimited') problems.add(`/resourceLimits/${field}`, `'${limit}' is an invalid resource limit. It must be 'unlimited' or a number`);
    } else if (typeof limit === 'number' && limit < Number(requested)) {
      problems.add(`/resourceLimits/${field}`, `resource limit must be greater than or equal to requested resource (${Number(requested).toFixed(1)})`);
    }
  }
}

/**
 * Validates an app in canonical (migrated, not yet defaulted) form. `networks` is the list
 * the app will run with (defaulted to host when empty), so network-dependent rules see it;
 * `container` is the container after default port mappings were applied.
 */
export function validateCanonicalApp(app: Obj, networks: Obj[], config: AppConfig, problems: Problems): void {
  const id = String(app.id ?? '');
  if (id === '/' || id === '') problems.add('/', 'must not be root');
  // PathId.withoutReservedKeywords: /v2/apps/{id}/restart, /tasks and /versions are an app's
  // sub-resources, so no app may be named after them.
  if (RESERVED_LAST_SEGMENTS.has(id.slice(id.lastIndexOf('/') + 1))) {
    problems.add('/id', 'must not end with any of the following reserved keywords: restart, tasks, versions');
  }

  const cmd = typeof app.cmd === 'string' ? app.cmd : undefined;
  // Marathon checks `length > 1` here, so a one-character cmd is rejected with this message.
  if (cmd !== undefined && cmd.length <= 1) problems.add('/', 'must not be an empty string');

  const args = arr(app.args);
  const container = obj(app.container);
  const hasCmd = cmd !== undefined && cmd.length > 0;
  const hasArgs = args.length > 0;
  const containerType = (container?.type as string | undefined) ?? 'DOCKER';
  // AppDefinition.containsCmdArgsOrContainer (the model's rule, stricter than the RAML one):
  // only a container with an image runs without cmd or args
  const hasImageContainer = container !== undefined && obj(container.docker) !== undefined;
  if (!(hasCmd !== hasArgs || (!(hasCmd && hasArgs) && hasImageContainer))) {
    problems.add('/', "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'.");
  }
  if (container && containerType === 'DOCKER' && !obj(container.docker)) problems.add('/container/docker', 'not defined');
  if (container && containerType === 'MESOS' && obj(container.docker)) {
    // validOldContainerAPI: the Mesos containerizer never supported these Docker options
    const docker = obj(container.docker) ?? {};
    if (arr(docker.parameters).length > 0) problems.add('/container/docker/parameters', 'must be empty');
  }

  const hostNetworking = networks.some((n) => n.mode === 'host');
  const mappings = arr(container?.portMappings).map((m) => obj(m) ?? {});
  const portDefinitions = arr(app.portDefinitions).map((p) => obj(p) ?? {});

  if (!uniqueBy(portDefinitions, (p) => p.name)) problems.add('/portDefinitions', 'Port names must be unique.');
  if (!uniqueBy(portDefinitions, (p) => (p.port === 0 || p.port === undefined ? undefined : p.port))) {
    problems.add('/portDefinitions', 'Ports must be unique.');
  }
  if (!uniqueBy(mappings, (m) => m.name)) problems.add('/container/portMappings', 'Port names must be unique.');

  validateNetworks(networks, config, problems);
  if (containerType === 'DOCKER' && container && networks.filter((n) => n.mode === 'container').length > 1) {
    problems.add('/', 'may only specify a single container network when using the Docker container engine');
  }

  const ports = portCount(app, container, hostNetworking);
  validateHealthChecks(app, container, ports, problems);
  validateCheck(app, container, ports, problems);
  validateReadinessChecks(app, container, problems);
  validateSecrets(app, config, problems);
  validateResourceLimits(app, problems);

  arr(app.constraints).forEach((c, i) => {
    const problem = constraintProblem(arr(c));
    if (problem) problems.add(`/constraints(${i})`, problem);
  });

  const gpus = Number(app.gpus ?? 0);
  if (gpus > 0) {
    if (container && containerType === 'DOCKER') problems.add('/', 'GPU resources only work with the Mesos containerizer');
    if (!config.features.has('gpu_resources')) problems.add('/', featureDisabled('gpu_resources'));
  }

  const labels = obj(app.labels) ?? {};
  if (labels.MARATHON_SINGLE_INSTANCE_APP === 'true') {
    if (typeof app.instances === 'number' && app.instances > 1) problems.add('/', 'Single instance app may only have one instance');
    // SchedulingValidation.validForSingleInstanceApps, and the model's default strategy {1, 1} when none is given
    const upgrade = obj(app.upgradeStrategy) ?? {};
    for (const field of ['minimumHealthCapacity', 'maximumOverCapacity']) {
      const value = Number(upgrade[field] ?? 1);
      if (value !== 0) problems.add(`/upgradeStrategy/${field}`, `got ${value}, expected 0.0`);
    }
  }
  const migration = labels.DCOS_MIGRATION_API_VERSION;
  if (typeof migration === 'string' && migration !== '') {
    const ok = migration === 'v1' && Boolean(labels.DCOS_PACKAGE_FRAMEWORK_NAME) && Boolean(labels.DCOS_MIGRATION_API_PATH);
    if (!ok) problems.add('/', 'DCOS_PACKAGE_FRAMEWORK_NAME and DCOS_MIGRATION_API_PATH must be defined when using DCOS_MIGRATION_API_VERSION');
  }

  if (app.residency !== undefined) {
    // requireUnreachableDisabledForResidentTasks, and the resident upgrade strategy
    if (app.unreachableStrategy !== undefined && app.unreachableStrategy !== 'disabled') {
      problems.add('/', 'unreachableStrategy must be disabled for resident tasks');
    }
    const upgrade = obj(app.upgradeStrategy);
    if (upgrade && Number(upgrade.maximumOverCapacity ?? 1) !== 0) {
      problems.add('/upgradeStrategy/maximumOverCapacity', `got ${Number(upgrade.maximumOverCapacity ?? 1)}, expected 0.0`);
    }
  }
  const accepted = app.acceptedResourceRoles;
  if (Array.isArray(accepted) && accepted.length === 0) problems.add('/acceptedResourceRoles', 'must not be empty');

  const unreachable = obj(app.unreachableStrategy);
  if (unreachable) {
    const inactive = Number(unreachable.inactiveAfterSeconds ?? 0);
    const expunge = Number(unreachable.expungeAfterSeconds ?? 0);
    if (inactive > expunge) {
      problems.add(
        '/unreachableStrategy/inactiveAfterSeconds',
        `inactiveAfterSeconds (${inactive}) must be less or equal to expungeAfterSeconds, which is ${expunge}`,
      );
    }
  }
}

/**
 * Multi-role rules of Marathon 1.9+: an app's role is the default role ("*", --mesos_role) or
 * its top-level group's name; acceptedResourceRoles may only name "*" and that role.
 */
export function validateRoles(app: Obj, validRoles: readonly string[], problems: Problems): void {
  const role = String(app.role);
  if (!validRoles.includes(role)) {
    problems.add('/role', `got ${role}, expected one of: [${validRoles.join(', ')}]`);
  }
  const accepted = arr(app.acceptedResourceRoles);
  if (accepted.some((r) => r !== '*' && r !== role)) {
    problems.add('/acceptedResourceRoles', `acceptedResourceRoles can only contain * and ${role}`);
  }
}
