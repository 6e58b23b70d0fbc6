// The periodic resync: jittered, coalesced, and never held by a source whose read hangs.

import { describe, expect, it } from 'vitest';
import { Resync, type ResyncDeps } from '../../src/reconcile/resync.js';
import { recordingLogger } from '../helpers/log-lines.js';
import { flush, ManualClock } from '../helpers/manual-clock.js';
import { MemorySource } from '../helpers/memory-source.js';

function setup(o: Partial<Pick<ResyncDeps, 'intervalMs' | 'sourceReadTimeoutMs' | 'random'>> & { sources?: MemorySource[] } = {}) {
  const clock = new ManualClock();
  const sources = o.sources ?? [new MemorySource('folder')];
  const log = recordingLogger();
  /** What happened, in order: "read <source>" for each re-read, "pass <reason>" for each pass. */
  const events: string[] = [];
  const resynced: Array<[number, boolean]> = [];
  let hold: Promise<void> | undefined;
  let answer = true;
  for (const s of sources) {
    const read = s.resync.bind(s);
    s.resync = () => {
      events.push(`read ${s.name}`);
      return read();
    };
  }
  const resync = new Resync({
    sources,
    intervalMs: o.intervalMs ?? 10_000,
    ...(o.sourceReadTimeoutMs !== undefined ? { sourceReadTimeoutMs: o.sourceReadTimeoutMs } : {}),
    pass: async (reason) => {
      events.push(`pass ${reason}`);
      if (hold) await hold;
      return answer;
    },
    resynced: (ms, ok) => resynced.push([ms, ok]),
    timers: clock,
    random: o.random ?? (() => 0.5),
    logger: log.logger,
  });
  return {
    clock,
    sources,
    log,
    events,
    resynced,
    resync,
    /** Holds every pass until the returned function is called. */
    holdPasses(): () => void {
      let release: () => void = () => undefined;
      hold = new Promise<void>((r) => (release = r));
      return () => {
        hold = undefined;
        release();
      };
    },
    marathonDown(): void {
      answer = false;
    },
    async advance(ms: number): Promise<void> {
      clock.advance(ms);
      await flush();
    },
  };
}

describe('Resync', () => {
  it('does nothing before it is started', async () => {
    const t = setup();
    await t.advance(3_600_000);
    expect(t.events).toEqual([]);
  });

  it.each([
    [0, 9000],
    [0.5, 10_000],
    [0.999, 10_998],
  ])('with random %s, resyncs %i ms after start, then again as long after each pass', async (random, after) => {
    const t = setup({ random: () => random });
    t.resync.start();
    await t.advance(after - 1);
    expect(t.events).toEqual([]);
    await t.advance(1);
    expect(t.events).toEqual(['read folder', 'pass periodic']);
    await t.advance(after - 1);
    expect(t.events).toHaveLength(2);
    await t.advance(1);
    expect(t.events).toEqual(['read folder', 'pass periodic', 'read folder', 'pass periodic']);
  });

  it('re-reads every source before the pass', async () => {
    const t = setup({ sources: [new MemorySource('folder'), new MemorySource('database')] });
    await t.resync.run('test');
    expect(t.events).toEqual(['read folder', 'read database', 'pass test']);
  });

  it('coalesces: asked again while a pass runs, it runs once more after it, however often asked', async () => {
    const t = setup();
    const release = t.holdPasses();
    const first = t.resync.run('first');
    await flush();
    const second = t.resync.run('gap');
    const third = t.resync.run('became leader');
    expect(second).toBe(first);
    expect(third).toBe(first);
    release();
    await first;
    // The second round runs with the reason of the first: it is the same resync, once more.
    expect(t.events).toEqual(['read folder', 'pass first', 'read folder', 'pass first']);
    await t.resync.run('later');
    expect(t.events.slice(4)).toEqual(['read folder', 'pass later']);
  });

  it('does not let a source whose read hangs hold the pass beyond the deadline, and says which', async () => {
    const folder = new MemorySource('folder');
    const database = new MemorySource('database');
    const t = setup({ sources: [folder, database], sourceReadTimeoutMs: 5000 });
    folder.hangResyncs = true;
    const done = t.resync.run('test');
    await flush();
    expect(t.events).toEqual(['read folder', 'read database']);
    await t.advance(4999);
    expect(t.events).toEqual(['read folder', 'read database']);
    await t.advance(1);
    await done;
    expect(t.events).toEqual(['read folder', 'read database', 'pass test']);
    expect(t.log.lines().filter((l) => l.level === 50)).toEqual([
      expect.objectContaining({ source: 'folder', deadlineMs: 5000, msg: 'source folder did not finish reading within 5 s: going on with what it last read' }),
    ]);
  });

  it('reports how long each pass took and whether Marathon answered', async () => {
    const t = setup({ sourceReadTimeoutMs: 2000 });
    (t.sources[0] as MemorySource).hangResyncs = true;
    const done = t.resync.run('test');
    await t.advance(2000);
    await done;
    t.marathonDown();
    (t.sources[0] as MemorySource).hangResyncs = false;
    await t.resync.run('test');
    expect(t.resynced).toEqual([
      [2000, true],
      [0, false],
    ]);
  });

  it('stops: no periodic resync after stop, and a pass asked for meanwhile does not run again', async () => {
    const t = setup();
    t.resync.start();
    const release = t.holdPasses();
    await t.advance(10_000);
    void t.resync.run('gap');
    t.resync.stop();
    release();
    await flush();
    await t.advance(60_000);
    expect(t.events).toEqual(['read folder', 'pass periodic']);
    expect(t.clock.pending).toBe(0);
  });

  it('checks its options', () => {
    const base = { sources: [], pass: async () => true, timers: new ManualClock(), random: () => 0.5, logger: recordingLogger().logger };
    expect(() => new Resync({ ...base, intervalMs: 0 })).toThrow('Expected `intervalMs` to be a number above 0, got `0`');
    expect(() => new Resync({ ...base, intervalMs: 1000, sourceReadTimeoutMs: Number.NaN })).toThrow(
      'Expected `sourceReadTimeoutMs` to be a number above 0, got `NaN`',
    );
  });
});
