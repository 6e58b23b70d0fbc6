// Field-level differences between what a source declares and what Marathon runs, computed
// on canonical forms (normalize.ts). Before comparing, the desired form takes over the few
// values only Marathon chooses, when the user left them to Marathon:
//   - ports assigned for 0: portDefinitions[].port, portMappings[].servicePort and .hostPort;
//   - the name "default" of the default port, which servers before 1.4 did not print;
//   - defaults that changed by release (VERSIONED_DEFAULTS), only when the user did not set
//     the field: an unset field holding a value that no release uses as its default is drift,
//     and is reported (a `partialUpdate=false` PUT puts the default back);
//   - `role`, filled by Marathon 1.9+ from the group or `--mesos_role` when not set.

import type { DesiredApp } from '../model/desired.js';
import type { JsonObject, JsonValue, MarathonApp } from '../model/marathon.js';
import type { FieldChange } from '../model/plan.js';
import { deepEqual, isObject } from './canonical.js';
import { DEFAULT_PORT_NAME, VERSIONED_DEFAULTS } from './defaults.js';
import { normalizeApp, type NormalizedApp } from './normalize.js';

/** Lists compared element by element (their order is meaning: $PORTn, portIndex). */
const ELEMENTWISE: ReadonlySet<string> = new Set(['portDefinitions', 'container.portMappings']);

/** Port fields where 0 asks Marathon to pick a number. */
const ASSIGNED_PORT_FIELDS = ['port', 'servicePort', 'hostPort'] as const;

/**
 * Changes that would make Marathon match `desired`: `before` is Marathon's value, `after`
 * the desired one (undefined: the field is unset and Marathon's default applies). Paths are
 * dotted ("container.docker.image", "labels.traefik.enable"), with "[i]" inside port lists;
 * set-like lists (constraints, healthChecks, ...) are reported as a whole. Sorted by path.
 */
export function diffApp(desired: DesiredApp, actual: MarathonApp): FieldChange[] {
  return diffNormalized(normalizeApp(desired.definition), normalizeApp(actual));
}

export function diffNormalized(desired: NormalizedApp, actual: NormalizedApp): FieldChange[] {
  const target = adoptServerChoices(desired, actual);
  const changes: FieldChange[] = [];
  diffValue('', target, actual.spec, changes);
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function diffValue(path: string, after: JsonValue | undefined, before: JsonValue | undefined, out: FieldChange[]): void {
  if (after === before) return;
  if (isObject(after) && isObject(before)) {
    for (const key of Object.keys(after)) {
      diffValue(path === '' ? key : `${path}.${key}`, after[key], before[key], out);
    }
    for (const key of Object.keys(before)) {
      if (!(key in after)) out.push({ path: path === '' ? key : `${path}.${key}`, before: before[key], after: undefined });
    }
    return;
  }
  if (Array.isArray(after) && Array.isArray(before) && after.length === before.length && ELEMENTWISE.has(path)) {
    for (let i = 0; i < after.length; i++) diffValue(`${path}[${i}]`, after[i], before[i], out);
    return;
  }
  if (!deepEqual(after, before)) out.push({ path, before, after });
}

/** The desired spec with Marathon's own choices copied in where the user left them open. */
function adoptServerChoices(desired: NormalizedApp, actual: NormalizedApp): JsonObject {
  const a = actual.spec;
  let spec = desired.spec;
  const set = (key: string, value: JsonValue | undefined): void => {
    if (spec === desired.spec) spec = { ...spec };
    if (value === undefined) delete spec[key];
    else spec[key] = value;
  };

  const delay = 'maxLaunchDelaySeconds';
  if (spec[delay] === undefined && VERSIONED_DEFAULTS[delay].includes(a[delay] as JsonValue)) set(delay, a[delay]);
  if (a[delay] === undefined && VERSIONED_DEFAULTS[delay].includes(spec[delay] as JsonValue)) set(delay, undefined);

  const unreachable = adoptUnreachable(spec['unreachableStrategy'], a['unreachableStrategy']);
  if (unreachable !== spec['unreachableStrategy']) set('unreachableStrategy', unreachable);

  if (spec['role'] === undefined && a['role'] !== undefined) set('role', a['role']);

  if (desired.portsPath === actual.portsPath) {
    if (desired.portsPath === 'portDefinitions') {
      const ports = adoptPorts(spec['portDefinitions'], a['portDefinitions'], desired.implicitPorts);
      if (ports !== spec['portDefinitions']) set('portDefinitions', ports);
    } else if (isObject(spec['container']) && isObject(a['container'])) {
      const container = spec['container'];
      const ports = adoptPorts(container['portMappings'], a['container']['portMappings'], desired.implicitPorts);
      if (ports !== container['portMappings']) set('container', { ...container, portMappings: ports as JsonValue[] });
    }
  }
  return spec;
}

function adoptUnreachable(desired: JsonValue | undefined, actual: JsonValue | undefined): JsonValue | undefined {
  const known = VERSIONED_DEFAULTS.unreachableStrategy;
  if (desired === undefined) return known.some((d) => deepEqual(d, actual)) ? actual : undefined;
  if (actual === undefined && known.some((d) => deepEqual(d, desired))) return undefined;
  // A partial strategy: Marathon fills the missing field with its release's default.
  if (isObject(desired) && isObject(actual)) {
    let out = desired;
    for (const field of ['inactiveAfterSeconds', 'expungeAfterSeconds']) {
      if (desired[field] !== undefined || actual[field] === undefined) continue;
      if (known.some((d) => d[field] === actual[field])) out = { ...out, [field]: actual[field] as JsonValue };
    }
    return out;
  }
  return desired;
}

function adoptPorts(desired: JsonValue | undefined, actual: JsonValue | undefined, implicit: boolean): JsonValue | undefined {
  if (!Array.isArray(desired) || !Array.isArray(actual) || desired.length !== actual.length) return desired;
  let out = desired;
  for (let i = 0; i < desired.length; i++) {
    const d = desired[i];
    const a = actual[i];
    if (!isObject(d) || !isObject(a)) continue;
    let port = d;
    for (const field of ASSIGNED_PORT_FIELDS) {
      if (d[field] === 0 && typeof a[field] === 'number' && a[field] !== 0) port = { ...port, [field]: a[field] };
    }
    if (implicit && d['name'] === DEFAULT_PORT_NAME && a['name'] === undefined) {
      const { name: _name, ...unnamed } = port;
      port = unnamed;
    }
    if (port !== d) {
      if (out === desired) out = [...desired];
      out[i] = port;
    }
  }
  return out;
}
