// Fault injection for tests and benchmarks. A fault applies to requests matching its optional
// method and path prefix, to a `share` of them decided by a seeded PRNG (replayable: the same
// seed and request sequence give the same faults), optionally only `times` times.

import type { JsonValue } from '../model/marathon.js';
import { SandboxOptionsError } from './errors.js';
import { seededRandom, type Random } from './prng.js';

export type FaultKind =
  /** Answer `status` (and `body`) instead of handling the request. */
  | 'status'
  /** Wait `latencyMs` before handling the request. */
  | 'latency'
  /** Never answer (the socket stays open until the client gives up or the sandbox closes). */
  | 'hang'
  /** Handle the request, then answer 200 with the JSON body cut in half. */
  | 'truncate'
  /** Answer 200 with a body that is not JSON, without handling the request. */
  | 'invalid-json'
  /** Answer 200 `{}` (no `apps`), without handling the request. */
  | 'empty-object'
  /** Destroy the connection before handling the request. */
  | 'reset-before'
  /** Handle the request (a write takes effect), then destroy the connection before answering. */
  | 'reset-after'
  /** Answer writes to `appId` (or to any app) with Marathon's 409 "App is locked" body. */
  | 'locked'
  /** Answer writes with Marathon's 403 deployment-cap body. */
  | 'deployment-cap'
  /**
   * Reads and writes of `appId` disagree, as behind a lagging proxy or a standby Marathon:
   * reads say it does not exist (GET /v2/apps/{id} is 404, GET /v2/apps leaves it out) while
   * writes see it, so creating it again is 409 "already exists".
   */
  | 'hidden'
  /** The other disagreement: reads show `appId`, writes to it answer 404 "does not exist" without being handled. */
  | 'missing-on-write';

export const FAULT_KINDS: readonly FaultKind[] = [
  'status',
  'latency',
  'hang',
  'truncate',
  'invalid-json',
  'empty-object',
  'reset-before',
  'reset-after',
  'locked',
  'deployment-cap',
  'hidden',
  'missing-on-write',
];

export interface FaultSpec {
  kind: FaultKind;
  /** HTTP method to match (any when absent). */
  method?: string;
  /** Path prefix to match, e.g. "/v2/apps" (any when absent). */
  pathPrefix?: string;
  /** Share of matching requests affected, 0..1 (default 1). */
  share?: number;
  /** Apply at most this many times, then retire. */
  times?: number;
  /** For `status`: the status code and optional JSON body. */
  status?: number;
  body?: JsonValue;
  /** For `latency`. */
  latencyMs?: number;
  /** For `locked`: the app id whose writes are locked (any app when absent). For `hidden` and `missing-on-write` (required): the app. */
  appId?: string;
}

export interface Fault extends FaultSpec {
  id: string;
  applied: number;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isWrite(method: string): boolean {
  return WRITE_METHODS.has(method);
}

function checkSpec(spec: FaultSpec): string[] {
  const problems: string[] = [];
  if (!FAULT_KINDS.includes(spec.kind)) problems.push(`kind: expected one of ${FAULT_KINDS.join(', ')}, got ${JSON.stringify(spec.kind)}`);
  if (spec.share !== undefined && (typeof spec.share !== 'number' || spec.share < 0 || spec.share > 1)) {
    problems.push(`share: expected a number from 0 to 1, got ${JSON.stringify(spec.share)}`);
  }
  if (spec.times !== undefined && (!Number.isInteger(spec.times) || spec.times < 1))
    problems.push(`times: expected an integer from 1 and up, got ${JSON.stringify(spec.times)}`);
  if (spec.kind === 'status' && (!Number.isInteger(spec.status) || (spec.status as number) < 100 || (spec.status as number) > 599)) {
    problems.push(`status: expected an HTTP status code, got ${JSON.stringify(spec.status)}`);
  }
  if ((spec.kind === 'hidden' || spec.kind === 'missing-on-write') && (typeof spec.appId !== 'string' || !spec.appId.startsWith('/'))) {
    problems.push(`appId: expected the absolute id of the app whose reads and writes disagree, got ${JSON.stringify(spec.appId)}`);
  }
  if (spec.kind === 'latency' && (typeof spec.latencyMs !== 'number' || spec.latencyMs < 0)) {
    problems.push(`latencyMs: expected a number from 0 and up, got ${JSON.stringify(spec.latencyMs)}`);
  }
  return problems;
}

export interface RequestFacts {
  method: string;
  path: string;
  /** The app id the request targets (/v2/apps/{id}..., or the id in a POST /v2/apps body). */
  appId?: string;
}

/** Whether an app-scoped fault concerns this request. */
function concerns(f: Fault, req: RequestFacts): boolean {
  switch (f.kind) {
    case 'locked':
    case 'deployment-cap':
      return isWrite(req.method) && (f.kind !== 'locked' || f.appId === undefined || f.appId === req.appId);
    case 'hidden':
      // Reads of the app, and lists of apps (which then leave it out).
      return req.method === 'GET' && (req.appId === f.appId || (req.appId === undefined && req.path === '/v2/apps'));
    case 'missing-on-write':
      return isWrite(req.method) && req.appId === f.appId;
    default:
      return true;
  }
}

export class Faults {
  readonly #faults: Fault[] = [];
  #random: Random;
  #nextId = 1;

  constructor(seed: number) {
    this.#random = seededRandom(seed);
  }

  add(spec: FaultSpec): Fault {
    const problems = checkSpec(spec);
    if (problems.length > 0) throw new SandboxOptionsError(problems);
    const fault: Fault = { ...spec, method: spec.method?.toUpperCase(), id: `fault-${this.#nextId++}`, applied: 0 };
    this.#faults.push(fault);
    return { ...fault };
  }

  remove(id: string): boolean {
    const i = this.#faults.findIndex((f) => f.id === id);
    if (i < 0) return false;
    this.#faults.splice(i, 1);
    return true;
  }

  clear(): void {
    this.#faults.length = 0;
  }

  list(): Fault[] {
    return this.#faults.map((f) => ({ ...f }));
  }

  /** Restarts the PRNG, to replay a sequence of faults. */
  reseed(seed: number): void {
    this.#random = seededRandom(seed);
  }

  /** The faults that fire for this request, in the order they were added. */
  select(req: RequestFacts): Fault[] {
    const fired: Fault[] = [];
    for (const f of [...this.#faults]) {
      if (f.method && f.method !== req.method) continue;
      if (f.pathPrefix && !req.path.startsWith(f.pathPrefix)) continue;
      if (!concerns(f, req)) continue;
      const share = f.share ?? 1;
      // always draw, so that the sequence does not depend on which faults fired before
      const draw = this.#random();
      if (share < 1 && draw >= share) continue;
      f.applied++;
      if (f.times !== undefined && f.applied >= f.times) this.remove(f.id);
      fired.push({ ...f });
    }
    return fired;
  }
}
