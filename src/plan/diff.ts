// Field-level differences between what a source declares and what Marathon runs, computed
// on canonical forms (normalize.ts). While comparing, the desired side takes Marathon's
// value for what only Marathon chooses, when the user left it to Marathon:
//   - ports assigned for 0: portDefinitions[].port, portMappings[].servicePort and .hostPort;
//   - the name "default" of the default port, which servers before 1.4 did not print;
//   - defaults that changed by release (VERSIONED_DEFAULTS), only when the user did not set
//     the field: an unset field holding a value that no release uses as its default is drift,
//     and is reported (a `partialUpdate=false` PUT puts the default back);
//   - `role`, filled by Marathon 1.9+ from the group or `--mesos_role` when not set;
//   - the name of a container network the definition leaves unnamed, which Marathon takes from
//     its `--default_network_name` (NetworkNormalization.Networks).
// Set-like lists compare as sets, and the derived `maracker.spec-hash` label is skipped.
// The walk builds a path string only where values differ: it runs for every app of a plan.

import type { DesiredApp } from '../model/desired.js';
import { LABEL_MANAGED_BY, LABEL_SOURCE, LABEL_SPEC_HASH, LEGACY_MANAGED_BY } from '../model/labels.js';
import type { JsonObject, JsonValue, MarathonApp } from '../model/marathon.js';
import type { FieldChange } from '../model/plan.js';
import { deepEqual, isObject, setEqual, sortedSet } from './canonical.js';
import { DEFAULT_PORT_NAME, VERSIONED_DEFAULTS } from './defaults.js';
import { normalizeApp, type NormalizedApp } from './normalize.js';

/** The label with which Traefik's Marathon providers enable or skip an app (label.IsEnabled). */
const TRAEFIK_ENABLE = 'traefik.enable';

/** Lists compared element by element (their order is meaning: $PORTn, portIndex). */
const ELEMENTWISE: ReadonlySet<string> = new Set(['portDefinitions', 'container.portMappings']);

/** Lists Marathon keeps as sets and prints in any order; a change is shown as the whole list. */
const SETS: ReadonlySet<string> = new Set(['constraints', 'dependencies', 'acceptedResourceRoles', 'healthChecks', 'fetch', 'container.volumes']);

/** Port fields where 0 asks Marathon to pick a number. */
const ASSIGNED_PORT_FIELDS: ReadonlySet<string> = new Set(['port', 'servicePort', 'hostPort']);

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
  const d = desired.spec;
  const a = actual.spec;
  const out: FieldChange[] = [];
  for (const key in d) topLevel(key, d[key], a[key], desired.implicitPorts, out);
  for (const key in a) if (!(key in d)) topLevel(key, undefined, a[key], desired.implicitPorts, out);
  return out.length > 1 ? out.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0)) : out;
}

type Value = JsonValue | undefined;

function topLevel(key: string, after: Value, before: Value, implicitPorts: boolean, out: FieldChange[]): void {
  if (after === before) return;
  switch (key) {
    case 'maxLaunchDelaySeconds':
      walk(key, adoptVersioned(VERSIONED_DEFAULTS.maxLaunchDelaySeconds, after, before), before, implicitPorts, out);
      return;
    case 'unreachableStrategy':
      walk(key, adoptUnreachable(after, before), before, implicitPorts, out);
      return;
    case 'role':
      // Marathon 1.9+ fills it from the group or --mesos_role; only a declared role counts.
      if (after === undefined) return;
      walk(key, after, before, implicitPorts, out);
      return;
    case 'labels':
      diffLabels(after, before, out);
      return;
    case 'networks':
      walk(key, adoptNetworkNames(after, before), before, implicitPorts, out);
      return;
    default:
      walk(key, after, before, implicitPorts, out);
      return;
  }
}

/**
 * Labels key by key, without the derived spec-hash (no labels and only that one are alike).
 * A different `maracker.source` alone is not a change either: moving a manifest to another
 * file, or from a file to a row, must not restart the app (Marathon restarts the tasks of any
 * change but a scale). The label is brought up to date by the next write the app needs; a
 * missing one is written, as for an app being adopted. The same holds for an ownership label
 * written before installations existed: upgrading maracker must not restart the fleet, so
 * the label names the installation from the app's next real change on. And for the
 * `traefik.enable: false` an app without `expose` says (so that a Traefik left to expose
 * every app does not route it): apps deployed before it existed get it with their next real
 * change, not with a restart of every unexposed app at the upgrade; any other value is drift.
 */
