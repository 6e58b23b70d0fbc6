import { describe, expect, it } from 'vitest';
import { createDaemonMetrics } from '../../src/status/daemon-metrics.js';
import { parseExposition, sampleValue } from './exposition.js';

const nextTurns = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('process metrics', () => {
  it('are exposed under their standard names when asked, beside maracker_*, and not otherwise', async () => {
    const families = parseExposition(await createDaemonMetrics({ processMetrics: true }).render());
    expect(families.get('process_cpu_seconds_total')?.type).toBe('counter');
    expect(families.get('process_start_time_seconds')?.type).toBe('gauge');
    expect(families.get('process_resident_memory_bytes')?.type).toBe('gauge');
    expect(families.get('nodejs_heap_size_used_bytes')?.type).toBe('gauge');
    expect(families.get('nodejs_gc_duration_seconds')?.type).toBe('histogram');
    for (const stat of ['', 'min_', 'max_', 'mean_', 'stddev_', 'p50_', 'p90_', 'p99_']) {
      expect(families.get(`nodejs_eventloop_lag_${stat}seconds`)?.type, stat).toBe('gauge');
    }
    expect(sampleValue(families, 'maracker_queue_depth')).toBeUndefined();
    expect(families.get('maracker_reconciles_total')?.type).toBe('counter');

    const plain = parseExposition(await createDaemonMetrics().render());
    expect([...plain.keys()].filter((name) => !name.startsWith('maracker_'))).toEqual([]);
  });

  it('are collected once per process: every daemon registry holds the same metrics, and each its own maracker_*', () => {
    const a = createDaemonMetrics({ processMetrics: true });
    const b = createDaemonMetrics({ processMetrics: true });
    expect(a.registry).not.toBe(b.registry);
    expect(a.registry.getSingleMetric('nodejs_eventloop_lag_p99_seconds')).toBeDefined();
    expect(a.registry.getSingleMetric('nodejs_eventloop_lag_p99_seconds')).toBe(b.registry.getSingleMetric('nodejs_eventloop_lag_p99_seconds'));
    expect(a.registry.getSingleMetric('maracker_reconciles_total')).not.toBe(b.registry.getSingleMetric('maracker_reconciles_total'));
  });

  it('show an event loop held up since the previous scrape', async () => {
    const m = createDaemonMetrics({ processMetrics: true });
    await m.render();
    // The scrape restarted the histogram, whose first tick after that only takes its mark.
    await nextTurns(30);
    // A pass that holds the loop: no timer runs for at least 200 ms.
    const until = performance.now() + 200;
    while (performance.now() < until);
    await nextTurns(30);
    const f = parseExposition(await m.render());
    expect(sampleValue(f, 'nodejs_eventloop_lag_max_seconds')).toBeGreaterThanOrEqual(0.15);
    expect(sampleValue(f, 'nodejs_eventloop_lag_p50_seconds')).toBeLessThanOrEqual(sampleValue(f, 'nodejs_eventloop_lag_max_seconds') as number);
  });

  it('leave nothing that keeps the process alive', async () => {
    const count = (): Map<string, number> => {
      const n = new Map<string, number>();
      for (const kind of process.getActiveResourcesInfo()) n.set(kind, (n.get(kind) ?? 0) + 1);
      return n;
    };
    const before = count();
    const daemons = [createDaemonMetrics({ processMetrics: true }), createDaemonMetrics({ processMetrics: true })];
    for (const m of daemons) await m.render();
    await nextTurns(30);
    // The event-loop sampler's timer is unref'd, a GC observer is no handle, and the scrape's
    // setImmediate has run: no kind of resource that holds the loop has grown.
    const grown = [...count()].filter(([kind, n]) => n > (before.get(kind) ?? 0));
    expect(grown).toEqual([]);
  });
});
