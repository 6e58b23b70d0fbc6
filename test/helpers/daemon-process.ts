// Runs the real daemon (`node dist/src/cli/main.js run ...`) as a child process, the way an
// operator does, and talks to it over its status endpoint. `npm test` builds dist/ first.

import { daemonCacheHome, daemonStateHome } from './cache-home.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import type { AppStatus, DaemonStatus } from '../../src/status/model.js';

export const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

/**
 * Runs the built CLI as a user would, without blocking this process (a sandbox the command
 * talks to may live here): its exit code and output. The environment is PATH plus `env`.
 */
export function runCli(
  args: readonly string[],
  o: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      ...(o.cwd ? { cwd: o.cwd } : {}),
      env: { PATH: process.env.PATH ?? '', MARACKER_IMAGE_METADATA: 'false', ...o.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

export interface DaemonProcess {
  child: ChildProcess;
  statusUrl: string;
  /** Everything the daemon wrote to stderr (its pino log lines), for diagnostics. */
  output(): string;
  status(): Promise<DaemonStatus>;
  app(id: string): Promise<AppStatus | undefined>;
  /**
   * Resolves once `n` more full resync passes have ended and the queue is empty: the daemon
   * has looked at everything again and acted on what it saw. Proves "nothing was written"
   * by an event, not by sleeping and hoping the machine was quick.
   */
  afterPasses(n: number, timeoutMs?: number, result?: 'ok' | 'failed'): Promise<void>;
  /** SIGTERM, then the exit code (SIGKILL after the deadline). */
  stop(deadlineMs?: number): Promise<number | null>;
  kill(): void;
}

export interface DaemonProcessOptions {
  /** Omitted for `up`, whose Marathon is its own sandbox. */
  marathonUrl?: string;
  manifests?: string;
  databaseUrl?: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Wait this long for the status server to come up. Default 20 s. */
  startTimeoutMs?: number;
  /** Command to run, default "run". */
  command?: string;
  /** Registers the kill: default onTestFinished; a suite that shares one daemon passes its afterAll list. */
  cleanup?: (fn: () => Promise<void>) => void;
}

export async function startDaemonProcess(o: DaemonProcessOptions): Promise<DaemonProcess> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first (npm test does)`);
  const args = [
    CLI,
    o.command ?? 'run',
    ...(o.marathonUrl ? ['--marathon', o.marathonUrl] : []),
    '--manifests',
    o.manifests ?? 'none',
    '--listen',
    '127.0.0.1:0',
    '--log-level',
    'debug',
    ...(o.databaseUrl ? ['--database-url', o.databaseUrl] : []),
    ...(o.args ?? []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: o.cwd ?? process.cwd(),
    // Image metadata off unless a test turns it on: a manifest naming `nginx` without
    // resources must never make a test daemon reach for Docker Hub.
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      XDG_CACHE_HOME: daemonCacheHome(),
      XDG_STATE_HOME: daemonStateHome(),
      MARACKER_IMAGE_METADATA: 'false',
      ...(o.env ?? {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  let exited: number | null | undefined;
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve((exited = code))));

  const kill = (): void => {
    if (exited === undefined) child.kill('SIGKILL');
  };
  (o.cleanup ?? onTestFinished)(async () => {
    kill();
    await exit;
  });

  const deadline = Date.now() + (o.startTimeoutMs ?? 20_000);
  let statusUrl: string | undefined;
  while (!statusUrl) {
    const m = /status at (http:\/\/[^\s]+)\/status/.exec(out);
    if (m) statusUrl = m[1];
    else if (exited !== undefined) throw new Error(`daemon exited with ${exited} before serving status:\n${out}`);
    else if (Date.now() > deadline) throw new Error(`daemon did not start:\n${out}`);
    else await new Promise((r) => setTimeout(r, 20));
  }
  const base = statusUrl;
  const getJson = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(base + path);
    return { status: res.status, body: (await res.json()) as T };
  };
  const metric = async (name: string, labels = ''): Promise<number> => {
    const text = await (await fetch(`${base}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN;
  };
  return {
    child,
    statusUrl: base,
    output: () => out,
    afterPasses: async (n, timeoutMs = 60_000, result = 'ok') => {
      const passes = async () => (await metric('maracker_resyncs_total', `{result="${result}"}`)) || 0;
      const from = await passes();
      await eventually(
        async () => (await passes()) >= from + n && (result === 'failed' || (await metric('maracker_queue_depth')) === 0),
        `${n} more ${result} resync passes`,
        timeoutMs,
      );
    },
    status: async () => (await getJson<DaemonStatus>('/status')).body,
    app: async (id) => {
      const r = await getJson<AppStatus>(`/status/apps${id}`);
      return r.status === 200 ? r.body : undefined;
    },
    stop: async (deadlineMs = 15_000) => {
      if (exited !== undefined) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(kill, deadlineMs);
      const code = await exit;
      clearTimeout(timer);
      return code;
    },
    kill,
  };
}

/** Polls `probe` until it returns a truthy value; fails with the last value and `what`. */
export async function eventually<T>(probe: () => Promise<T> | T, what: string, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await probe();
      if (last) return last as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}${lastError ? `; last error: ${String(lastError)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
