// Turns ajv's errors into one precise issue per real problem. ajv with allErrors reports
// every failing keyword, including every failed branch of an anyOf; a user needs one line
// per mistake, pointing at the value (or, for an unknown field, at its key).

import type { ErrorObject } from 'ajv/dist/2020.js';
import { issue, type Issue, type Path, type PathSegment } from './issue.js';
import { modelledFieldAdvice, PASS_THROUGH_MARATHON_FIELDS } from './marathon-fields.js';
import { describeValue, describeKind } from './quote.js';
import { suggest } from '../base/suggest.js';

type SchemaNode = Record<string, unknown> | boolean;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Follows an instance pointer through the data so that array indexes become numbers. */
function pointerToPath(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return [];
  const out: PathSegment[] = [];
  let cur: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) {
      const n = Number(seg);
      out.push(n);
      cur = cur[n];
    } else {
      out.push(seg);
      cur = isRecord(cur) ? cur[seg] : undefined;
    }
  }
  return out;
}

function resolveRef(node: SchemaNode, root: Record<string, unknown>): SchemaNode {
  if (!isRecord(node) || typeof node.$ref !== 'string' || !node.$ref.startsWith('#/')) return node;
  let cur: unknown = root;
  for (const part of node.$ref.slice(2).split('/')) cur = isRecord(cur) ? cur[part] : undefined;
  return isRecord(cur) || typeof cur === 'boolean' ? resolveRef(cur, root) : node;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function branchAccepts(branch: SchemaNode, data: unknown, root: Record<string, unknown>): boolean {
  const b = resolveRef(branch, root);
  if (typeof b === 'boolean') return b;
  const t = jsonType(data);
  const fits = (want: string): boolean => want === t || (want === 'number' && t === 'integer') || (want === 'object' && t === 'object');
  if (typeof b.type === 'string') return fits(b.type);
  if (Array.isArray(b.type)) return b.type.some((x) => typeof x === 'string' && fits(x));
  if ('const' in b) return jsonType(b.const) === t || (jsonType(b.const) === 'integer' && t === 'number');
  if (Array.isArray(b.enum)) return b.enum.some((x) => jsonType(x) === t);
  return true;
}

function branchTitle(branch: SchemaNode, root: Record<string, unknown>): string {
  if (isRecord(branch) && typeof branch.title === 'string') return branch.title;
  const b = resolveRef(branch, root);
  if (isRecord(b)) {
    if ('const' in b) return JSON.stringify(b.const);
    if (typeof b.title === 'string') return b.title;
    if (typeof b.type === 'string') return typeName(b.type);
  }
  return 'another form';
}

const TYPE_NAMES: Record<string, string> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'empty',
};

function typeName(type: string): string {
  return type
    .split(',')
    .map((t) => TYPE_NAMES[t] ?? t)
    .join(' or ');
}

const isUnder = (inner: string, outer: string): boolean => inner === outer || inner.startsWith(`${outer}/`);

/**
 * An anyOf fails when every branch fails, and ajv reports every branch. Keep the errors of
 * the branch whose type fits the data (the user meant that form); when no branch fits, or
 * the fitting branch left nothing to say, replace them all by one "must be A or B".
 */
function collapseAnyOf(errors: ErrorObject[], root: Record<string, unknown>): ErrorObject[] {
  let out = errors;
  for (const anyOf of errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')) {
    const branches = (isRecord(anyOf.parentSchema) ? anyOf.parentSchema[anyOf.keyword] : undefined) as SchemaNode[] | undefined;
    if (!Array.isArray(branches)) continue;
    const p = anyOf.instancePath;
    const fitting = branches.some((b) => branchAccepts(b, anyOf.data, root));
    const kept = out.filter((e) => {
      if (e === anyOf) return false;
      if (!isUnder(e.instancePath, p)) return true;
      if (!fitting) return false;
      return !(e.instancePath === p && ['type', 'const', 'enum'].includes(e.keyword));
    });
    const dropped = out.length - kept.length;
    const remainingUnder = kept.filter((e) => isUnder(e.instancePath, p)).length;
    out = kept;
    if (dropped > 0 && remainingUnder === 0) {
      const summary: ErrorObject = {
        ...anyOf,
        keyword: 'anyOfSummary',
        // The kind of value, not the value: at the top of a document it is the whole file.
        message: `must be ${branches.map((b) => branchTitle(b, root)).join(' or ')}, got ${describeKind(anyOf.data)}`,
      };
      out = [...out, summary];
    }
  }
  return out;
}

