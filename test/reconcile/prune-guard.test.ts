import { describe, expect, it } from 'vitest';
import { DEFAULT_PRUNE_GUARD, judgePrune, pruneLimit, PruneGuard } from '../../src/reconcile/prune-guard.js';

const ids = (n: number, prefix = '/app') => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);

describe('prune guard', () => {
  it('allows max(5 apps, 10% of managed apps) per pass', () => {
    expect(pruneLimit(10, DEFAULT_PRUNE_GUARD)).toBe(5);
    expect(pruneLimit(200, DEFAULT_PRUNE_GUARD)).toBe(20);
  });

  it('blocks a pass that would delete more, listing what it would delete', () => {
    const v = judgePrune(ids(6), 20, DEFAULT_PRUNE_GUARD, new Set());
    expect(v).toMatchObject({ blocked: true, limit: 5, overridden: false });
    expect(v.candidates).toEqual(ids(6));
  });

  it('lets an approved list through, but blocks again when the list grows', () => {
    const guard = new PruneGuard(DEFAULT_PRUNE_GUARD);
    expect(guard.evaluate(ids(8), 20).blocked).toBe(true);
    expect(guard.allows('/app000')).toBe(false);
    expect(guard.approveBlocked()).toEqual(ids(8));
    expect(guard.evaluate(ids(8), 20)).toMatchObject({ blocked: false, overridden: true });
    expect(guard.allows('/app000')).toBe(true);
    expect(guard.evaluate(ids(9), 20).blocked).toBe(true);
  });

  it('approves nothing when nothing is blocked', () => {
    const guard = new PruneGuard(DEFAULT_PRUNE_GUARD);
    guard.evaluate(ids(2), 20);
    expect(guard.approveBlocked()).toEqual([]);
    expect(guard.allows('/app001')).toBe(true);
    expect(guard.allows('/other')).toBe(false);
  });

  it('never blocks when disabled by flag, but says the deletes were overridden', () => {
    expect(judgePrune(ids(50), 50, { ...DEFAULT_PRUNE_GUARD, disabled: true }, new Set())).toMatchObject({ blocked: false, overridden: true });
  });
});
