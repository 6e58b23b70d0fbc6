// Marathon's reachability: one small object that every read reports to.

import { describe, expect, it } from 'vitest';
import { MarathonReachability } from '../../src/reconcile/marathon-reachability.js';
import { StatusStore } from '../../src/status/store.js';
import { FakeMarathonError } from '../helpers/fake-marathon.js';
import { recordingLogger } from '../helpers/log-lines.js';
import { ManualClock } from '../helpers/manual-clock.js';

function setup() {
  const clock = new ManualClock();
  const status = new StatusStore({ instance: 't', marathonUrl: 'http://marathon' });
  const log = recordingLogger();
  const reachability = new MarathonReachability({ url: 'http://marathon', status, timers: clock, logger: log.logger });
  let known = 0;
  reachability.onKnown(() => known++);
  return { clock, status, log, reachability, known: () => known };
}

const down = new FakeMarathonError('MRK_MARATHON_CONNECTION', 'connect ECONNREFUSED');

describe('MarathonReachability', () => {
  it('is unknown until Marathon answers, and the status shows it neither reachable nor failing', () => {
    const { reachability, status, known } = setup();
    expect(reachability.known).toBe(false);
    expect(status.marathon).toEqual({ url: 'http://marathon', reachable: false, lastReadAt: null, lastError: null });
    expect(known()).toBe(0);
  });

  it('records each answer with its time, and tells its listener only when Marathon becomes known', () => {
    const { reachability, status, clock, known } = setup();
    reachability.answered();
    clock.advance(1000);
    reachability.answered();
    expect(reachability.known).toBe(true);
    expect(status.marathon).toEqual({ url: 'http://marathon', reachable: true, lastReadAt: '2026-03-02T08:00:01.000Z', lastError: null });
    expect(known()).toBe(1);
  });

  it('says a failure is news when Marathon answered before or never failed, not at each retry of an outage', () => {
    const { reachability } = setup();
    expect(reachability.failed(down)).toBe(true);
    expect(reachability.failed(down)).toBe(false);
    reachability.answered();
    expect(reachability.failed(down)).toBe(true);
  });

  it('keeps the time of the last answer while Marathon fails, with the failure as lastError', () => {
    const { reachability, status, clock } = setup();
    reachability.answered();
    clock.advance(5000);
    reachability.failed(down);
    expect(reachability.known).toBe(false);
    expect(status.marathon).toEqual({
      url: 'http://marathon',
      reachable: false,
      lastReadAt: '2026-03-02T08:00:00.000Z',
      lastError: { code: 'MRK_MARATHON_CONNECTION', message: 'connect ECONNREFUSED' },
    });
  });

  it('logs "reachable again" once per outage, and tells its listener Marathon is back', () => {
    const { reachability, log, known } = setup();
    reachability.answered();
    reachability.failed(down);
    reachability.failed(down);
    reachability.answered();
    reachability.answered();
    expect(log.messages()).toEqual(['Marathon reachable again']);
    expect(known()).toBe(2);
  });

  it('says nothing about a first answer, unless reads failed before it (a daemon started while Marathon was down)', () => {
    const first = setup();
    first.reachability.answered();
    expect(first.log.messages()).toEqual([]);
    const late = setup();
    late.reachability.failed(down);
    late.reachability.answered();
    expect(late.log.messages()).toEqual(['Marathon reachable again']);
  });
});
