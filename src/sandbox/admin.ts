// The sandbox's own API under /sandbox/, for tests and benchmarks (never part of Marathon):
//
//   GET    /sandbox/requests?since=<seq>   {"requests":[{seq,time,method,path,query,body,status,faults}]}
//   DELETE /sandbox/requests               204, clears the request log
//   GET    /sandbox/faults                 {"faults":[...]}
//   POST   /sandbox/faults                 body FaultSpec -> 201 the fault with its id
//   DELETE /sandbox/faults                 204, removes every fault
//   DELETE /sandbox/faults/{id}            204, or 404
//   POST   /sandbox/faults/reseed          body {"seed": n} -> 204, restarts the fault PRNG
//   POST   /sandbox/reset                  204, drops every app, task and deployment
//   GET    /sandbox/config                 {"deploymentDurationMs","maxRunningDeployments"}
//   PUT    /sandbox/config                 body with either field -> 200 the new config
//   GET    /sandbox/pids                   {"pids":[...]} live child processes (--exec)

import type { JsonObject, JsonValue } from '../model/marathon.js';
import { SandboxOptionsError } from './errors.js';
import type { Fault, FaultSpec } from './faults.js';
import { json, parseJsonBody, type Reply } from './http-util.js';
import type { RequestLogEntry } from './request-log.js';
import type { ApiRequest } from './api-apps.js';

export interface SandboxConfig {
  deploymentDurationMs: number;
  maxRunningDeployments: number;
}

export interface AdminControl {
  requestLog(since?: number): RequestLogEntry[];
  clearRequestLog(): void;
  faults: {
    add(spec: FaultSpec): Fault;
    remove(id: string): boolean;
    clear(): void;
    list(): Fault[];
    reseed(seed: number): void;
  };
  reset(): Promise<void>;
  config(): SandboxConfig;
  configure(changes: Partial<SandboxConfig>): SandboxConfig;
  pids(): number[];
}

function bad(problems: string[]): Reply {
  return json(400, { message: 'invalid request', problems });
}

function objectBody(req: ApiRequest): JsonObject {
  const value = parseJsonBody(req.body);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SandboxOptionsError(['expected a JSON object']);
  return value;
}

export async function handleAdmin(req: ApiRequest, control: AdminControl): Promise<Reply> {
  const { method, path } = req;
  try {
    if (path === '/sandbox/requests') {
      if (method === 'GET') return json(200, { requests: control.requestLog(Number(req.query.since?.[0] ?? 0)) as unknown as JsonValue });
      if (method === 'DELETE') {
        control.clearRequestLog();
        return { status: 204 };
      }
    }
    if (path === '/sandbox/faults') {
      if (method === 'GET') return json(200, { faults: control.faults.list() as unknown as JsonValue });
      if (method === 'POST') return json(201, control.faults.add(objectBody(req) as unknown as FaultSpec) as unknown as JsonValue);
      if (method === 'DELETE') {
        control.faults.clear();
        return { status: 204 };
      }
    }
    if (path === '/sandbox/faults/reseed' && method === 'POST') {
      const seed = objectBody(req).seed;
      if (typeof seed !== 'number') return bad(['seed: expected a number']);
      control.faults.reseed(seed);
      return { status: 204 };
    }
    if (path.startsWith('/sandbox/faults/') && method === 'DELETE') {
      return control.faults.remove(path.slice('/sandbox/faults/'.length)) ? { status: 204 } : json(404, { message: 'no such fault' });
    }
    if (path === '/sandbox/reset' && method === 'POST') {
      await control.reset();
      return { status: 204 };
    }
    if (path === '/sandbox/config') {
      if (method === 'GET') return json(200, control.config() as unknown as JsonValue);
      if (method === 'PUT') return json(200, control.configure(objectBody(req) as Partial<SandboxConfig>) as unknown as JsonValue);
    }
    if (path === '/sandbox/pids' && method === 'GET') return json(200, { pids: control.pids() });
  } catch (err) {
    if (err instanceof SandboxOptionsError) return bad(err.problems);
    throw err;
  }
  return json(404, { message: `no sandbox route ${method} ${path}` });
}
