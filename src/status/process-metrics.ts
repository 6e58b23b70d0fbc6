// The process's own metrics: CPU, memory, file descriptors, handles, heap, garbage collection
// and event-loop lag, from prom-client's collectDefaultMetrics. A 10,000-app pass can hold the
// event loop for hundreds of ms; nodejs_eventloop_lag_* is what shows it.
//
// Standard names (process_*, nodejs_*), no `maracker_` prefix: they are what the Prometheus
// client conventions, the Go and Java clients and the usual Node.js dashboards query, and the
// scrape's `job` label already tells maracker's process from others. `maracker_` stays the
// namespace of what maracker itself does.
//
// They describe the process, not a daemon, so they are collected once per process and the
// same metric objects are registered in every daemon's registry. Not once per daemon, because
// collectDefaultMetrics starts two samplers that prom-client gives no way to stop
// (siimon/prom-client#494): perf_hooks.monitorEventLoopDelay (a 10 ms timer) and a GC
// PerformanceObserver; a test process starting dozens of daemons would keep dozens of each.
// Neither holds the process open (the timer is unref'd, an observer is no handle), and
// everything else is read when scraped: no timer runs between scrapes, so a stopped daemon
// leaves nothing running of its own.
//
// The event-loop histogram restarts at each scrape: nodejs_eventloop_lag_{min,max,mean,
// stddev,p50,p90,p99}_seconds describe the delays since the previous scrape (by any daemon of
// the process, when there are several); nodejs_eventloop_lag_seconds is one setImmediate
// delay measured at a scrape and shown at the next.

import { collectDefaultMetrics, Registry, type Metric } from 'prom-client';

let shared: readonly Metric[] | undefined;

/** The process metrics, started on first use. */
function processMetrics(): readonly Metric[] {
  if (!shared) {
    const own = new Registry();
    collectDefaultMetrics({ register: own });
    shared = own.getMetricsAsArray() as unknown as Metric[];
  }
  return shared;
}

/** Adds the process metrics to `registry` (each daemon's); the samplers behind them start once per process. */
export function registerProcessMetrics(registry: Registry): void {
  for (const metric of processMetrics()) registry.registerMetric(metric);
}
