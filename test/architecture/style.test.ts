// Classes keep their state in `#` private fields, which the runtime enforces, never in
// TypeScript's `private`, which only the compiler knows about: one way, not two mixed in one
// file. A `readonly` constructor parameter stays allowed for a class that only holds data.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** `file:line member` for every declaration a `private` modifier marks (fields, methods, accessors, parameter properties). */
function privateMembers(file: string, text = readFileSync(file, 'utf8')): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    const modifiers = ts.canHaveModifiers(node) ? (ts.getModifiers(node) ?? []) : [];
    if (modifiers.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword)) {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
      const name = (node as { name?: ts.Node }).name?.getText(source) ?? ts.SyntaxKind[node.kind];
      found.push(`${relative(SRC, file)}:${line + 1} ${name}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('class members', () => {
  const checked = sourceFiles(SRC);

  it('are private with `#`, never with the `private` keyword', () => {
    expect(checked.length).toBeGreaterThan(100);
    expect(checked.flatMap((file) => privateMembers(file))).toEqual([]);
  });

  it('finds the keyword wherever it stands, and only there (the check itself works)', () => {
    const probe = [
      '// a private note, and a string: "private x"',
      'class A {',
      '  #ok = 1;',
      '  private field = 2;',
      '  constructor(private readonly dep: number, readonly data: string) {}',
      '  private method(): void {}',
      '  private get value(): number { return 1; }',
      '}',
    ].join('\n');
    expect(privateMembers(join(SRC, 'probe.ts'), probe)).toEqual(['probe.ts:4 field', 'probe.ts:5 dep', 'probe.ts:6 method', 'probe.ts:7 value']);
  });
});
