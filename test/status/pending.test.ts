import { describe, expect, it } from 'vitest';
import { PENDING_VALUE_MAX, pendingDiff } from '../../src/status/pending.js';

describe('pendingDiff: the pending changes, old → new, as plan shows them', () => {
  it('formats values as maracker plan does, with (unset) for a field added or removed', () => {
    expect(
      pendingDiff([
        { path: 'instances', before: 1, after: 3 },
        { path: 'container.docker.image', before: 'web:1', after: 'web:2' },
        { path: 'labels.team', before: undefined, after: 'mip' },
        { path: 'constraints', before: [['hostname', 'UNIQUE']], after: undefined },
      ]),
    ).toEqual([
      { path: 'instances', before: '1', after: '3' },
      { path: 'container.docker.image', before: '"web:1"', after: '"web:2"' },
      { path: 'labels.team', before: '(unset)', after: '"mip"' },
      { path: 'constraints', before: '[["hostname","UNIQUE"]]', after: '(unset)' },
    ]);
  });

  it('names a changed environment variable but hides its values (status readers are not the manifest writers)', () => {
    expect(pendingDiff([{ path: 'env.DB_PASSWORD', before: 'old-secret', after: 'new-secret' }])).toEqual([
      { path: 'env.DB_PASSWORD', before: '(hidden)', after: '(hidden)' },
    ]);
    expect(pendingDiff([{ path: 'env.NEW', before: undefined, after: 'x' }])).toEqual([{ path: 'env.NEW', before: '(unset)', after: '(hidden)' }]);
  });

  it('cuts a long value short', () => {
    const [change] = pendingDiff([{ path: 'cmd', before: 'a'.repeat(1000), after: 'b' }]);
    expect(change?.before).toHaveLength(PENDING_VALUE_MAX);
    expect(change?.before.endsWith('…')).toBe(true);
  });
});
