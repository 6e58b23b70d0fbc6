// The arithmetic behind every printed figure: nearest-rank percentiles, goals, the table.

import { describe, expect, it } from 'vitest';
import { median, meetsGoal, percentile, type BenchRecord } from '../../bench/record.js';
import { formatMarkdown, formatTable, verdict } from '../../bench/table.js';
import { shuffled, summarize } from '../../bench/util.js';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('is the value at rank ceil(p/100 * n) of the sorted samples', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 1)).toBe(1);
  });

  it('does not depend on the order of the samples', () => {
    expect(percentile(shuffled(hundred, 5), 99)).toBe(99);
    expect(median([9, 1, 5])).toBe(5);
  });

  it('of few samples, a high percentile is the largest one', () => {
    expect(percentile([3, 1, 2], 99)).toBe(3);
    expect(percentile([7], 50)).toBe(7);
  });

  it('takes the lower middle for an even count (a sample, never an interpolation)', () => {
    expect(median([1, 2, 3, 4])).toBe(2);
  });

  it('refuses an empty list', () => {
    expect(() => percentile([], 50)).toThrow(/empty/);
  });

  it('summarize gives p50, p99, max and the sample count', () => {
    expect(summarize(hundred)).toEqual({ p50: 50, p99: 99, max: 100, n: 100 });
  });
});

describe('goals', () => {
  const rec = (value: number, goal?: BenchRecord['goal']): BenchRecord => ({ name: 'x', value, unit: 'ms', params: {}, ...(goal ? { goal } : {}) });

  it('checks <=, >= and == and says nothing without a goal', () => {
    expect(meetsGoal(rec(50, { op: '<=', value: 50 }))).toBe(true);
    expect(meetsGoal(rec(50.1, { op: '<=', value: 50 }))).toBe(false);
    expect(meetsGoal(rec(3, { op: '>=', value: 4 }))).toBe(false);
    expect(meetsGoal(rec(0, { op: '==', value: 0 }))).toBe(true);
    expect(meetsGoal(rec(1))).toBeUndefined();
    expect(verdict(rec(1, { op: '==', value: 2 }))).toBe('✗');
  });
});

describe('the printed table', () => {
  const records: BenchRecord[] = [
    { name: 'save_to_write.p50', value: 17.8, unit: 'ms', params: { saves: 200, files: 100 }, goal: { op: '<=', value: 50 } },
    { name: 'noop.writes', value: 0, unit: 'count', params: { passes: 100 }, goal: { op: '==', value: 0 } },
    { name: 'converge.all_synced_healthy_ms', value: 41478, unit: 'ms', params: { note: 'a|b' } },
  ];

  it('shows every figure with its goal, verdict and parameters', () => {
    const lines = formatTable(records).split('\n');
    expect(lines[0]).toMatch(/^figure\s+value\s+unit\s+goal\s+ok\s+parameters$/);
    expect(lines[2]).toMatch(/^save_to_write\.p50\s+17\.8\s+ms\s+<= 50\s+✓\s+saves=200 files=100$/);
    expect(lines[3]).toMatch(/noop\.writes\s+0\s+count\s+== 0\s+✓\s+passes=100$/);
    expect(lines[4]).toMatch(/converge\.all_synced_healthy_ms\s+41478\s+ms\s+note=a\|b$/);
  });

  it('escapes pipes in the Markdown version', () => {
    const md = formatMarkdown(records);
    expect(md).toContain('| `save_to_write.p50` | 17.8 | ms | <= 50 | ✓ | saves=200 files=100 |');
    expect(md).toContain('note=a\\|b');
  });
});
