// A tiny schema reader that behaves like the play-json Reads Marathon generates from its RAML:
// it checks JSON types and RAML constraints, collects every error with its JsPath
// ("/healthChecks(0)/portIndex"), drops unknown fields and treats null like an absent field.
// Error strings are play-json's ("error.expected.jsnumber", "error.min", ...), which Marathon
// puts verbatim into its 422 "Invalid JSON" body.

import type { JsonObject, JsonValue } from '../model/marathon.js';

export type Schema =
  | { t: 'string'; minLength?: number; maxLength?: number; pattern?: RegExp; enum?: readonly string[] }
  | { t: 'number'; min?: number; max?: number }
  | { t: 'integer'; min?: number; max?: number }
  | { t: 'boolean' }
  | { t: 'array'; items: Schema; minItems?: number }
  | { t: 'object'; props: Readonly<Record<string, Schema>>; required?: readonly string[] }
  | { t: 'map'; values: Schema }
  /** A value accepted as-is (fields the sandbox stores but does not interpret). */
  | { t: 'any' }
  /** First alternative whose `when` accepts the raw value wins. */
  | { t: 'either'; options: ReadonlyArray<{ when: (v: JsonValue) => boolean; schema: Schema }>; otherwise: string };

export type ReadErrors = Map<string, string[]>;

function add(errors: ReadErrors, path: string, error: string): void {
  const key = path === '' ? '/' : path;
  const list = errors.get(key);
  if (list) {
    if (!list.includes(error)) list.push(error);
  } else errors.set(key, [error]);
}

/** Reads `value` against `schema`; returns the cleaned value, or undefined when it had errors. */
export function readJson(schema: Schema, value: JsonValue | undefined, path: string, errors: ReadErrors): JsonValue | undefined {
  if (value === undefined || value === null) return undefined;
  switch (schema.t) {
    case 'any':
      return value;
    case 'string': {
      if (typeof value !== 'string') return void add(errors, path, 'error.expected.jsstring');
      if (schema.enum && !schema.enum.includes(value)) return void add(errors, path, 'error.unknown.enum.literal');
      if (schema.minLength !== undefined && value.length < schema.minLength) return void add(errors, path, 'error.minLength');
      if (schema.maxLength !== undefined && value.length > schema.maxLength) return void add(errors, path, 'error.maxLength');
      if (schema.pattern && !schema.pattern.test(value)) return void add(errors, path, 'error.pattern');
      return value;
    }
    case 'number':
    case 'integer': {
      if (typeof value !== 'number') return void add(errors, path, 'error.expected.jsnumber');
      if (schema.t === 'integer' && !Number.isInteger(value)) return void add(errors, path, 'error.expected.int');
      if (schema.min !== undefined && value < schema.min) return void add(errors, path, 'error.min');
      if (schema.max !== undefined && value > schema.max) return void add(errors, path, 'error.max');
      return value;
    }
    case 'boolean':
      if (typeof value !== 'boolean') return void add(errors, path, 'error.expected.jsboolean');
      return value;
    case 'array': {
      if (!Array.isArray(value)) return void add(errors, path, 'error.expected.jsarray');
      if (schema.minItems !== undefined && value.length < schema.minItems) return void add(errors, path, 'error.minLength');
      const out: JsonValue[] = [];
      let ok = true;
      value.forEach((item, i) => {
        const before = errors.size;
        const read = readJson(schema.items, item, `${path}(${i})`, errors);
        if (errors.size !== before) ok = false;
        // play-json rejects null array elements: they are not optional
        if (item === null) {
          add(errors, `${path}(${i})`, expectedError(schema.items));
          ok = false;
        }
        if (read !== undefined) out.push(read);
      });
      return ok ? out : undefined;
    }
    case 'map': {
      if (typeof value !== 'object' || Array.isArray(value)) return void add(errors, path, 'error.expected.jsobject');
      const out: JsonObject = {};
      for (const [k, v] of Object.entries(value)) {
        const read = readJson(schema.values, v, `${path}/${k}`, errors);
        if (v === null) add(errors, `${path}/${k}`, expectedError(schema.values));
        if (read !== undefined) out[k] = read;
      }
      return out;
    }
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return void add(errors, path, 'error.expected.jsobject');
      const out: JsonObject = {};
      for (const [k, s] of Object.entries(schema.props)) {
        const read = readJson(s, value[k], `${path}/${k}`, errors);
        if (read !== undefined) out[k] = read;
      }
      for (const k of schema.required ?? []) {
        if (value[k] === undefined || value[k] === null) add(errors, `${path}/${k}`, 'error.path.missing');
      }
      return out;
    }
    case 'either': {
      for (const option of schema.options) {
        if (option.when(value)) return readJson(option.schema, value, path, errors);
      }
      return void add(errors, path, schema.otherwise);
    }
  }
}

function expectedError(schema: Schema): string {
  switch (schema.t) {
    case 'string':
      return 'error.expected.jsstring';
    case 'number':
    case 'integer':
      return 'error.expected.jsnumber';
    case 'boolean':
      return 'error.expected.jsboolean';
    case 'array':
      return 'error.expected.jsarray';
    default:
      return 'error.expected.jsobject';
  }
}

export function errorList(errors: ReadErrors): Array<{ path: string; errors: string[] }> {
  return [...errors.entries()].map(([path, errs]) => ({ path, errors: errs }));
}
