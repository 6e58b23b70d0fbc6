// docs/benchmarks.md shows the figures of bench/results.json (both written by the same
// `npm run bench`), documents every scenario, and names only files that exist.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BenchRecord } from '../../bench/record.js';
import { SCENARIOS } from '../../bench/scenarios.js';
import { formatMarkdown } from '../../bench/table.js';
import { missingPaths, readDoc, REPO_ROOT } from '../docs/doc-files.js';

const UNITS = new Set(['ms', 'us', 'MiB', 'count', 'ratio', 'per_s']);

async function results(): Promise<BenchRecord[]> {
  return JSON.parse(await readFile(join(REPO_ROOT, 'bench', 'results.json'), 'utf8')) as BenchRecord[];
}

function generated(text: string, name: string): string {
  const begin = `<!-- BEGIN GENERATED: ${name} -->`;
  const from = text.indexOf(begin);
  const to = text.indexOf(`<!-- END GENERATED: ${name} -->`);
  if (from < 0 || to < from) throw new Error(`no generated section ${name}`);
  return text.slice(from + begin.length, to).trim();
}

describe('docs/benchmarks.md', () => {
  it('shows exactly the figures of bench/results.json', async () => {
    expect(generated(await readDoc('benchmarks.md'), 'figures')).toBe(formatMarkdown(await results()).trim());
  });

  it('explains every scenario and how to run it alone', async () => {
    const doc = await readDoc('benchmarks.md');
    for (const s of SCENARIOS) expect(doc, s.name).toContain(`npm run bench -- --only ${s.name}`);
  });

  it('names only files that exist', async () => {
    expect(missingPaths(await readDoc('benchmarks.md'))).toEqual([]);
  });
});

describe('bench/results.json', () => {
  it('holds one well-formed record per figure, each with its parameters', async () => {
    const records = await results();
    expect(records.length).toBeGreaterThan(0);
    expect(new Set(records.map((r) => r.name)).size).toBe(records.length);
    for (const r of records) {
      expect(typeof r.value, r.name).toBe('number');
      expect(Number.isFinite(r.value), r.name).toBe(true);
      expect(UNITS.has(r.unit), r.name).toBe(true);
      expect(Object.keys(r.params).length, r.name).toBeGreaterThan(0);
    }
  });

  it('covers every scenario', async () => {
    const names = (await results()).map((r) => r.name.split('.')[0]);
    for (const prefix of ['plan', 'sandbox', 'save_to_write', 'commit_to_write', 'startup', 'resync', 'noop', 'status', 'converge', 'versus']) {
      expect(names, prefix).toContain(prefix);
    }
  });
});
