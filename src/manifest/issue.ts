// An issue is a problem before it knows its file: a code, a message and the path of the
// offending value inside the document (or row). Validation and translation produce issues;
// the YAML reader and the row reader turn them into located Problems, so the pure steps do
// not care where the data came from.

import { MAX_KEY_CHARS, quoteToken } from './quote.js';

export type PathSegment = string | number;
export type Path = readonly PathSegment[];

export interface Issue {
  /** Stable problem code (see docs/manifest.md, "What validation reports"). */
  code: string;
  path: Path;
  /** Text without the path; the reader prefixes or attaches the path. */
  message: string;
  /** 'key' points at the key of the last path segment (unknown fields, duplicate names). */
  at?: 'key' | 'value';
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/**
 * `spec.healthChecks[0].port`, `spec.labels["traefik.enable"]`. Keys are the user's own
 * tokens: a long one is cut short (quoteToken), so a path never carries a whole value.
 */
export function formatPath(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (seg.length <= MAX_KEY_CHARS && IDENTIFIER.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${quoteToken(seg, MAX_KEY_CHARS)}]`;
  }
  return out;
}

export function issue(code: string, path: Path, message: string, at?: 'key' | 'value'): Issue {
  return at === undefined ? { code, path, message } : { code, path, message, at };
}
