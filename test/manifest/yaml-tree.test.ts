import { LineCounter, type Document } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DEFAULT_INPUT_LIMITS, type InputLimits } from '../../src/manifest/limits.js';
import { composeYamlStream } from '../../src/manifest/yaml-stream.js';
import { checkYamlTree } from '../../src/manifest/yaml-tree.js';

function docOf(text: string, limits: InputLimits): Document.Parsed {
  const stream = composeYamlStream(text, limits, new LineCounter());
  if (stream.kind !== 'documents' || !stream.docs[0]) throw new Error('no document');
  return stream.docs[0];
}

function check(text: string, over: Partial<InputLimits> = {}) {
  const limits = { ...DEFAULT_INPUT_LIMITS, ...over };
  return checkYamlTree(docOf(text, limits), limits);
}

/** Nine aliases per level, nine levels: 9^9 strings once expanded. */
function billionLaughs(levels = 9): string {
  const lines = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < levels; i++)
    lines.push(
      `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return `${lines.join('\n')}\n`;
}

describe('checkYamlTree', () => {
  it('finds duplicate keys at the repeated key, in every mapping', () => {
    expect(check('a: 1\nb: {x: 1, x: 2}\na: 3\n').duplicateKeys.sort()).toEqual([15, 21]);
  });

  it('tells a number key from a string key, as the yaml library does', () => {
    expect(check('1: a\n"1": b\n').duplicateKeys).toEqual([]);
  });

  it('checks 40,000 keys (the quadratic case of the library) with a Set per mapping', () => {
    const text = Array.from({ length: 40_000 }, (_, i) => `k${i % 39_999}: v`).join('\n');
    const result = check(text, { maxYamlNodes: 50_000 });
    expect(result.duplicateKeys).toHaveLength(1);
  });

  it('refuses a billion laughs by arithmetic on node sizes, before anything is expanded', () => {
    expect(check(billionLaughs(), { maxYamlAliases: 1000 }).refusal?.message).toBe(
      'more than 10000 mapping entries and list items in one document, aliases expanded (--max-yaml-nodes)',
    );
  });

  it('refuses more aliases than --max-yaml-aliases', () => {
    expect(check(billionLaughs(3), { maxYamlAliases: 10 }).refusal?.message).toBe('more than 10 aliases in one document (--max-yaml-aliases)');
  });

  it('refuses an alias inside the node it names', () => {
    expect(check('a: &a\n  b: *a\n').refusal?.message).toBe('alias *a is inside the node it names: it would expand without end');
  });

  it('measures depth through aliases', () => {
    // the root mapping, then three lists of lists three deep: 1 + 3 + 3 + 3 levels
    const text = ['a: &a [[[1]]]', 'b: &b [[[*a]]]', 'c: [[[*b]]]'].join('\n');
    expect(check(text, { maxYamlDepth: 9 }).refusal?.message).toBe('nested deeper than 9 levels, aliases followed (--max-yaml-depth)');
    expect(check(text, { maxYamlDepth: 10 }).refusal).toBeUndefined();
  });

  it('accepts merge keys and ordinary aliases within the limits', () => {
    expect(check('x: &x {cpus: 1}\nspec:\n  <<: *x\n  mem: 2\n')).toEqual({ duplicateKeys: [] });
  });
});
