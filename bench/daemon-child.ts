// The daemon under benchmark, in a process of its own: the real configuration parser and
// launchDaemon (folder source, database source, leader election, status server: everything
// `maracker run` starts), plus a small IPC channel so the bench can start a resync pass and
// read the daemon's own CPU time and memory from inside (process.cpuUsage: every thread of
// the process, microsecond resolution). The sandbox and the clocks that time requests live
// in the parent process, so nothing the bench does is charged to the daemon.
//
// Run by bench/daemon-process.ts, never by hand: `node dist/bench/daemon-child.js <run options>`.

import { readFile, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { loadDaemonConfig } from '../src/config/daemon.js';
import type { Daemon } from '../src/app/daemon.js';
import { launchDaemon } from '../src/app/launch.js';
import { createLogger } from '../src/base/log.js';

export type ChildRequest =
  | { seq: number; cmd: 'state' }
  | { seq: number; cmd: 'pass'; ids: number; writes: number; timeoutMs: number }
  | { seq: number; cmd: 'counters' }
  | { seq: number; cmd: 'liveHeap' }
  | { seq: number; cmd: 'stop' };

export interface ChildState {
  ready: boolean;
  began: boolean;
  role: string;
  deploymentsPeak: number;
  deploymentsInFlight: number;
  queueDepth: number;
}

export interface PassResult {
  /**
   * CPU time of the daemon process (user + system, all threads) from the resync call until
   * every id was looked at: reconciled, or left out of the queue as unchanged.
   */
  cpuMs: number;
  userMs: number;
  systemMs: number;
  wallMs: number;
  /** Until the sources were re-read and Marathon listed (the resync call itself). */
  listWallMs: number;
  reconciles: number;
  /** Ids the pass left out of the queue: nothing they are reconciled from had moved. */
  unchanged: number;
  /** Ids reconciled or left out as unchanged, each once. */
  distinctIds: number;
  /** Peak resident set during the pass (VmHWM after resetting it), MiB; lifetime peak when the reset is refused. */
  peakRssMiB: number;
  peakRssScope: 'pass' | 'process';
  rssMiB: number;
  heapUsedMiB: number;
  /** The main thread's heap as reserved (used or not), and memory outside it (buffers), after the pass. */
  heapTotalMiB: number;
  externalMiB: number;
  /** Longest the daemon's event loop was blocked during the pass (10 ms resolution), and its p99. */
  loopDelayMaxMs: number;
  loopDelayP99Ms: number;
  writes: Record<string, number>;
}

export interface Counters {
  reconciles: number;
  writes: Record<string, number>;
  resyncs: number;
  cpuMs: number;
  /** Peak resident set since the process started, MiB. */
  peakRssMiB: number;
}

type Reply = { seq: number; ok: true; value: unknown } | { seq: number; ok: false; error: string };

function send(message: unknown): void {
  process.send?.(message);
}

async function vmHwmKiB(): Promise<number | undefined> {
  const text = await readFile('/proc/self/status', 'utf8').catch(() => '');
  const m = /^VmHWM:\s+(\d+) kB/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Highest VmHWM seen before any reset: the process's peak since it started. */
let lifetimePeakKiB = 0;

/**
 * Resets the kernel's peak-RSS mark of this process (clear_refs 5, Linux 4.0+), remembering
 * the mark so far. getrusage's maxRSS reads the same mark, so it is no lifetime peak after a reset.
 */
async function resetPeakRss(): Promise<boolean> {
  lifetimePeakKiB = Math.max(lifetimePeakKiB, (await vmHwmKiB()) ?? 0);
  try {
    await writeFile('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

const mib = (bytes: number): number => Math.round((bytes / 1048576) * 10) / 10;

async function main(): Promise<void> {
  // An empty environment: variables of the machine running the bench (DATABASE_URL...) must
  // not change what is measured. Everything comes from the command line.
  const { config } = loadDaemonConfig(process.argv.slice(2), {}, process.cwd());
  const logger = createLogger({ level: config.logLevel, destination: process.stderr });

  let reconciles = 0;
  let unchanged = 0;
  let applied = 0;
  let resyncs = 0;
  const writes: Record<string, number> = {};
  const seen = new Set<string>();
  let pass: { target: number; writes: number; appliedBefore: number; resolve: () => void } | undefined;
  let daemon: Daemon | undefined;

  const checkPass = (): void => {
    if (pass && seen.size >= pass.target && applied - pass.appliedBefore >= pass.writes && (daemon?.controller.queueDepth ?? 0) === 0) {
      const p = pass;
      pass = undefined;
      p.resolve();
    }
  };

  daemon = await launchDaemon(config, {
    logger,
    observer: {
      reconciled(id) {
        reconciles++;
        seen.add(id);
        checkPass();
      },
      // The controller looked at these and found nothing moved: seen by the pass, not reconciled.
      unchanged(ids) {
        unchanged += ids.length;
        for (const id of ids) seen.add(id);
        checkPass();
      },
      wrote(kind, outcome) {
        const key = `${kind}:${outcome}`;
        writes[key] = (writes[key] ?? 0) + 1;
        if (outcome === 'applied') applied++;
        checkPass();
      },
      resynced() {
        resyncs++;
      },
    },
  });
  const d = daemon;

  const state = (): ChildState => ({
    ready: d.status.ready,
    began: d.controller.began,
    role: d.status.role,
    deploymentsPeak: d.controller.deploymentsPeak,
    deploymentsInFlight: d.controller.deploymentsInFlight,
    queueDepth: d.controller.queueDepth,
  });

  /**
   * One pass: from the resync call until every id was looked at at least once (reconciled, or
   * named by the controller's `unchanged` hook: left out of the queue because nothing it is
   * reconciled from moved), `expectedWrites` writes were applied (apps waiting for a
   * deployment slot are reconciled again when one frees), and nothing waits in the queue.
   */
  const runPass = async (ids: number, expectedWrites: number, timeoutMs: number): Promise<PassResult> => {
    const reset = await resetPeakRss();
    const writesBefore = { ...writes };
    const reconcilesBefore = reconciles;
    const unchangedBefore = unchanged;
    const appliedBefore = applied;
    seen.clear();
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        pass = undefined;
        reject(
          new Error(
            `pass not finished after ${timeoutMs} ms: ${seen.size} of ${ids} ids reconciled, ${applied - appliedBefore} of ${expectedWrites} writes applied, queue depth ${d.controller.queueDepth}`,
          ),
        );
      }, timeoutMs);
      pass = {
        target: ids,
        writes: expectedWrites,
        appliedBefore,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
    });
    const profiling = await startProfile();
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await d.controller.resync('bench');
    const listWallMs = performance.now() - t0;
    checkPass();
    await done;
    const cpu = process.cpuUsage(cpu0);
    const wallMs = performance.now() - t0;
    loop.disable();
    await profiling?.();
    const hwm = reset ? await vmHwmKiB() : undefined;
    const mem = process.memoryUsage();
    const delta: Record<string, number> = {};
    for (const [k, n] of Object.entries(writes)) if (n !== (writesBefore[k] ?? 0)) delta[k] = n - (writesBefore[k] ?? 0);
    return {
      cpuMs: (cpu.user + cpu.system) / 1000,
      userMs: cpu.user / 1000,
      systemMs: cpu.system / 1000,
      wallMs,
      listWallMs,
      reconciles: reconciles - reconcilesBefore,
      unchanged: unchanged - unchangedBefore,
      distinctIds: seen.size,
      peakRssMiB: hwm !== undefined ? Math.round((hwm / 1024) * 10) / 10 : Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
      peakRssScope: hwm !== undefined ? 'pass' : 'process',
      rssMiB: mib(mem.rss),
      heapUsedMiB: mib(mem.heapUsed),
      heapTotalMiB: mib(mem.heapTotal),
      externalMiB: mib(mem.external),
      // The histogram counts the timer's own 10 ms period as delay: subtract it.
      loopDelayMaxMs: Math.max(0, loop.max / 1e6 - 10),
      loopDelayP99Ms: Math.max(0, loop.percentile(99) / 1e6 - 10),
      writes: delta,
    };
  };

  /**
   * MARACKER_BENCH_PASS_PROFILE_DIR=DIR: a CPU profile of each pass (main thread), written as
   * DIR/pass-N.cpuprofile, to open in Chrome's DevTools. The profiler's own cost is in the
   * pass's figures then: for finding where a pass goes, not for the figures.
   */
  let profiled = 0;
  const startProfile = async (): Promise<(() => Promise<void>) | undefined> => {
    const dir = process.env.MARACKER_BENCH_PASS_PROFILE_DIR;
    if (!dir) return undefined;
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    return async () => {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(join(dir, `pass-${++profiled}.cpuprofile`), JSON.stringify(profile));
      session.disconnect();
    };
  };

  /** The heap's live objects: used after a full collection (a process started with --expose-gc), else null. */
  const liveHeapMiB = (): number | null => {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (typeof gc !== 'function') return null;
    gc();
    return mib(process.memoryUsage().heapUsed);
  };

  const handle = async (req: ChildRequest): Promise<unknown> => {
    switch (req.cmd) {
      case 'state':
        return state();
      case 'pass':
        return runPass(req.ids, req.writes, req.timeoutMs);
      case 'counters': {
        const cpu = process.cpuUsage();
        const peakKiB = Math.max(lifetimePeakKiB, (await vmHwmKiB()) ?? process.resourceUsage().maxRSS);
        const counters: Counters = {
          reconciles,
          writes: { ...writes },
          resyncs,
          cpuMs: (cpu.user + cpu.system) / 1000,
          peakRssMiB: Math.round((peakKiB / 1024) * 10) / 10,
        };
        return counters;
      }
      case 'liveHeap':
        return liveHeapMiB();
      case 'stop':
        await d.stop();
        setImmediate(() => process.exit(0));
        return true;
    }
  };

  process.on('message', (req: ChildRequest) => {
    handle(req).then(
      (value) => send({ seq: req.seq, ok: true, value } satisfies Reply),
      (err: unknown) => send({ seq: req.seq, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies Reply),
    );
  });
  // The parent gone (crashed bench): do not linger.
  process.on('disconnect', () => {
    void d.stop().finally(() => process.exit(0));
  });
  send({ type: 'started', statusUrl: d.statusServer.url, pid: process.pid });
}

main().catch((err: unknown) => {
  process.stderr.write(`bench daemon failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
