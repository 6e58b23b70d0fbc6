// resync-30k's growth ratios: a figure at 30,000 apps over the same figure at 10,000 apps,
// only when both were measured in the same bench run.

import { describe, expect, it } from 'vitest';
import type { BenchRecord } from '../../bench/record.js';
import { resyncGrowth } from '../../bench/resync.js';

const figure = (name: string, value: number, unit: BenchRecord['unit'] = 'ms'): BenchRecord => ({ name, value, unit, params: { apps: 1 } });

describe('resyncGrowth', () => {
  it('divides each 30,000-app figure by its 10,000-app namesake of the same run', () => {
    const ratios = resyncGrowth(
      [figure('resync_30k.noop.pass_cpu_ms', 3300), figure('resync_30k.startup.peak_rss_mib', 600, 'MiB')],
      [figure('noop.pass_cpu_ms', 1100), figure('startup.peak_rss_mib', 300, 'MiB')],
    );
    expect(ratios).toEqual([
      expect.objectContaining({
        name: 'resync_30k.growth.noop.pass_cpu_ms',
        value: 3,
        unit: 'ratio',
        params: expect.objectContaining({ at_10k: 1100, at_30k: 3300 }),
      }),
      expect.objectContaining({ name: 'resync_30k.growth.startup.peak_rss_mib', value: 2, unit: 'ratio' }),
    ]);
  });

  it('gives no ratio for counts, which are checked, nor for a figure resync did not measure', () => {
    const ratios = resyncGrowth(
      [figure('resync_30k.noop.writes', 0, 'count'), figure('resync_30k.resync.writes', 100, 'count'), figure('resync_30k.noop.pass_cpu_ms', 3300)],
      [figure('noop.writes', 0, 'count'), figure('resync.writes', 100, 'count')],
    );
    expect(ratios).toEqual([]);
  });

  it('gives none when resync did not run in the same invocation', () => {
    expect(resyncGrowth([figure('resync_30k.noop.pass_cpu_ms', 3300)], [])).toEqual([]);
  });
});
