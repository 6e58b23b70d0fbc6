// The heap's growth bound, set once start-up is over: the flag V8 reads, unless the operator
// gave node one of their own.

import { describe, expect, it } from 'vitest';
import { HEAP_GROWTH_PERCENT, limitHeapGrowth } from '../../src/base/heap-growth.js';

describe('limitHeapGrowth', () => {
  it('sets V8 --heap-growing-percent', () => {
    const set: string[] = [];
    expect(limitHeapGrowth(HEAP_GROWTH_PERCENT, [], (f) => set.push(f))).toBe(true);
    expect(set).toEqual(['--heap-growing-percent=20']);
  });

  it("leaves an operator's own flag alone, spelt with dashes or underscores", () => {
    for (const given of ['--heap-growing-percent=50', '--heap_growing_percent=0', '--heap-growing-percent']) {
      const set: string[] = [];
      expect(limitHeapGrowth(HEAP_GROWTH_PERCENT, ['--enable-source-maps', given], (f) => set.push(f))).toBe(false);
      expect(set).toEqual([]);
    }
    // A flag of another name is not it.
    expect(limitHeapGrowth(HEAP_GROWTH_PERCENT, ['--heap-growing-percentage=5'], () => undefined)).toBe(true);
  });

  it('refuses a bound that is no whole percentage', () => {
    for (const bad of [0, -5, 1.5, Number.NaN]) expect(() => limitHeapGrowth(bad, [], () => undefined)).toThrow(TypeError);
  });
});