/** A failed `type` makes every other keyword at that value noise. */
function dropNoiseAfterTypeErrors(errors: ErrorObject[]): ErrorObject[] {
  const typed = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  return errors.filter((e) => e.keyword === 'type' || !typed.has(e.instancePath));
}

function unknownFieldMessage(key: string, parentSchema: Record<string, unknown>, root: Record<string, unknown>): { code: string; message: string } {
  const props = isRecord(parentSchema.properties) ? parentSchema.properties : {};
  const allowed = Object.keys(props).filter((k) => props[k] !== false);
  const defs = isRecord(root.$defs) ? root.$defs : {};
  const hint = suggest(key, allowed);
  if (parentSchema === defs.marathon) {
    return { code: 'marathon-field', message: `not a Marathon app field${hint ? `; did you mean "${hint}"?` : ''}` };
  }
  if (hint) return { code: 'unknown-field', message: `unknown field; did you mean "${hint}"?` };
  if (parentSchema === defs.spec) {
    if (PASS_THROUGH_MARATHON_FIELDS.includes(key)) {
      return { code: 'unknown-field', message: `unknown field; Marathon's ${key} goes under spec.marathon` };
    }
    const advice = modelledFieldAdvice(key);
    if (advice) return { code: 'unknown-field', message: `unknown field; for Marathon's ${key}, ${advice}` };
  }
  return { code: 'unknown-field', message: `unknown field (allowed: ${allowed.join(', ')})` };
}

function toIssue(e: ErrorObject, base: Path, data: unknown, root: Record<string, unknown>): Issue {
  const path: PathSegment[] = [...base, ...pointerToPath(e.instancePath, data)];
  const params = e.params as Record<string, unknown>;
  const parent = isRecord(e.parentSchema) ? e.parentSchema : {};
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const { code, message } = unknownFieldMessage(key, parent, root);
      return issue(code, [...path, key], message, 'key');
    }
    case 'false schema': {
      const field = String(path[path.length - 1]);
      const advice = modelledFieldAdvice(field) ?? 'not allowed here';
      return issue('marathon-field', path, `modelled by the manifest format; ${advice}`, 'key');
    }
    case 'required':
      return issue('missing-field', path, `missing required field "${String(params.missingProperty)}"`);
    case 'type': {
      const want = String(params.type);
      const quoteHint = want === 'string' && (typeof e.data === 'number' || typeof e.data === 'boolean') ? ` (quote it: "${String(e.data)}")` : '';
      // Named by kind, never quoted: a document that is not a mapping is the whole file.
      return issue('invalid-value', path, `must be ${typeName(want)}, got ${describeKind(e.data)}${quoteHint}`);
    }
    case 'const':
      return issue('invalid-value', path, `must be ${JSON.stringify(params.allowedValue)}, got ${describeValue(e.data)}`);
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const hint = typeof e.data === 'string' ? suggest(e.data, allowed) : undefined;
      return issue('invalid-value', path, `must be one of ${allowed.join(', ')}; got ${describeValue(e.data)}${hint ? ` (did you mean "${hint}"?)` : ''}`);
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return issue('invalid-value', path, `must be ${String(params.comparison)} ${String(params.limit)}, got ${describeValue(e.data)}`);
    case 'pattern': {
      const title = typeof parent.title === 'string' ? parent.title : 'value';
      const what = typeof parent.description === 'string' ? `: ${parent.description}` : ` (must match ${String(params.pattern)})`;
      return issue('invalid-value', path, `${describeValue(e.data)} is not a valid ${title}${what}`);
    }
    case 'minLength':
      return issue('invalid-value', path, params.limit === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters long`);
    case 'maxLength':
      return issue('invalid-value', path, `must be at most ${String(params.limit)} characters long`);
    case 'minItems':
      return issue('invalid-value', path, `must have at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}`);
    case 'maxItems':
      return issue('invalid-value', path, `must have at most ${String(params.limit)} items`);
    case 'uniqueItems':
      return issue('duplicate-item', [...path, Number(params.j)], `same as item ${String(params.i)} of the list`);
    case 'anyOfSummary':
      return issue('invalid-value', path, e.message ?? 'has an unexpected form');
    default:
      return issue('invalid-value', path, e.message ?? `fails ${e.keyword}`);
  }
}

/**
 * Issues for ajv's errors on `data`; `base` is the path of `data` inside the document
 * (['spec'] when a row's spec was validated on its own). Needs ajv's `verbose` option.
 */
export function issuesFromAjv(errors: readonly ErrorObject[], base: Path, data: unknown, root: Record<string, unknown>): Issue[] {
  const collapsed = dropNoiseAfterTypeErrors(collapseAnyOf([...errors], root));
  return collapsed.map((e) => toIssue(e, base, data, root));
}
