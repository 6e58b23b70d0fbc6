// A throw while handling one file, document or row is a problem of that input only: the
// source, the queue and every other input carry on. The problem names the kind of failure,
// never the error's message, which may quote the input.

import type { Problem } from '../model/problem.js';
import { LIMIT_EXCEEDED } from './limits.js';

/** Stable code of a failure maracker did not foresee. */
export const INTERNAL_ERROR = 'internal-error';

export interface Failure {
  code: string;
  message: string;
}

export function failureOf(err: unknown): Failure {
  // Stack overflows and allocation failures: input too deep or too big for the checks
  // that should have refused it first.
  if (err instanceof RangeError) return { code: LIMIT_EXCEEDED, message: 'too deeply nested or too large to process; not applied' };
  const kind = err instanceof Error ? err.name : typeof err;
  return { code: INTERNAL_ERROR, message: `maracker failed while reading this input (${kind}); not applied` };
}

/** The error's stack without its message line, for logs that must not carry input. */
export function stackOf(err: unknown): string | undefined {
  if (!(err instanceof Error) || typeof err.stack !== 'string') return undefined;
  const frames = err.stack.split('\n').filter((l) => /^\s+at /.test(l));
  return [`${err.name}`, ...frames].join('\n');
}

/**
 * An input whose problems include a failure of maracker's own (a crashed worker, a stop
 * mid-read) is read again at the next occasion even if unchanged: the failure may not
 * happen twice. A limit is the input's own doing and waits for a change.
 */
export function hasTransientFailure(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.code === INTERNAL_ERROR);
}
