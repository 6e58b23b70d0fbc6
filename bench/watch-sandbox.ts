// What the bench observes inside the sandbox, on the bench's own clock (performance.now()):
// - when a write request reaches it: the sandbox publishes `api_post_event` synchronously
//   while it handles a POST or PUT of /v2/apps, after reading the body, so the time taken
//   there is the arrival of the request (plus well under a millisecond of parsing);
// - how many deployments run at once (deployment_info opens one, deployment_success or
//   deployment_failed closes it), the figure compared with --max-deployments.

import { performance } from 'node:perf_hooks';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import type { RequestLogEntry } from '../src/sandbox/request-log.js';

export interface Arrival {
  appId: string;
  uri: string;
  at: number;
}

export class SandboxWatch {
  readonly arrivals: Arrival[] = [];
  readonly #waiters = new Map<string, Array<(a: Arrival) => void>>();
  readonly #running = new Set<string>();
  #peak = 0;
  readonly #unsubscribe: () => void;

  constructor(sandbox: Sandbox) {
    this.#unsubscribe = sandbox.onEvent((e) => {
      switch (e.eventType) {
        case 'api_post_event': {
          const def = e.appDefinition as { id?: string } | undefined;
          const a: Arrival = { appId: String(def?.id ?? ''), uri: String(e.uri ?? ''), at: performance.now() };
          this.arrivals.push(a);
          const waiting = this.#waiters.get(a.appId);
          if (waiting) {
            this.#waiters.delete(a.appId);
            for (const w of waiting) w(a);
          }
          return;
        }
        case 'deployment_info': {
          const plan = e.plan as { id?: string } | undefined;
          if (plan?.id) {
            this.#running.add(plan.id);
            this.#peak = Math.max(this.#peak, this.#running.size);
          }
          return;
        }
        case 'deployment_success':
        case 'deployment_failed': {
          const id = (e.id as string | undefined) ?? (e.plan as { id?: string } | undefined)?.id;
          if (id) this.#running.delete(id);
          return;
        }
      }
    });
  }

  /** The next write to `appId` from now on; rejects after `timeoutMs`. */
  nextWrite(appId: string, timeoutMs = 10_000): Promise<Arrival> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const list = this.#waiters.get(appId)?.filter((w) => w !== done);
        if (list && list.length > 0) this.#waiters.set(appId, list);
        else this.#waiters.delete(appId);
        reject(new Error(`no write to ${appId} reached the sandbox within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (a: Arrival): void => {
        clearTimeout(timer);
        resolve(a);
      };
      this.#waiters.set(appId, [...(this.#waiters.get(appId) ?? []), done]);
    });
  }

  /** Largest number of deployments that ran at once since the last reset. */
  get deploymentsPeak(): number {
    return this.#peak;
  }

  get deploymentsRunning(): number {
    return this.#running.size;
  }

  resetPeak(): void {
    this.#peak = this.#running.size;
  }

  close(): void {
    this.#unsubscribe();
  }
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Requests of the sandbox's log that change apps (any outcome), after `since`. */
export function appWriteRequests(sandbox: Sandbox, since = 0): RequestLogEntry[] {
  return sandbox.requestLog(since).filter((e) => WRITE_METHODS.has(e.method) && e.path.startsWith('/v2/apps'));
}

/** The app a logged write targets. */
export function writeTarget(e: RequestLogEntry): string {
  if (e.method === 'POST' && e.path === '/v2/apps') {
    const body = e.body as { id?: unknown } | null;
    return typeof body?.id === 'string' ? body.id : '?';
  }
  return e.path.slice('/v2/apps'.length);
}

export function lastSeq(sandbox: Sandbox): number {
  return sandbox.requestLog().at(-1)?.seq ?? 0;
}
