// A database row (id, spec, labels) -> DesiredApp. The row's spec is validated by the same
// schema entry ($defs/spec) and the same checks as a manifest's spec, so an app can move
// between a file and a row unchanged; problems are located by row id and JSON path.

import { appIdFault, appIdLengthFault } from '../model/app-id.js';
import type { DesiredApp } from '../model/desired.js';
import type { Problem } from '../model/problem.js';
import { groupOf } from './app-path.js';
import { checkSpec } from './checks.js';
import { failureOf } from './failure.js';
import { formatPath, type Issue } from './issue.js';
import { DEFAULT_INPUT_LIMITS, LIMIT_EXCEEDED, limitSuffix, type InputLimits } from './limits.js';
import { validateLabels, validateSpec } from './schema.js';
import { translate } from './translate.js';
import type { AppSpec, TranslateOptions } from './types.js';
import { nestsDeeperThan } from './value-shape.js';

export interface RowOptions extends TranslateOptions {
  /** The row asks to take over an existing app maracker does not own. Default false. */
  adopt?: boolean;
  /** Default: DEFAULT_INPUT_LIMITS. */
  limits?: InputLimits;
}

/** A row as read from maracker.apps. */
export interface RowInput {
  id: string;
  /** The parsed spec; null when the row was too large to be read. */
  spec: unknown;
  labels: unknown;
  /** Size of spec and labels as JSON text, when the reader measured it. */
  bytes?: number;
}

export interface RowResult {
  app?: DesiredApp;
  problems: Problem[];
}

function toProblem(row: string, i: Issue): Problem {
  return { code: i.code, message: i.message, location: { row, jsonPath: formatPath(i.path) } };
}

function problemAt(row: string, jsonPath: string, code: string, message: string): RowResult {
  return { problems: [{ code, message, location: { row, jsonPath } }] };
}

/** A row as read, its size checked first (the reader did not parse a row over the limit). */
export function rowToDesired(row: RowInput, opts: RowOptions = {}): RowResult {
  return refusedRow(row, opts) ?? specToDesired(row.id, row.spec, row.labels, opts);
}

/**
 * The refusals made before anything recursive touches a row: over the size limit, an id
 * that is no app id, nested too deep. Cheap (the depth walk stops at the limit), so they are
 * made in the thread holding the row, before it is copied to a parse worker
 * (parse-pool.ts): a row nested thousands deep cannot even be copied.
 */
export function refusedRow(row: RowInput, opts: RowOptions = {}): RowResult | undefined {
  const limits = opts.limits ?? DEFAULT_INPUT_LIMITS;
  if (row.bytes !== undefined && row.bytes > limits.maxRowBytes) {
    return problemAt(
      row.id,
      'spec',
      LIMIT_EXCEEDED,
      `spec and labels are larger than ${limits.maxRowBytes} bytes as JSON text ${limitSuffix('maxRowBytes')}; not read`,
    );
  }
  return refusal(row.id, row.spec, row.labels, limits);
}

function refusal(id: string, spec: unknown, labels: unknown, limits: InputLimits): RowResult | undefined {
  const fault = appIdFault(id) ?? appIdLengthFault(id);
  // The id is shown as the row's location; the message does not quote it again.
  if (fault !== undefined) return problemAt(id, 'id', 'invalid-id', fault);
  for (const [path, value] of [
    ['spec', spec],
    ['labels', labels],
  ] as const) {
    // Before anything recursive (validation, translation, hashing) touches the value.
    if (nestsDeeperThan(value, limits.maxRowDepth)) {
      return problemAt(id, path, LIMIT_EXCEEDED, `nested deeper than ${limits.maxRowDepth} levels ${limitSuffix('maxRowDepth')}; not read`);
    }
  }
  return undefined;
}

/**
 * `labels` may be null or undefined (no labels). Never throws: a failure while handling
 * the row is a problem of the row, and every other row carries on.
 */
export function specToDesired(id: string, spec: unknown, labels: unknown, opts: RowOptions = {}): RowResult {
  try {
    return translateRow(id, spec, labels, opts);
  } catch (err) {
    const { code, message } = failureOf(err);
    return { problems: [{ code, message, location: { row: id } }] };
  }
}

function translateRow(id: string, spec: unknown, labels: unknown, opts: RowOptions): RowResult {
  const limits = opts.limits ?? DEFAULT_INPUT_LIMITS;
  const refused = refusal(id, spec, labels, limits);
  if (refused) return refused;
  const outerLabels = labels ?? undefined;
  const group = groupOf(id);
  const issues: Issue[] = [
    ...validateSpec(spec, ['spec']),
    ...(outerLabels !== undefined ? validateLabels(outerLabels, ['labels']) : []),
    ...checkSpec(spec, { specPath: ['spec'], outerLabels, outerLabelsPath: ['labels'], group, id, limits, traefikLabels: opts.rowTraefikLabels === true }),
  ];
  if (issues.length > 0) return { problems: issues.map((i) => toProblem(id, i)) };
  const translated = translate(
    {
      id,
      spec: spec as AppSpec,
      outerLabels: outerLabels as Record<string, string> | undefined,
      outerLabelsPath: ['labels'],
      specPath: ['spec'],
      group,
      source: { kind: 'database', row: id },
      adopt: opts.adopt === true,
    },
    opts,
  );
  return translated.app ? { app: translated.app, problems: [] } : { problems: translated.issues.map((i) => toProblem(id, i)) };
}
