// Small helpers shared by the daemon scenarios: temporary folders, rounding, percentiles of
// latency samples, and the status prober child.

import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPackageRoot } from '../src/manifest/schema-file.js';
import { percentile } from './record.js';
import type { ProbeSamples, ProberRequest } from './status-prober.js';

/**
 * Ports the sandbox's simulated agent offers to tasks. The default (31000-32000, a Mesos
 * agent's) runs out after a few hundred apps: their deployments then never finish, as on a
 * real cluster out of port resources. The bench wants a cluster big enough for its apps.
 */
export const HOST_PORTS = { min: 20_001, max: 65_000 };

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const cleanups = new Set<() => Promise<void>>();

/** Registers what must be undone if the bench is interrupted; returns the unregister function. */
export function onCleanup(fn: () => Promise<void>): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/** Runs (and forgets) every registered cleanup; never throws. */
export async function runCleanups(): Promise<void> {
  const all = [...cleanups];
  cleanups.clear();
  for (const fn of all) await fn().catch(() => undefined);
}

export function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

export function ms(n: number): number {
  return n >= 100 ? Math.round(n) : round1(n);
}

/** A temporary folder, removed by the returned function. Mode 755 so a postgres user can enter it. */
export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `maracker-bench-${prefix}-`));
  await chmod(path, 0o755);
  const remove = (): Promise<void> => rm(path, { recursive: true, force: true });
  const forget = onCleanup(remove);
  return {
    path,
    remove: async () => {
      forget();
      await remove();
    },
  };
}

export interface Summary {
  p50: number;
  p99: number;
  max: number;
  n: number;
}

export function summarize(samples: readonly number[]): Summary {
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), max: Math.max(...samples), n: samples.length };
}

/** Deterministic shuffle (a fixed seed: every run saves the same apps in the same order). */
export function shuffled<T>(items: readonly T[], seed = 42): T[] {
  const out = [...items];
  let s = seed >>> 0;
  const next = (): number => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export interface Prober {
  /** Starts polling; resolves once the loops run. */
  start(o: { appEveryMs: number; statusEveryMs: number }): Promise<void>;
  stop(): Promise<ProbeSamples>;
  close(): Promise<void>;
}

/** The compiled bench folder the child processes (daemon, prober) are started from. */
let scriptRoot = dirname(fileURLToPath(import.meta.url));

/** The repository root (package.json), wherever the compiled tree is. */
let cacheHome: string | undefined;

/** A folder for the daemons' parse caches in this bench run, removed when the run exits. */
export function benchCacheHome(): string {
  if (cacheHome === undefined) {
    const made = mkdtempSync(join(tmpdir(), 'maracker-bench-cache-'));
    cacheHome = made;
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
  }
  return cacheHome;
}

export function packageRoot(): string {
  const root = findPackageRoot(scriptRoot);
  if (!root) throw new Error(`no package.json above ${scriptRoot}`);
  return root;
}

export function benchScript(name: string): string {
  return join(scriptRoot, name);
}

/**
 * Copies the compiled tree the children run from into node_modules/.cache, so a concurrent
 * `npm run build` (which empties dist/) cannot pull it from under a run that lasts minutes.
 * Returns the function that removes the copy.
 */
export async function snapshotScripts(): Promise<() => Promise<void>> {
  const compiled = dirname(scriptRoot);
  const target = join(packageRoot(), 'node_modules', '.cache', `maracker-bench-${process.pid}`);
  await mkdir(dirname(target), { recursive: true });
  await cp(compiled, target, { recursive: true, filter: (src) => !src.endsWith('.map') });
  scriptRoot = join(target, 'bench');
  const remove = (): Promise<void> => rm(target, { recursive: true, force: true });
  const forget = onCleanup(remove);
  return async () => {
    forget();
    await remove();
  };
}

/**
 * Status probers (bench/status-prober.ts) for the daemon at `statusUrl`: one process asks
 * `GET /status/apps/{id}`, another `GET /status`, as two portals would. In one process the
 * 8 MiB of a `/status` answer, read on the prober's own event loop, held up the timing of
 * the small answers that arrived meanwhile: latency of the prober, not of the daemon.
 */
export async function startProber(statusUrl: string, appIds: readonly string[]): Promise<Prober> {
  const [app, all] = await Promise.all([startProberChild(statusUrl, appIds), startProberChild(statusUrl, appIds)]);
  return {
    async start(o) {
      await Promise.all([app.start({ appEveryMs: o.appEveryMs, statusEveryMs: 0 }), all.start({ appEveryMs: 0, statusEveryMs: o.statusEveryMs })]);
    },
    async stop() {
      const [a, b] = await Promise.all([app.stop(), all.stop()]);
      return { app: a.app, status: b.status, errors: [...a.errors, ...b.errors], statusBytes: b.statusBytes };
    },
    async close() {
      await Promise.all([app.close(), all.close()]);
    },
  };
}

/** One status prober process: its loops run as `start` says (an interval of 0 leaves one out). */
async function startProberChild(statusUrl: string, appIds: readonly string[]): Promise<Prober> {
  const child: ChildProcess = fork(benchScript('status-prober.js'), [statusUrl, ...appIds], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = <T>(key: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: Record<string, unknown>): void => {
        if (!(key in m)) return;
        child.off('message', onMessage);
        resolve(m[key] as T);
      };
      child.on('message', onMessage);
      void exited.then(() => reject(new Error('status prober exited')));
    });
  await next('ready');
  const send = (r: ProberRequest): void => void child.send(r);
  return {
    async start(o) {
      const started = next('started');
      send({ cmd: 'start', ...o });
      await started;
    },
    async stop() {
      const samples = next<ProbeSamples>('samples');
      send({ cmd: 'stop' });
      return samples;
    },
    async close() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
