// The error catalogue is one type the compiler checks: a code that is not in it does not
// compile where an error is raised nor where one is matched. The `@ts-expect-error` lines
// below are that check (`tsc -p tsconfig.json` fails if any of them compiles); the tests
// keep the catalogue, the code and the docs naming the same codes.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { codeOf, ERROR_CODES, errorCode, MarackerError, type MarackerCode } from '../../src/base/errors.js';
import { MarathonNotFoundError } from '../../src/marathon/errors.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function files(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path, ext) : path.endsWith(ext) ? [path] : [];
  });
}

/** Every whole code named in these files; `MRK_DB_*`, `MRK_MARATHON_...` and `MRK_REGISTRY_${string}` name families, not codes. */
function codesNamedIn(paths: string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const path of paths) {
    const text = readFileSync(path, 'utf8');
    for (const m of text.matchAll(/\bMRK_[A-Z0-9_]+/g)) {
      const next = text.slice(m.index + m[0].length, m.index + m[0].length + 3);
      if (m[0].endsWith('_') || next.startsWith('*') || next === '...') continue;
      if (!found.has(m[0])) found.set(m[0], path.slice(ROOT.length));
    }
  }
  return found;
}

describe('the error catalogue', () => {
  it('refuses, at compile time, a code it does not hold', () => {
    // @ts-expect-error: a misspelt code does not compile where an error is raised...
    const raised = new MarackerError('MRK_MARATHON_NOT_FOUN', 'x');
    const err: unknown = new MarathonNotFoundError({ method: 'GET', path: '/v2/apps/web' });
    // @ts-expect-error: ...nor where one is matched
    expect(errorCode(err) === 'MRK_MARATHON_NOT_FOUN').toBe(false);
    const code: MarackerCode | undefined = errorCode(err);
    switch (code) {
      case 'MRK_MARATHON_NOT_FOUND':
        break;
      // @ts-expect-error: ...nor in a switch over codes
      case 'MRK_MARATHON_NOT_FOUN':
        throw new Error('unreachable');
      default:
        throw new Error(`unexpected ${String(code)}`);
    }
    expect(raised.code).toBe('MRK_MARATHON_NOT_FOUN');
  });

  it('gives each code a meaning, and names only codes', () => {
    for (const [code, meaning] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^MRK_[A-Z0-9_]+$/);
      expect(meaning.length, code).toBeGreaterThan(0);
    }
  });

  it('holds every code the sources raise, and each of its codes is raised somewhere', () => {
    const named = codesNamedIn(files(join(ROOT, 'src'), '.ts').filter((f) => !f.endsWith('/base/errors.ts')));
    expect([...named.keys()].filter((c) => !(c in ERROR_CODES))).toEqual([]);
    expect(Object.keys(ERROR_CODES).filter((c) => !named.has(c))).toEqual([]);
  });

  it('holds every code the documentation names', () => {
    const named = codesNamedIn([...files(join(ROOT, 'docs'), '.md'), join(ROOT, 'README.md')]);
    expect([...named].filter(([c]) => !(c in ERROR_CODES))).toEqual([]);
  });
});

describe('errorCode and codeOf', () => {
  it('errorCode reads only maracker errors', () => {
    expect(errorCode(new MarackerError('MRK_CONFIG_INVALID', 'bad'))).toBe('MRK_CONFIG_INVALID');
    expect(errorCode(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBeUndefined();
    expect(errorCode({ code: 'MRK_CONFIG_INVALID' })).toBeUndefined();
    expect(errorCode('MRK_CONFIG_INVALID')).toBeUndefined();
  });

  it('codeOf reads the code of any failure, through causes and the first error of an AggregateError', () => {
    expect(codeOf(new MarackerError('MRK_DB_TIMEOUT', 'slow'))).toBe('MRK_DB_TIMEOUT');
    expect(codeOf(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe('ECONNREFUSED');
    expect(codeOf(new Error('fetch failed', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) }))).toBe('ECONNRESET');
    expect(codeOf(new AggregateError([Object.assign(new Error('v6'), { code: 'ENETUNREACH' }), new Error('v4')]))).toBe('ENETUNREACH');
    expect(codeOf(Object.assign(new Error('numbered'), { code: 20 }))).toBeUndefined();
    expect(codeOf(new Error('plain'))).toBeUndefined();
    expect(codeOf(undefined)).toBeUndefined();
    expect(codeOf('ECONNREFUSED')).toBeUndefined();
  });
});
