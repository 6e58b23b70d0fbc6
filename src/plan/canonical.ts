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

/** A string map (labels, env) without null values; empty maps become undefined. */
export function cleanMap(value: unknown, drop?: (key: string) => boolean): JsonObject | undefined {
  if (!isObject(value)) return undefined;
  let out: JsonObject | undefined;
  for (const key of Object.keys(value)) {
    if (drop?.(key)) continue;
    const c = clean(value[key]);
    if (c === undefined) continue;
    (out ??= {})[key] = c;
  }
  return out;
}

/** Structural equality of canonical values (object key order does not matter). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao);
  if (keys.length !== Object.keys(bo).length) return false;
  for (const key of keys) {
    if (!(key in bo) || !deepEqual(ao[key], bo[key])) return false;
  }
  return true;
}

/** JSON with object keys sorted: a stable sort key for members of set-like lists. */
export function stableKey(value: unknown): string {
  if (Array.isArray(value)) return '[' + value.map(stableKey).join(',') + ']';
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return '{' + keys.map((k) => JSON.stringify(k) + ':' + stableKey(value[k])).join(',') + '}';
  }
  return value === undefined ? 'null' : JSON.stringify(value);
}

/**
 * A set-like list in canonical order. Marathon keeps constraints, health checks, roles and
 * dependencies in sets and returns them in any order; sorting both sides the same way makes
 * order irrelevant. Empty lists become undefined (Marathon omits them on output).
 */
export function sortedSet(items: readonly JsonValue[]): JsonValue[] | undefined {
  if (items.length === 0) return undefined;
  if (items.length === 1) return [items[0] as JsonValue];
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
