// Which managed apps are prune candidates: the whole list, judged by the guard in one go.

import { describe, expect, it, vi } from 'vitest';
import type { AppId } from '../../src/model/app-id.js';
import { LABEL_SOURCE } from '../../src/model/labels.js';
import type { MarathonApp } from '../../src/model/marathon.js';
import { PruneCandidates, type DeclaredView } from '../../src/prune/candidates.js';
import { DEFAULT_PRUNE_GUARD, PruneGuard } from '../../src/prune/guard.js';
import { marathonApp } from '../helpers/builders.js';
import { recordingLogger } from '../helpers/log-lines.js';
import { flush, ManualClock } from '../helpers/manual-clock.js';

function setup(o: { enabled?: boolean; declared?: AppId[]; unreadableFiles?: string[]; allReady?: boolean; listed?: boolean; ours?: MarathonApp[] } = {}) {
  const clock = new ManualClock();
  const guard = new PruneGuard({ options: DEFAULT_PRUNE_GUARD, settleMs: 0, timers: clock, logger: recordingLogger().logger });
  guard.start();
  const observe = vi.spyOn(guard, 'observe');
  const declared = new Set(o.declared ?? []);
  const unreadable = new Set(o.unreadableFiles ?? []);
  const view: DeclaredView = {
    allReady: o.allReady ?? true,
    get: (id, label) => ({ kind: declared.has(id) ? 'app' : label !== undefined && unreadable.has(label) ? 'unknown' : 'absent' }),
  };
  const looked: AppId[] = [];
  const candidates = new PruneCandidates({
    guard,
    enabled: o.enabled ?? true,
    desired: { view: () => view },
    actual: { listed: o.listed ?? true, ours: () => o.ours ?? [] },
    look: (id) => looked.push(id),
  });
  return { guard, observe, candidates, looked };
}

const fleet = ['/a', '/b', '/c'].map((id) => marathonApp({ id }));

describe('PruneCandidates', () => {
  it('hands the guard every app of this installation no source declares, as one list with the managed count, then looks at each', () => {
    const t = setup({ ours: fleet, declared: ['/b'] });
    t.candidates.evaluate();
    expect(t.observe.mock.calls).toEqual([[['/a', '/c'], 3]]);
    expect(t.guard.status().candidates).toEqual(['/a', '/c']);
    expect(t.looked).toEqual(['/a', '/c']);
  });

  it('keeps an app whose source file cannot be read (its maracker.source label names it) out of the list', () => {
    const t = setup({
      ours: [marathonApp({ id: '/a', labels: { [LABEL_SOURCE]: 'broken.yaml' } }), marathonApp({ id: '/b' })],
      unreadableFiles: ['broken.yaml'],
    });
    t.candidates.evaluate();
    expect(t.observe.mock.calls).toEqual([[['/b'], 2]]);
  });

  it.each([
    ['a source is not Ready (its apps may still be declared there)', { allReady: false }],
    ['Marathon was never listed', { listed: false }],
    ['pruning is disabled', { enabled: false }],
  ])('hands an empty list when %s, and looks at nothing', (_why, o) => {
    const t = setup({ ours: fleet, ...o });
    t.candidates.evaluate();
    expect(t.observe.mock.calls).toEqual([[[], 3]]);
    expect(t.looked).toEqual([]);
  });

  it("evaluates once per burst of changes, after the tick's changes are in", async () => {
    const t = setup({ ours: fleet });
    t.candidates.evaluateSoon();
    t.candidates.evaluateSoon();
    t.candidates.evaluateSoon();
    expect(t.observe).not.toHaveBeenCalled();
    await flush();
    expect(t.observe).toHaveBeenCalledTimes(1);
    t.candidates.evaluateSoon();
    await flush();
    expect(t.observe).toHaveBeenCalledTimes(2);
  });

  it('drops an evaluation scheduled before it stopped', async () => {
    const t = setup({ ours: fleet });
    t.candidates.evaluateSoon();
    t.candidates.stop();
    await flush();
    expect(t.observe).not.toHaveBeenCalled();
    expect(t.looked).toEqual([]);
  });
});
