import { describe, expect, it } from 'vitest';
import { batches } from '../../src/base/batches.js';

describe('batches', () => {
  it('cuts in order by size, an item over the limit alone', () => {
    expect(batches([5, 5, 5, 20, 1], (n) => n, 10)).toEqual([[5, 5], [5], [20], [1]]);
    expect(batches([], (n: number) => n, 10)).toEqual([]);
  });

  it('cuts by count too when asked', () => {
    expect(batches([1, 1, 1, 1, 1], (n) => n, 10, 2)).toEqual([[1, 1], [1, 1], [1]]);
    expect(batches([1, 9, 1, 1], (n) => n, 10, 3)).toEqual([
      [1, 9],
      [1, 1],
    ]);
  });
});
