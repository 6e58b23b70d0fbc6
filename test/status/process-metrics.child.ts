// Run alone by process-metrics.test.ts: two daemons' metrics with the process metrics, each
// scraped once, then nothing. The process must then end by itself: nothing the process
// metrics started (the event-loop sampler, the GC observer) may hold it open.

import { createDaemonMetrics } from '../../src/status/daemon-metrics.js';

const daemons = [createDaemonMetrics({ processMetrics: true }), createDaemonMetrics({ processMetrics: true })];
for (const m of daemons) {
  const text = await m.render();
  if (!text.includes('\n# TYPE nodejs_eventloop_lag_p99_seconds gauge\n')) throw new Error('no event-loop lag in the exposition');
}
process.stdout.write('scraped\n');
