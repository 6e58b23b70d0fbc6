// A database row (id, spec, labels) -> DesiredApp. The row's spec is validated by the same
// schema entry ($defs/spec) and the same checks as a manifest's spec, so an app can move
// between a file and a row unchanged; problems are located by row id and JSON path.

import { isValidAppId } from '../model/app-id.js';
import type { DesiredApp } from '../model/desired.js';
import type { Problem } from '../model/problem.js';
import { groupOf } from './app-path.js';
import { checkSpec } from './checks.js';
import { formatPath, type Issue } from './issue.js';
import { validateLabels, validateSpec } from './schema.js';
import { translate } from './translate.js';
import type { AppSpec, TranslateOptions } from './types.js';

export interface RowOptions extends TranslateOptions {
  /** The row asks to take over an existing app maracker does not own. Default false. */
  adopt?: boolean;
}

export interface RowResult {
  app?: DesiredApp;
  problems: Problem[];
}

function toProblem(row: string, i: Issue): Problem {
  return { code: i.code, message: i.message, location: { row, jsonPath: formatPath(i.path) } };
}

/** `labels` may be null or undefined (no labels). */
export function specToDesired(id: string, spec: unknown, labels: unknown, opts: RowOptions = {}): RowResult {
  if (!isValidAppId(id)) {
    const problem: Problem = {
      code: 'invalid-id',
      message: `${JSON.stringify(id)} is not a valid Marathon app id: an absolute path such as /demo/web, of segments made of lowercase letters, digits, '-' and '.'`,
      location: { row: id, jsonPath: 'id' },
    };
    return { problems: [problem] };
  }
  const outerLabels = labels ?? undefined;
  const group = groupOf(id);
  const issues: Issue[] = [
    ...validateSpec(spec, ['spec']),
    ...(outerLabels !== undefined ? validateLabels(outerLabels, ['labels']) : []),
    ...checkSpec(spec, { specPath: ['spec'], outerLabels, outerLabelsPath: ['labels'], group, id }),
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
