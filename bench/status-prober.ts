// A portal polling the daemon's status endpoint, in a process of its own so its latency is
// not the bench's or the sandbox's event loop: one loop asks GET /status/apps/{id} for a
// random app every `appEveryMs`, another GET /status (every app) every `statusEveryMs`, each
// over its own keep-alive connection; an interval of 0 leaves its loop out. The bench runs
// each loop in a prober of its own (bench/util.ts, startProber): reading an 8 MiB /status
// answer holds this process's event loop, which would delay the timing of the small answers.
// Latency is the wall time from sending the request to the last byte of the answer, on this
// process's clock. Driven over IPC by bench/resync.ts:
//   { cmd: 'start', appEveryMs, statusEveryMs } ... { cmd: 'stop' } -> samples.
//
// Run: node dist/bench/status-prober.js STATUS_URL APP_ID... (by the bench only)

import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface ProbeSamples {
  app: number[];
  status: number[];
  errors: string[];
  statusBytes: number;
}

export type ProberRequest = { cmd: 'start'; appEveryMs: number; statusEveryMs: number } | { cmd: 'stop' };

function get(agent: Agent, url: string): Promise<{ ms: number; bytes: number; status: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    request(url, { agent }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ ms: performance.now() - t0, bytes, status: res.statusCode ?? 0 }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function loop(url: () => string, everyMs: number, out: number[], errors: string[], running: () => boolean, onBytes?: (n: number) => void): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    while (running()) {
      const started = performance.now();
      try {
        const r = await get(agent, url());
        if (r.status !== 200) errors.push(`HTTP ${r.status}`);
        else {
          out.push(r.ms);
          onBytes?.(r.bytes);
        }
      } catch (err) {
        errors.push(err instanceof Error ? err.message : String(err));
      }
      await sleep(Math.max(0, everyMs - (performance.now() - started)));
    }
  } finally {
    agent.destroy();
  }
}

const [base, ...ids] = process.argv.slice(2);
if (!base || ids.length === 0) {
  process.stderr.write('usage: status-prober STATUS_URL APP_ID...\n');
  process.exit(2);
}

let active: { stop: () => Promise<ProbeSamples> } | undefined;

process.on('message', (req: ProberRequest) => {
  if (req.cmd === 'start' && !active) {
    const samples: ProbeSamples = { app: [], status: [], errors: [], statusBytes: 0 };
    let on = true;
    const loops = Promise.all([
      req.appEveryMs <= 0
        ? undefined
        : loop(
            () => `${base}/status/apps${ids[Math.floor(Math.random() * ids.length)]}`,
            req.appEveryMs,
            samples.app,
            samples.errors,
            () => on,
          ),
      req.statusEveryMs <= 0
        ? undefined
        : loop(
            () => `${base}/status`,
            req.statusEveryMs,
            samples.status,
            samples.errors,
            () => on,
            (n) => (samples.statusBytes = n),
          ),
    ]);
    active = {
      stop: async () => {
        on = false;
        await loops;
        return samples;
      },
    };
    process.send?.({ started: true });
  } else if (req.cmd === 'stop' && active) {
    const a = active;
    active = undefined;
    void a.stop().then((samples) => process.send?.({ samples }));
  }
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
