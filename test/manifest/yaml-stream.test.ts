import { LineCounter } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DEFAULT_INPUT_LIMITS, type InputLimits } from '../../src/manifest/limits.js';
import { composeYamlStream } from '../../src/manifest/yaml-stream.js';

const limits = (over: Partial<InputLimits> = {}): InputLimits => ({ ...DEFAULT_INPUT_LIMITS, ...over });
const compose = (text: string, over: Partial<InputLimits> = {}) => composeYamlStream(text, limits(over), new LineCounter());

describe('composeYamlStream', () => {
  it('composes every document of a stream', () => {
    const stream = compose('a: 1\n---\nb: [1, 2]\n');
    expect(stream.kind).toBe('documents');
    if (stream.kind === 'documents') expect(stream.docs.map((d) => d.toJS())).toEqual([{ a: 1 }, { b: [1, 2] }]);
  });

  it('reports a stream without documents as empty', () => {
    expect(compose('# only a comment\n')).toEqual({ kind: 'empty', errors: [] });
  });

  it('leaves duplicate keys to the tree check (the library would compare every pair of keys)', () => {
    const stream = compose('a: 1\na: 2\n');
    expect(stream.kind === 'documents' && stream.docs[0]?.errors).toEqual([]);
  });

  it('refuses a file with more documents than --max-file-documents, at the start of the first one too many', () => {
    const stream = compose('a: 1\n---\nb: 2\n---\nc: 3\n', { maxFileDocuments: 2 });
    expect(stream).toEqual({ kind: 'refused', refusal: { offset: 14, message: 'more than 2 YAML documents in one file (--max-file-documents)' } });
  });

  it('refuses deep flow nesting after a few tokens, long before the end of the text', () => {
    const text = `a: ${'['.repeat(200_000)}${']'.repeat(200_000)}\n`;
    const stream = compose(text, { maxYamlDepth: 8 });
    expect(stream.kind).toBe('refused');
    if (stream.kind === 'refused') {
      expect(stream.refusal.message).toBe('nested deeper than 8 levels (--max-yaml-depth)');
      expect(stream.refusal.offset).toBeLessThan(20);
    }
  });

  it('refuses deep block nesting', () => {
    const text = `${Array.from({ length: 20 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n')} 1\n`;
    expect(compose(text, { maxYamlDepth: 10 }).kind).toBe('refused');
    expect(compose(text, { maxYamlDepth: 20 }).kind).toBe('documents');
  });

  it('refuses a document with more entries than --max-yaml-nodes while reading it', () => {
    const keys = Array.from({ length: 50 }, (_, i) => `k${i}: v`).join('\n');
    const stream = compose(`${keys}\n`, { maxYamlNodes: 20 });
    expect(stream.kind).toBe('refused');
    if (stream.kind === 'refused') expect(stream.refusal.message).toBe('more than 20 mapping entries and list items in one document (--max-yaml-nodes)');
  });

  it('counts entries per document and does not mistake scalars for indicators', () => {
    const doc = 'a: "-: , -"\nb: [1, 2, 3]\nc: {x: 1, y: 2}\n';
    // a, b + 3 items, c + x + y = 8 entries per document
    expect(compose(`${doc}---\n${doc}`, { maxYamlNodes: 8 }).kind).toBe('documents');
    expect(compose(doc, { maxYamlNodes: 7 }).kind).toBe('refused');
  });
});
