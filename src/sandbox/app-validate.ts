// Marathon's semantic validation of an app (AppValidation.validateCanonicalAppAPI,
// SchedulingValidation, AppDefinition.validAppDefinition): rules the JSON types cannot express.
// Failures become one 422 "Object is not valid" body listing every problem with its path.
// Messages are Marathon 1.10's, copied as data (they are part of the API contract).

import type { JsonObject, JsonValue } from '../model/marathon.js';
import { objectNotValid, type ValidationDetail } from './errors.js';

type Obj = JsonObject;

function obj(v: JsonValue | undefined): Obj | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
}
function arr(v: JsonValue | undefined): JsonValue[] {
  return Array.isArray(v) ? v : [];
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
  private readonly byPath = new Map<string, string[]>();
  add(path: string, error: string): void {
    const list = this.byPath.get(path) ?? [];
    if (!list.includes(error)) list.push(error);
    this.byPath.set(path, list);
  }
  get empty(): boolean {
    return this.byPath.size === 0;
  }
  details(): ValidationDetail[] {
    return [...this.byPath.entries()].map(([path, errors]) => ({ path, errors }));
  }
  throwIfAny(): void {
    if (!this.empty) throw objectNotValid(this.details());
  }
}

const CONSTRAINT_OPERATORS = new Set(['UNIQUE', 'CLUSTER', 'GROUP_BY', 'LIKE', 'UNLIKE', 'MAX_PER', 'IS']);
const ILLEGAL_OPERATOR = 'Constraint operator must be one of the following UNIQUE, CLUSTER, GROUP_BY, LIKE, MAX_PER or UNLIKE';
const MARATHON_CHECK_PROTOCOLS = new Set(['HTTP', 'HTTPS', 'TCP']);
const MESOS_CHECK_PROTOCOLS = new Set(['COMMAND', 'MESOS_HTTP', 'MESOS_HTTPS', 'MESOS_TCP']);

function isInt(s: string): boolean {
  return /^[-+]?\d+$/.test(s) && Math.abs(Number(s)) <= 2147483647;
}

function validRegex(s: string): boolean {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
}

/** SchedulingValidation.complyWithAppConstraintRules */
function constraintProblem(c: JsonValue[]): string | undefined {
  if (c.length < 2 || c.length > 3) return 'Each constraint must have either 2 or 3 fields';
  const [, op, value] = c as string[];
  if (op === undefined || !CONSTRAINT_OPERATORS.has(op)) return ILLEGAL_OPERATOR;
  switch (op) {
    case 'UNIQUE':
      return value !== undefined ? 'Value specified but not used' : undefined;
    case 'CLUSTER':
    case 'IS':
      return value === undefined ? 'Missing value' : undefined;
    case 'GROUP_BY':
      return value !== undefined && !isInt(value) ? 'Value was specified but is not a number' : undefined;
    case 'MAX_PER':
      return value !== undefined && !isInt(value) ? 'Value was not specified or is not a number' : undefined;
    case 'LIKE':
    case 'UNLIKE':
      if (value === undefined) return 'A regular expression value must be provided';
      return validRegex(value) ? undefined : `'${value}' is not a valid regular expression`;
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

/**
 * Validates an app in canonical (migrated, not yet defaulted) form. `networks` is the list
 * the app will run with (defaulted to host when empty), so network-dependent rules see it.
 */
export function validateCanonicalApp(app: Obj, networks: Obj[], problems: Problems): void {
  const id = String(app.id ?? '');
  if (id === '/' || id === '') problems.add('/', 'must not be root');

  const cmd = typeof app.cmd === 'string' ? app.cmd : undefined;
  // Marathon checks `length > 1` here, so a one-character cmd is rejected with this message.
  if (cmd !== undefined && cmd.length <= 1) problems.add('/', 'must not be an empty string');

  const args = arr(app.args);
  const container = obj(app.container);
  const hasCmd = cmd !== undefined && cmd.length > 0;
  const hasArgs = args.length > 0;
  const containerType = (container?.type as string | undefined) ?? 'DOCKER';
  const hasImageContainer = container !== undefined && (obj(container.docker) !== undefined || (containerType === 'MESOS' && container.appc !== undefined));
  if (!((hasCmd !== hasArgs) || (!(hasCmd && hasArgs) && hasImageContainer))) {
    problems.add('/', "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'.");
  }
  if (container && containerType === 'DOCKER' && !obj(container.docker)) problems.add('/container/docker', 'not defined');

  const hostNetworking = networks.some((n) => n.mode === 'host');
  const mappings = arr(container?.portMappings).map((m) => obj(m) ?? {});
  const portDefinitions = arr(app.portDefinitions).map((p) => obj(p) ?? {});

  if (!uniqueBy(portDefinitions, (p) => p.name)) problems.add('/portDefinitions', 'Port names must be unique.');
  if (!uniqueBy(portDefinitions, (p) => (p.port === 0 || p.port === undefined ? undefined : p.port))) {
    problems.add('/portDefinitions', 'Ports must be unique.');
  }
  if (!uniqueBy(mappings, (m) => m.name)) problems.add('/container/portMappings', 'Port names must be unique.');

  networks.forEach((n, i) => {
    if (n.mode === 'container' && n.name === undefined) {
      problems.add(`/networks(${i})/name`, 'Network name must be specified when container network is selected.');
    }
  });
  if (hostNetworking && networks.length > 1) problems.add('/networks', 'Host networking may not be combined with other networks.');

  // Ports the health checks may address: container port mappings when there are any, else
  // the port definitions (defaulting to the single default port), like AppValidation.portIndices.
  const portCount = hostNetworking
    ? app.portDefinitions === undefined ? 1 : portDefinitions.length
    : container?.portMappings === undefined ? 1 : mappings.length;
  const checks = arr(app.healthChecks).map((c) => obj(c) ?? {});
  let mesosChecks = 0;
  checks.forEach((check, i) => {
    const protocol = (check.protocol as string | undefined) ?? (check.command ? 'COMMAND' : 'HTTP');
    if (check.command === undefined && MARATHON_CHECK_PROTOCOLS.has(protocol)) {
      const portIndex = check.portIndex as number | undefined;
      const ok = portIndex !== undefined ? portIndex < portCount : check.port !== undefined || portCount === 1;
      if (!ok) problems.add(`/healthChecks(${i})`, 'Health check port indices must address an element of the ports array or container port mappings.');
    }
    if (check.command === undefined && protocol === 'COMMAND') problems.add(`/healthChecks(${i})/command`, 'not defined');
    if (MESOS_CHECK_PROTOCOLS.has(protocol) && check.command === undefined) mesosChecks++;
    if ((check.ipProtocol ?? 'IPv4') !== 'IPv4' && !(protocol.startsWith('MESOS_') && containerType === 'DOCKER' && container)) {
      problems.add(`/healthChecks(${i})`, 'IPv6 can only be used for container type DOCKER and Mesos http/https/tcp health checks');
    }
  });
  if (mesosChecks > 1) problems.add('/', 'AppDefinition can contain at most one Mesos health check');

  arr(app.constraints).forEach((c, i) => {
    const problem = constraintProblem(arr(c));
    if (problem) problems.add(`/constraints(${i})`, problem);
  });

  const labels = obj(app.labels) ?? {};
  if (labels.MARATHON_SINGLE_INSTANCE_APP === 'true' && typeof app.instances === 'number' && app.instances > 1) {
    problems.add('/', 'Single instance app may only have one instance');
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
