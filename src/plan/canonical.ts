// Plain-JSON helpers for canonical app definitions. Canonical values are JSON values with
// no null, no undefined and no -0, so two of them are equal exactly when they mean the same
// thing to Marathon. Nothing here mutates its input: normalised forms are shared between
// the plan, its rendering and the executor.

import type { JsonObject, JsonValue } from '../model/marathon.js';

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `null`, `undefined` and `-0` become what Marathon means by them; other values pass. */
export function cleanScalar(value: unknown): JsonValue | undefined {
  if (value === null || value === undefined) return undefined;
  // JSON has one zero; a "-0" from arithmetic in a builder must not read as a change.
  if (typeof value === 'number') return Object.is(value, -0) ? 0 : value;
  return value as JsonValue;
}

/**
 * A deep copy without nulls or undefined members, for fields maracker passes through
 * without knowing them (Marathon grows fields across releases; a `null` is its "unset").
 */
export function clean(value: unknown): JsonValue | undefined {
  if (Array.isArray(value)) {
    const out: JsonValue[] = [];
    for (const item of value) {
      const c = clean(item);
      if (c !== undefined) out.push(c);
    }
    return out;
  }
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const key of Object.keys(value)) {
      const c = clean(value[key]);
      if (c !== undefined) out[key] = c;
    }
    return out;
  }
  return cleanScalar(value);
}

/** True when `value` holds no null, undefined or -0 anywhere, so it is canonical as it is. */
function isClean(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'number') return !Object.is(value, -0);
  if (typeof value !== 'object') return true;
  if (Array.isArray(value)) {
    for (const item of value) if (!isClean(item)) return false;
    return true;
  }
  for (const key in value) if (!isClean((value as Record<string, unknown>)[key])) return false;
  return true;
}

/**
 * `value` itself when it is already canonical, else a cleaned copy. Canonical values are
 * never mutated, so sharing the caller's objects is safe and saves a deep copy per app.
 */
export function shared(value: unknown): JsonValue | undefined {
  return isClean(value) ? (value as JsonValue) : clean(value);
}

/** A map (labels, env, secrets) in canonical form; empty or absent maps are undefined. */
export function sharedMap(value: unknown): JsonObject | undefined {
  if (!isObject(value) || !hasKeys(value)) return undefined;
  const out = shared(value) as JsonObject;
  return hasKeys(out) ? out : undefined;
}

export function hasKeys(value: object): boolean {
  for (const _key in value) return true;
  return false;
}

/** Structural equality of canonical values (object key order does not matter). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let count = 0;
  for (const key in ao) {
    if (!(key in bo) || !deepEqual(ao[key], bo[key])) return false;
    count++;
  }
  for (const _key in bo) count--;
  return count === 0;
}

/** Equality of two set-like lists: same members, whatever the order and repetitions. */
export function setEqual(a: readonly unknown[], b: readonly unknown[]): boolean {
  return contains(a, b) && contains(b, a);
}

function contains(outer: readonly unknown[], inner: readonly unknown[]): boolean {
  // Sets here hold a handful of members (health checks, roles): pairwise is cheapest.
  for (const item of inner) {
    let found = false;
    for (const candidate of outer) {
      if (deepEqual(item, candidate)) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

/** JSON with object keys sorted: a stable sort key for members of set-like lists. */
function stableKey(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableKey).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableKey(value[k])}`).join(',')}}`;
  }
  return value === undefined ? 'null' : JSON.stringify(value);
}

/**
 * A set-like list in one stable order without repeated members, for showing a changed set
 * the same way whichever order Marathon printed it in.
 */
export function sortedSet(items: readonly JsonValue[]): JsonValue[] {
  if (items.length < 2) return [...items];
  const keyed = items.map((item) => ({ key: stableKey(item), item }));
  keyed.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  const out: JsonValue[] = [];
  let last: string | undefined;
  for (const { key, item } of keyed) {
    // A set holds each member once; Marathon would collapse duplicates the same way.
    if (key !== last) out.push(item);
    last = key;
  }
  return out;
}
