// Real health checks for tasks run by the exec runtime, with Marathon's semantics
// (docs/health-checks.md): HTTP(S) is healthy for a status in [200, 399] received within
// timeoutSeconds (1xx ignored when ignoreHttp1xx), TCP when a connection opens, COMMAND when
// the command exits 0. Failures inside gracePeriodSeconds of the task start are ignored until
// the task has been healthy once; after maxConsecutiveFailures (> 0) failures the task is
// reported unhealthy so the engine kills and replaces it. MESOS_* checks also wait
// delaySeconds before the first probe (Marathon-level checks ignore delaySeconds).

import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { JsonObject } from '../model/marathon.js';
import type { HealthResult, Task } from './tasks.js';
import type { Clock, Timer } from './time.js';

export interface HealthHooks {
  health(task: Task, checkIndex: number, result: HealthResult): void;
  unhealthy(task: Task, cause: string): void;
}

type Outcome = { ok: true } | { ok: false; cause: string } | { ignore: true };

interface CheckState {
  result: HealthResult;
  everHealthy: boolean;
  timer?: Timer;
  stopped: boolean;
}

const MIN_INTERVAL_MS = 100;

function seconds(v: unknown, fallback: number): number {
  return typeof v === 'number' ? v * 1000 : fallback * 1000;
}

export class HealthProber {
  readonly #checks = new Map<string, CheckState[]>();
  readonly #commandPids = new Set<number>();

  readonly #clock: Clock;

  readonly #hooks: HealthHooks;

  readonly #timestamp: () => string;

  constructor(clock: Clock, hooks: HealthHooks, timestamp: () => string) {
    this.#clock = clock;

    this.#hooks = hooks;

    this.#timestamp = timestamp;
  }

