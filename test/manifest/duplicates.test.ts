import { describe, expect, it } from 'vitest';
import { findDuplicateIds } from '../../src/manifest/duplicates.js';
import { parseManifestText } from '../../src/manifest/parse.js';
import { formatProblem } from '../../src/model/problem.js';
import { doc, yamlOf } from './builders.js';

describe('findDuplicateIds', () => {
  it('reports an id declared in two files at both places', () => {
    const a = parseManifestText(yamlOf(doc({ name: 'web', group: 'demo' })), 'a.yaml');
    const b = parseManifestText(yamlOf(doc({ name: 'other' }), doc({ name: 'web', group: '/demo/' })), 'b.yaml');
    expect(findDuplicateIds([a, b]).map(formatProblem)).toEqual([
      'a.yaml:4:9: app /demo/web is declared more than once (also at b.yaml:13:9)',
      'b.yaml:13:9: app /demo/web is declared more than once (also at a.yaml:4:9)',
    ]);
  });

  it('reports an id declared twice in one file', () => {
    const r = parseManifestText(yamlOf(doc(), doc()), 'a.yaml');
    expect(findDuplicateIds([r]).map((p) => [p.code, p.location.line])).toEqual([
      ['duplicate-id', 4],
      ['duplicate-id', 13],
    ]);
  });

  it('counts invalid documents whose id can be read', () => {
    const broken = parseManifestText('apiVersion: maracker/v1\nkind: App\nmetadata:\n  name: web\nspec: {}\n', 'b.yaml');
    const good = parseManifestText(yamlOf(doc()), 'a.yaml');
    expect(findDuplicateIds([good, broken])).toHaveLength(2);
  });

  it('reports nothing when every id is declared once', () => {
    expect(findDuplicateIds([parseManifestText(yamlOf(doc({ name: 'a' }), doc({ name: 'b' })), 'a.yaml')])).toEqual([]);
  });
});
