import { describe, expect, it } from 'vitest';
import { goneDecision, settleDecision, type SettleInput } from '../../src/sources/settle.js';

const NOW = 1_000_000;
const WALL = 1_700_000_000_000;

function input(over: Partial<SettleInput> = {}): SettleInput {
  return {
    stamp: { kind: 'file', size: 120, mtimeMs: WALL - 10, ctimeMs: WALL - 10, ino: 7 },
    now: NOW,
    wallNow: WALL,
    settleMs: 250,
    ...over,
  };
}

describe('settleDecision', () => {
  it('reads an atomic save at once: a new inode, and no in-place write seen', () => {
    expect(settleDecision(input({ previousIno: 6, activity: { lastEventAt: NOW - 5, modified: false } }))).toEqual({ kind: 'read', verify: 'fast' });
  });

  it('reads a new file that appeared by rename at once', () => {
    expect(settleDecision(input({ activity: { lastEventAt: NOW, modified: false } }))).toEqual({ kind: 'read', verify: 'fast' });
  });

  it('waits for a file written in place, however complete it looks', () => {
    expect(settleDecision(input({ previousIno: 6, activity: { lastEventAt: NOW - 5, modified: true } }))).toEqual({ kind: 'wait', ms: 250 });
  });

  it('waits for a rewrite that kept the inode (truncate and write), even without an in-place event', () => {
    expect(settleDecision(input({ previousIno: 7, activity: { lastEventAt: NOW - 5, modified: false } }))).toMatchObject({ kind: 'wait' });
  });

  it('never takes an empty file as an atomic save: a truncation comes before the writes', () => {
    const stamp = { kind: 'file' as const, size: 0, mtimeMs: WALL, ctimeMs: WALL, ino: 9 };
    expect(settleDecision(input({ stamp, previousIno: 6, activity: { lastEventAt: NOW, modified: false } }))).toMatchObject({ kind: 'wait' });
  });

  it('reads once quiet for the window and seen unchanged for the window', () => {
    const activity = { lastEventAt: NOW - 300, modified: true };
    expect(settleDecision(input({ activity, stableSince: NOW - 260 }))).toEqual({ kind: 'read', verify: 'stable' });
  });

  it('waits out the rest of the window when the file was seen unchanged for only part of it', () => {
    const activity = { lastEventAt: NOW - 300, modified: true };
    expect(settleDecision(input({ activity, stableSince: NOW - 100 }))).toEqual({ kind: 'wait', ms: 150 });
  });

  it('waits for quiet even when the stamp looked stable: events say it is still being touched', () => {
    const activity = { lastEventAt: NOW - 20, modified: true };
    expect(settleDecision(input({ activity, stableSince: NOW - 1000 }))).toEqual({ kind: 'wait', ms: 230 });
  });

  it('without events (a rescan), reads a file whose times are older than the window', () => {
    const stamp = { kind: 'file' as const, size: 120, mtimeMs: WALL - 5000, ctimeMs: WALL - 5000, ino: 7 };
    expect(settleDecision(input({ stamp, previousIno: 7 }))).toEqual({ kind: 'read', verify: 'stable' });
  });

  it('without events, waits for a file touched within the window', () => {
    const stamp = { kind: 'file' as const, size: 120, mtimeMs: WALL - 100, ctimeMs: WALL - 100, ino: 7 };
    expect(settleDecision(input({ stamp, previousIno: 7 }))).toEqual({ kind: 'wait', ms: 150 });
  });

  it("takes a change time in the future (another host's clock) as just now", () => {
    const stamp = { kind: 'file' as const, size: 120, mtimeMs: WALL + 60_000, ctimeMs: WALL + 60_000, ino: 7 };
    expect(settleDecision(input({ stamp, previousIno: 7 }))).toEqual({ kind: 'wait', ms: 250 });
  });
});

describe('goneDecision', () => {
  it('waits a whole window for a file first seen missing now', () => {
    expect(goneDecision({ now: NOW, settleMs: 250 })).toEqual({ kind: 'wait', ms: 250 });
  });

  it('waits for what is left of the window since it was first seen missing', () => {
    expect(goneDecision({ goneSince: NOW - 100, now: NOW, settleMs: 250 })).toEqual({ kind: 'wait', ms: 150 });
  });

  it('takes it as gone once missing for the window, with no event since', () => {
    expect(goneDecision({ goneSince: NOW - 250, now: NOW, settleMs: 250 })).toEqual({ kind: 'gone' });
    expect(goneDecision({ goneSince: NOW - 900, activity: { lastEventAt: NOW - 300, modified: false }, now: NOW, settleMs: 250 })).toEqual({ kind: 'gone' });
  });

  it('waits while the watcher still reports the path (deleted, created, deleted again)', () => {
    expect(goneDecision({ goneSince: NOW - 900, activity: { lastEventAt: NOW - 20, modified: false }, now: NOW, settleMs: 250 })).toEqual({
      kind: 'wait',
      ms: 230,
    });
  });

  it('applies a deletion at once with a window of 0', () => {
    expect(goneDecision({ now: NOW, settleMs: 0 })).toEqual({ kind: 'gone' });
  });
});
