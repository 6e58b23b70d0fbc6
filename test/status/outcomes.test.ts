import { describe, expect, it } from 'vitest';
import { OUTCOME_LIMIT, OUTCOME_MESSAGE_MAX, OutcomeLog, type OutcomeInput, summariseChanges } from '../../src/status/outcomes.js';

const T = (s: number) => new Date(Date.UTC(2026, 2, 2, 8, 0, s)).toISOString();
const ok = (n: number): OutcomeInput => ({ action: 'scale', result: 'ok', deploymentId: `dep-${n}`, changes: [`instances: ${n - 1} → ${n}`] });
const refused: OutcomeInput = { action: 'update', result: 'rejected', code: 'MRK_MARATHON_REJECTED', message: 'Object is not valid' };
const unavailable = (message: string): OutcomeInput => ({ action: 'update', result: 'failed', code: 'MRK_MARATHON_UNAVAILABLE', message });
const slot: OutcomeInput = { action: 'create', result: 'waiting', code: 'deployment-slot', message: 'waiting for a deployment slot (4 of 4 in use)' };
const synced: OutcomeInput = { action: 'none', result: 'synced' };

describe('OutcomeLog', () => {
  it('keeps the newest entries first, and no more than its limit', () => {
    const log = new OutcomeLog(3);
    for (let n = 1; n <= 5; n++) expect(log.add(ok(n), T(n))).toBe(true);
    expect(log.entries().map((e) => e.deploymentId)).toEqual(['dep-5', 'dep-4', 'dep-3']);
    expect(log.entries()[0]).toEqual({ at: T(5), lastAt: T(5), count: 1, action: 'scale', result: 'ok', deploymentId: 'dep-5', changes: ['instances: 4 → 5'] });
    expect(new OutcomeLog().entries()).toEqual([]);
    expect(OUTCOME_LIMIT).toBe(10);
  });

  it('counts a failure repeated on one entry (first and last time), so a retry loop keeps the history before it', () => {
    const log = new OutcomeLog(3);
    log.add(ok(1), T(1));
    log.add(ok(2), T(2));
    for (let s = 10; s < 40; s++) expect(log.add(refused, T(s))).toBe(true);
    expect(log.entries()).toEqual([
      { at: T(10), lastAt: T(39), count: 30, ...refused },
      expect.objectContaining({ deploymentId: 'dep-2' }),
      expect.objectContaining({ deploymentId: 'dep-1' }),
    ]);
  });

  it('takes a coded failure with another message for the same one (the latest message kept), and an uncoded one only with the same message', () => {
    const log = new OutcomeLog();
    log.add(unavailable('503 from marathon-1'), T(1));
    log.add(unavailable('503 from marathon-2'), T(2));
    expect(log.entries()).toEqual([{ at: T(1), lastAt: T(2), count: 2, ...unavailable('503 from marathon-2') }]);
    log.add({ action: 'read', result: 'failed', message: 'socket hang up' }, T(3));
    log.add({ action: 'read', result: 'failed', message: 'socket hang up' }, T(4));
    log.add({ action: 'read', result: 'failed', message: 'other' }, T(5));
    expect(log.entries().map((e) => [e.message, e.count])).toEqual([
      ['other', 1],
      ['socket hang up', 2],
      ['503 from marathon-2', 2],
    ]);
  });

  it('records a state (blocked, waiting) when it begins: repeating it changes nothing', () => {
    const log = new OutcomeLog();
    expect(log.add(slot, T(1))).toBe(true);
    expect(log.add({ ...slot, message: 'waiting for a deployment slot (2 of 2 in use)' }, T(2))).toBe(false);
    const held: OutcomeInput = { action: 'none', result: 'blocked', message: 'source folder cannot be read' };
    expect(log.add(held, T(3))).toBe(true);
    expect(log.add(held, T(4))).toBe(false);
    expect(log.entries()).toEqual([
      { at: T(3), lastAt: T(3), count: 1, ...held },
      { at: T(1), lastAt: T(1), count: 1, ...slot },
    ]);
  });

  it('records "synced" only as the end of a failure, block or wait: never for an app always in sync, nor after an accepted write', () => {
    const log = new OutcomeLog();
    expect(log.add(synced, T(1)), 'nothing before').toBe(false);
    log.add(ok(1), T(2));
    expect(log.add(synced, T(3)), 'after a write').toBe(false);
    log.add(refused, T(4));
    expect(log.add(synced, T(5)), 'after a rejection').toBe(true);
    expect(log.add(synced, T(6)), 'every pass after').toBe(false);
    expect(log.entries().map((e) => e.result)).toEqual(['synced', 'rejected', 'ok']);
  });

  it('bounds what one entry holds: a long message is cut, the changes are summarised', () => {
    const log = new OutcomeLog();
    const lines = Array.from({ length: 8 }, (_, i) => `env.VAR_${i}: (hidden) → (hidden)`);
    log.add({ ...refused, message: 'x'.repeat(5000), changes: lines }, T(1));
    const [entry] = log.entries();
    expect(entry?.message).toHaveLength(OUTCOME_MESSAGE_MAX);
    expect(entry?.message?.endsWith('…')).toBe(true);
    expect(entry?.changes).toEqual([...lines.slice(0, 5), '(3 more)']);
    expect(summariseChanges([`cmd: "${'a'.repeat(300)}" → "b"`])[0]).toHaveLength(120);
  });

  it('checks its limit', () => {
    expect(() => new OutcomeLog(0)).toThrow('Expected `limit` to be an integer from 1 and up, got `0`');
  });
});
