// What the app page makes of an app's recent outcomes, without a browser: defensive reading
// and the words and times it shows. The browser suite (dashboard.test.ts) shows them live.

import { describe, expect, it } from 'vitest';
import { absoluteTime, actionText, readOutcomes, relativeTime, resultText } from '../../src/ui/outcomes.js';

const AT = '2026-03-02T08:03:11.000Z';
const NOW = Date.parse(AT);

describe('readOutcomes', () => {
  it('reads the outcomes of an app reply, newest first as sent', () => {
    const outcomes = readOutcomes({
      id: '/demo/web',
      outcomes: [
        { at: AT, lastAt: AT, count: 1, action: 'scale', result: 'ok', deploymentId: 'dep-2', version: 'v2', changes: ['instances: 1 → 2'] },
        {
          at: '2026-03-02T08:02:40.000Z',
          lastAt: '2026-03-02T08:02:46.000Z',
          count: 3,
          action: 'scale',
          result: 'failed',
          code: 'MRK_MARATHON_SERVER_ERROR',
          message: '503',
        },
      ],
    });
    expect(outcomes).toEqual([
      {
        at: AT,
        lastAt: AT,
        count: 1,
        action: 'scale',
        result: 'ok',
        deploymentId: 'dep-2',
        version: 'v2',
        code: null,
        message: null,
        changes: ['instances: 1 → 2'],
      },
      {
        at: '2026-03-02T08:02:40.000Z',
        lastAt: '2026-03-02T08:02:46.000Z',
        count: 3,
        action: 'scale',
        result: 'failed',
        deploymentId: null,
        version: null,
        code: 'MRK_MARATHON_SERVER_ERROR',
        message: '503',
        changes: [],
      },
    ]);
  });

  it('tells a daemon without outcomes (null) from an app without any ([]), and survives mistyped entries', () => {
    expect(readOutcomes({ id: '/demo/web' })).toBeNull();
    expect(readOutcomes(null)).toBeNull();
    expect(readOutcomes({ outcomes: [] })).toEqual([]);
    const read = readOutcomes({ outcomes: ['junk', { at: 'yesterday' }, { at: AT, count: -2, lastAt: 7, changes: [1, 'a: 1 → 2'], result: 'exploded' }] });
    expect(read).toEqual([
      { at: AT, lastAt: AT, count: 1, action: 'none', result: 'exploded', deploymentId: null, version: null, code: null, message: null, changes: ['a: 1 → 2'] },
    ]);
  });
});

describe('the words and times shown', () => {
  it('puts results and actions in words, showing unknown ones as they are', () => {
    expect(['ok', 'failed', 'rejected', 'blocked', 'waiting', 'synced', 'new-one'].map(resultText)).toEqual([
      'OK',
      'Failed',
      'Rejected',
      'Blocked',
      'Waiting',
      'In sync',
      'new-one',
    ]);
    expect(['update', 'restart', 'read', 'none', 'teleport'].map(actionText)).toEqual([
      'update (restart)',
      'restart (tasks of an older configuration)',
      'read from Marathon',
      'no write',
      'teleport',
    ]);
  });

  it('says how long ago, and the exact time in UTC', () => {
    expect([-5_000, 0, 9_999, 42_000, 5 * 60_000, 3 * 3_600_000, 2 * 86_400_000].map((ago) => relativeTime(AT, NOW + ago))).toEqual([
      'just now',
      'just now',
      'just now',
      '42 s ago',
      '5 min ago',
      '3 h ago',
      '2 d ago',
    ]);
    expect(relativeTime('garbage', NOW)).toBe('just now');
    expect(absoluteTime(AT)).toBe('2026-03-02 08:03:11 UTC');
    expect(absoluteTime('garbage')).toBe('garbage');
  });
});
