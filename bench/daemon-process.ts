// Parent side of bench/daemon-child.ts: starts the daemon in its own process with the given
// `maracker run` options, talks to it over IPC, and always stops it (SIGKILL as a last resort).

import { spawn, type ChildProcess } from 'node:child_process';
import type { ChildRequest, ChildState, Counters, PassResult } from './daemon-child.js';
import { benchScript } from './util.js';

type Command = ChildRequest extends infer R ? (R extends ChildRequest ? Omit<R, 'seq'> : never) : never;

export interface BenchDaemon {
  readonly pid: number;
  readonly statusUrl: string;
  state(): Promise<ChildState>;
  /** One resync pass, until `ids` distinct apps were looked at (reconciled or left out as unchanged), `writes` writes applied, and the queue is empty. */
  pass(ids: number, writes?: number, timeoutMs?: number): Promise<PassResult>;
  counters(): Promise<Counters>;
  /** The daemon's heap after a full collection (started with `nodeArgs: ['--expose-gc']`), else null. */
  liveHeapMiB(): Promise<number | null>;
  /** The last lines the daemon logged (for error messages). */
  logTail(): string;
  /** Log lines matching a pattern (e.g. warnings seen during a scenario). */
  logLines(pattern: RegExp): string[];
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
/** Kills every daemon still running (the bench failed half-way). */
export function killAllDaemons(): void {
  for (const c of live) c.kill('SIGKILL');
}

export async function startBenchDaemon(
  args: readonly string[],
  o: { startTimeoutMs?: number; logLevel?: string; nodeArgs?: readonly string[] } = {},
): Promise<BenchDaemon> {
  // MARACKER_BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the daemon alone.
  const nodeArgs = [...(o.nodeArgs ?? []), ...(process.env.MARACKER_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const child = spawn(
    process.execPath,
    [...nodeArgs, benchScript('daemon-child.js'), '--listen', '127.0.0.1:0', '--log-level', o.logLevel ?? 'info', ...args],
    {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // No registry is contacted from the bench: its apps give everything their images could.
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/root',
        MARACKER_IMAGE_METADATA: 'false',
        ...(process.env.MARACKER_BENCH_PASS_PROFILE_DIR ? { MARACKER_BENCH_PASS_PROFILE_DIR: process.env.MARACKER_BENCH_PASS_PROFILE_DIR } : {}),
      },
    },
  );
  live.add(child);
  const lines: string[] = [];
  let partial = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    if (lines.length > 20_000) lines.splice(0, lines.length - 10_000);
  });
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exited = code;
      live.delete(child);
      for (const p of pending.values()) p.reject(new Error(`bench daemon exited (${code}):\n${tail()}`));
      pending.clear();
      resolve();
    }),
  );
  const tail = (): string => lines.slice(-30).join('\n');

  let seq = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const started = new Promise<{ statusUrl: string; pid: number }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`bench daemon did not start within ${o.startTimeoutMs ?? 120_000} ms:\n${tail()}`)),
      o.startTimeoutMs ?? 120_000,
    );
    child.on('message', (m: { type?: string; seq?: number; ok?: boolean; value?: unknown; error?: string; statusUrl?: string; pid?: number }) => {
      if (m.type === 'started') {
        clearTimeout(timer);
        resolve({ statusUrl: m.statusUrl as string, pid: m.pid as number });
        return;
      }
      const p = m.seq !== undefined ? pending.get(m.seq) : undefined;
      if (!p) return;
      pending.delete(m.seq as number);
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(`bench daemon: ${m.error}`));
    });
    void exit.then(() => {
      clearTimeout(timer);
      reject(new Error(`bench daemon exited (${exited}) before starting:\n${tail()}`));
    });
  });

  const request = <T>(req: Command): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (exited !== undefined) {
        reject(new Error(`bench daemon exited (${exited}):\n${tail()}`));
        return;
      }
      const s = ++seq;
      pending.set(s, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ ...req, seq: s } as ChildRequest);
    });

  let info: { statusUrl: string; pid: number };
  try {
    info = await started;
  } catch (err) {
    child.kill('SIGKILL');
    await exit;
    throw err;
  }

  let stopping: Promise<void> | undefined;
  return {
    pid: info.pid,
    statusUrl: info.statusUrl,
    state: () => request<ChildState>({ cmd: 'state' }),
    pass: (ids, writes = 0, timeoutMs = 120_000) => request<PassResult>({ cmd: 'pass', ids, writes, timeoutMs }),
    counters: () => request<Counters>({ cmd: 'counters' }),
    liveHeapMiB: () => request<number | null>({ cmd: 'liveHeap' }),
    logTail: tail,
    logLines: (pattern) => lines.filter((l) => pattern.test(l)),
    stop: () =>
      (stopping ??= (async () => {
        if (exited !== undefined) return;
        const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await request({ cmd: 'stop' }).catch(() => child.kill('SIGKILL'));
        await exit;
        clearTimeout(killer);
      })()),
  };
}

/** Polls `probe` until it returns a truthy value; throws with `what` after `ms`. */
export async function until<T>(probe: () => T | Promise<T>, what: string, ms = 60_000, everyMs = 20): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Waits until the daemon finished its first full sync (and holds the writer role if it has a database). */
export async function untilReady(d: BenchDaemon, o: { leader?: boolean; ms?: number } = {}): Promise<void> {
  await until(
    async () => {
      const s = await d.state();
      return s.ready && (!o.leader || s.role === 'leader');
    },
    o.leader ? 'the daemon ready and leader' : 'the daemon ready',
    o.ms ?? 120_000,
    50,
  );
}