function diffLabels(after: Value, before: Value, out: FieldChange[]): void {
  const d = isObject(after) ? after : {};
  const a = isObject(before) ? before : {};
  for (const key in d) {
    if (key === LABEL_SPEC_HASH || d[key] === a[key]) continue;
    if (key === LABEL_SOURCE && a[key] !== undefined) continue;
    if (key === LABEL_MANAGED_BY && a[key] === LEGACY_MANAGED_BY) continue;
    if (key === TRAEFIK_ENABLE && d[key] === 'false' && a[key] === undefined) continue;
    out.push({ path: `labels.${key}`, before: a[key], after: d[key] });
  }
  for (const key in a) {
    if (key !== LABEL_SPEC_HASH && !(key in d)) out.push({ path: `labels.${key}`, before: a[key], after: undefined });
  }
}

function walk(path: string, after: Value, before: Value, implicitPorts: boolean, out: FieldChange[]): void {
  if (after === before) return;
  if (isObject(after) && isObject(before)) {
    for (const key in after) {
      const x = after[key];
      const y = before[key];
      if (x !== y) walk(`${path}.${key}`, x, y, implicitPorts, out);
    }
    for (const key in before) {
      if (!(key in after)) out.push({ path: `${path}.${key}`, before: before[key], after: undefined });
    }
    return;
  }
  if (Array.isArray(after) && Array.isArray(before)) {
    if (SETS.has(path)) {
      if (!setEqual(after, before)) out.push({ path, before: sortedSet(before), after: sortedSet(after) });
      return;
    }
    if (after.length === before.length && ELEMENTWISE.has(path)) {
      for (let i = 0; i < after.length; i++) walkPort(`${path}[${i}]`, after[i], before[i], implicitPorts, out);
      return;
    }
  }
  if (!deepEqual(after, before)) out.push({ path, before, after });
}

/**
 * One port definition or mapping. A 0 the user left for Marathon to fill matches the number
 * Marathon assigned; the default port's name "default" matches no name (pre-1.4 servers).
 */
function walkPort(path: string, after: Value, before: Value, implicitPorts: boolean, out: FieldChange[]): void {
  if (!isObject(after) || !isObject(before)) {
    walk(path, after, before, implicitPorts, out);
    return;
  }
  for (const key in after) {
    const x = after[key];
    const y = before[key];
    if (x === y) continue;
    if (x === 0 && typeof y === 'number' && ASSIGNED_PORT_FIELDS.has(key)) continue;
    if (implicitPorts && key === 'name' && x === DEFAULT_PORT_NAME && y === undefined) continue;
    walk(`${path}.${key}`, x, y, implicitPorts, out);
  }
  for (const key in before) {
    if (!(key in after)) out.push({ path: `${path}.${key}`, before: before[key], after: undefined });
  }
}

/** Container networks left unnamed take the name Marathon gave them (its --default_network_name). */
function adoptNetworkNames(after: Value, before: Value): Value {
  if (!Array.isArray(after) || !Array.isArray(before) || after.length !== before.length) return after;
  let adopted: JsonValue[] | undefined;
  after.forEach((network, i) => {
    const given = before[i];
    if (!isObject(network) || !isObject(given) || network['mode'] !== 'container' || network['name'] !== undefined) return;
    if (given['mode'] !== 'container' || typeof given['name'] !== 'string') return;
    adopted ??= [...after];
    adopted[i] = { ...network, name: given['name'] };
  });
  return adopted ?? after;
}

/** A default that changed by release: any release's value stands for "unset", both ways. */
function adoptVersioned(known: readonly JsonValue[], after: Value, before: Value): Value {
  if (after === undefined) return known.includes(before as JsonValue) ? before : undefined;
  if (before === undefined && known.includes(after)) return undefined;
  return after;
}

function adoptUnreachable(after: Value, before: Value): Value {
  const known = VERSIONED_DEFAULTS.unreachableStrategy;
  if (after === undefined) return known.some((d) => deepEqual(d, before)) ? before : undefined;
  if (before === undefined) return known.some((d) => deepEqual(d, after)) ? undefined : after;
  // A partial strategy: Marathon fills the missing field with its release's default.
  if (isObject(after) && isObject(before)) {
    let filled: JsonObject = after;
    for (const field of ['inactiveAfterSeconds', 'expungeAfterSeconds']) {
      if (after[field] !== undefined || before[field] === undefined) continue;
      if (known.some((d) => d[field] === before[field])) filled = { ...filled, [field]: before[field] as JsonValue };
    }
    return filled;
  }
  return after;
}
