// The scenario both ledgers (database, file) must pass: a guard deletes its budget of five,
// stops, and a guard started 20 minutes later on the same ledger reads them back and holds a
// sixth deletion (blocked, 5 of 5 used). Returns the clock and the second guard, still
// running, for what the caller checks next.

import { expect } from 'vitest';
import { DEFAULT_PRUNE_GUARD, PruneGuard } from '../../src/prune/guard.js';
import type { PruneLedger } from '../../src/prune/ledger.js';
import { recordingLogger } from '../helpers/log-lines.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { until } from '../helpers/postgres.js';

export async function restartedGuardHolds(ledger: () => PruneLedger): Promise<{ clock: ManualClock; guard: () => PruneGuard; second: PruneGuard }> {
  const clock = new ManualClock();
  const guard = (): PruneGuard => new PruneGuard({ options: DEFAULT_PRUNE_GUARD, timers: clock, logger: recordingLogger().logger, ledger: ledger() });

  const first = guard();
  first.start();
  await until(() => first.status().budget.loaded, 'the history read');
  first.observe(['/a', '/b', '/c', '/d', '/e'], 40);
  clock.advance(2000);
  for (const id of ['/a', '/b', '/c', '/d', '/e']) {
    expect(first.decide(id)).toEqual({ kind: 'delete' });
    first.deleted(id);
  }
  await first.stop();

  clock.advance(20 * 60_000);
  const second = guard();
  second.start();
  await until(() => second.status().budget.loaded, 'the history read back');
  second.observe(['/f'], 35);
  clock.advance(2000);
  expect(second.decide('/f')).toMatchObject({ kind: 'held', reason: 'blocked' });
  return { clock, guard, second };
}
