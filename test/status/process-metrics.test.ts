import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createDaemonMetrics } from '../../src/status/daemon-metrics.js';
import { parseExposition, sampleValue } from './exposition.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VITE_NODE = fileURLToPath(new URL('../../node_modules/vite-node/vite-node.mjs', import.meta.url));
const CHILD = fileURLToPath(new URL('./process-metrics.child.ts', import.meta.url));
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
    // In a process of its own: this worker's handles (vitest's pipes and timers) would hide one.
    const child = spawn(process.execPath, [VITE_NODE, CHILD], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    onTestFinished(() => void child.kill('SIGKILL'));
    // The test's own timeout is the deadline: a child held open never exits.
    expect(await exited, out).toBe(0);
    expect(out).toContain('scraped');
  }, 30_000);
});