  /** Starts probing; COMMAND checks run in `cwd` (the task's sandbox) with the task's env. */
  start(task: Task, env: Record<string, string>, cwd?: string): void {
    const states = task.healthChecks.map<CheckState>(() => ({
      result: { alive: false, consecutiveFailures: 0, firstSuccess: null, lastSuccess: null, lastFailure: null, lastFailureCause: null },
      everHealthy: false,
      stopped: false,
    }));
    this.#checks.set(task.id, states);
    task.healthChecks.forEach((check, i) => {
      const state = states[i] as CheckState;
      const protocol = String(check.protocol ?? 'HTTP');
      // Mesos-level checks (MESOS_*, COMMAND) honour delaySeconds; Marathon-level ones do not
      const firstDelay = protocol.startsWith('MESOS_') || protocol === 'COMMAND' ? seconds(check.delaySeconds, 15) : 0;
      const run = (): void => {
        if (state.stopped) return;
        void this.#probe(task, check, env, cwd).then((outcome) => {
          if (state.stopped) return;
          this.#record(task, i, check, state, outcome);
          if (!state.stopped) {
            state.timer = this.#clock.setTimeout(run, Math.max(MIN_INTERVAL_MS, seconds(check.intervalSeconds, 60)));
          }
        });
      };
      state.timer = this.#clock.setTimeout(run, firstDelay);
    });
  }

  stop(task: Task): void {
    for (const s of this.#checks.get(task.id) ?? []) {
      s.stopped = true;
      if (s.timer) this.#clock.clearTimeout(s.timer);
    }
    this.#checks.delete(task.id);
  }

  close(): void {
    for (const id of [...this.#checks.keys()]) {
      for (const s of this.#checks.get(id) ?? []) {
        s.stopped = true;
        if (s.timer) this.#clock.clearTimeout(s.timer);
      }
    }
    this.#checks.clear();
    for (const pid of this.#commandPids) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.#commandPids.clear();
  }

  #record(task: Task, index: number, check: JsonObject, state: CheckState, outcome: Outcome): void {
    if ('ignore' in outcome) return;
    const now = this.#timestamp();
    const r = state.result;
    if (outcome.ok) {
      state.everHealthy = true;
      state.result = {
        alive: true,
        consecutiveFailures: 0,
        firstSuccess: r.firstSuccess ?? now,
        lastSuccess: now,
        lastFailure: r.lastFailure,
        lastFailureCause: r.lastFailureCause,
      };
      this.#hooks.health(task, index, state.result);
      return;
    }
    const inGrace = !state.everHealthy && task.startedAtMs !== undefined && this.#clock.now() - task.startedAtMs < seconds(check.gracePeriodSeconds, 300);
    if (inGrace) return;
    state.result = {
      alive: false,
      consecutiveFailures: r.consecutiveFailures + 1,
      firstSuccess: r.firstSuccess,
      lastSuccess: r.lastSuccess,
      lastFailure: now,
      lastFailureCause: outcome.cause,
    };
    this.#hooks.health(task, index, state.result);
    const max = typeof check.maxConsecutiveFailures === 'number' ? check.maxConsecutiveFailures : 3;
    if (max > 0 && state.result.consecutiveFailures >= max) {
      this.stop(task);
      this.#hooks.unhealthy(task, outcome.cause);
    }
  }

  #probe(task: Task, check: JsonObject, env: Record<string, string>, cwd: string | undefined): Promise<Outcome> {
    const protocol = String(check.protocol ?? 'HTTP');
    const timeoutMs = Math.max(MIN_INTERVAL_MS, seconds(check.timeoutSeconds, 20));
    if (protocol === 'COMMAND') {
      const command = (check.command as JsonObject | undefined)?.value;
      return this.#command(String(command ?? 'true'), env, cwd, timeoutMs);
    }
    // MarathonHealthCheck.effectivePort: `port`, else the port at `portIndex`; a check naming
    // neither (Marathon added no portIndex because the app declared no ports) has no port
    const port = typeof check.port === 'number' ? check.port : typeof check.portIndex === 'number' ? task.ports[check.portIndex] : undefined;
    if (port === undefined) return Promise.resolve({ ok: false, cause: 'no port for health check' });
    if (protocol === 'TCP' || protocol === 'MESOS_TCP') return this.#tcp(port, timeoutMs);
    const https = protocol === 'HTTPS' || protocol === 'MESOS_HTTPS';
    return this.#http(https, port, String(check.path ?? '/'), timeoutMs, check.ignoreHttp1xx === true);
  }

  #http(https: boolean, port: number, path: string, timeoutMs: number, ignore1xx: boolean): Promise<Outcome> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (o: Outcome): void => {
        if (!done) {
          done = true;
          resolve(o);
        }
      };
      const req = (https ? httpsRequest : httpRequest)(
        { host: '127.0.0.1', port, path, method: 'GET', timeout: timeoutMs, agent: false, rejectUnauthorized: false },
        (res) => {
          const status = res.statusCode ?? 0;
          res.resume();
          if (status >= 100 && status < 200 && ignore1xx) finish({ ignore: true });
          else if (status >= 200 && status <= 399) finish({ ok: true });
          else finish({ ok: false, cause: `${status} ${res.statusMessage ?? ''}`.trim() });
        },
      );
      req.on('timeout', () => {
        req.destroy();
        finish({ ok: false, cause: 'AskTimeoutException' });
      });
      req.on('error', (err) => finish({ ok: false, cause: err.message }));
      req.end();
    });
  }

  #tcp(port: number, timeoutMs: number): Promise<Outcome> {
    return new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      const timer = this.#clock.setTimeout(() => {
        socket.destroy();
        resolve({ ok: false, cause: 'connection timed out' });
      }, timeoutMs);
      socket.once('connect', () => {
        this.#clock.clearTimeout(timer);
        socket.destroy();
        resolve({ ok: true });
      });
      socket.once('error', (err) => {
        this.#clock.clearTimeout(timer);
        resolve({ ok: false, cause: err.message });
      });
    });
  }

  #command(command: string, env: Record<string, string>, cwd: string | undefined, timeoutMs: number): Promise<Outcome> {
    return new Promise((resolve) => {
      const child = spawn('/bin/sh', ['-c', command], { env, cwd, detached: true, stdio: 'ignore' });
      const pid = child.pid;
      if (pid !== undefined) this.#commandPids.add(pid);
      const timer = this.#clock.setTimeout(() => {
        if (pid !== undefined) {
          try {
            process.kill(-pid, 'SIGKILL');
          } catch {
            // gone
          }
        }
      }, timeoutMs);
      child.once('error', (err) => {
        this.#clock.clearTimeout(timer);
        resolve({ ok: false, cause: err.message });
      });
      child.once('exit', (code, signal) => {
        this.#clock.clearTimeout(timer);
        if (pid !== undefined) this.#commandPids.delete(pid);
        if (code === 0) resolve({ ok: true });
        else resolve({ ok: false, cause: signal ? `command killed by ${signal}` : `command exited with status ${code}` });
      });
    });
  }
}
