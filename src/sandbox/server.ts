// The HTTP front of the sandbox: logs each API request, applies injected faults, routes to the
// Marathon APIs or to the admin API under /sandbox/, and answers unknown routes with 404.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../base/log.js';
import type { ApiRequest } from './api-apps.js';
import { appLocked, appNotFound, MarathonApiError, tooManyDeployments } from './errors.js';
import type { Fault, Faults } from './faults.js';
import { bodyForLog, json, queryOf, readBody, writeReply, type Reply } from './http-util.js';
import { canonicalId } from './path-id.js';
import type { RequestLog } from './request-log.js';
import type { Clock } from './time.js';

export interface ServerDeps {
  clock: Clock;
  logger: Logger;
  log: RequestLog;
  faults: Faults;
  timestamp: () => string;
  maxRunningDeployments: () => number;
  /** How long each write to the root group takes to answer (0: at once). */
  writeLatencyMs: () => number;
  /** Marathon API routes; undefined when no route matches. */
  api(req: ApiRequest): Reply | undefined;
  /** GET /v2/events: takes over the response. */
  events(req: IncomingMessage, res: ServerResponse, types: string[], remoteAddress: string): void;
  admin(req: ApiRequest): Promise<Reply>;
}

function remoteAddressOf(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
}

/**
 * Writes that Marathon makes through its GroupManager: they change the root group, which it
 * updates one at a time (GroupManagerImpl's serializeUpdates work queue, maxConcurrent 1) and
 * stores in ZooKeeper before it answers.
 */
function isGroupWrite(method: string, path: string): boolean {
  if (method !== 'POST' && method !== 'PUT' && method !== 'PATCH' && method !== 'DELETE') return false;
  return ['/v2/apps', '/v2/groups', '/v2/deployments', '/v2/pods'].some((p) => path === p || path.startsWith(`${p}/`));
}

/** The app a request targets, for the app-scoped faults (`locked`, `hidden`, `missing-on-write`). */
function targetAppId(method: string, path: string, body: Buffer): string | undefined {
  if (path === '/v2/apps' && method === 'POST') {
    try {
      const id = (JSON.parse(body.toString('utf8')) as { id?: unknown }).id;
      return typeof id === 'string' ? canonicalId(id) : undefined;
    } catch {
      return undefined;
    }
  }
  if (!path.startsWith('/v2/apps/')) return undefined;
  const segs = path.slice('/v2/apps/'.length).split('/');
  const tasks = segs.lastIndexOf('tasks');
  if (tasks > 0) return canonicalId(segs.slice(0, tasks).join('/'));
  if (segs[segs.length - 1] === 'restart') return canonicalId(segs.slice(0, -1).join('/'));
  return canonicalId(segs.join('/'));
}

export class SandboxServer {
  readonly server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #hanging = new Set<ServerResponse>();
  /** The last write waiting for its turn: writes are applied one after another, as Marathon does. */
  #writes: Promise<void> = Promise.resolve();

  readonly #deps: ServerDeps;

  constructor(deps: ServerDeps) {
    this.#deps = deps;
    this.server = createServer((req, res) => {
      this.#onRequest(req, res).catch((err: unknown) => {
        deps.logger.error({ err }, 'sandbox request failed');
        if (!res.headersSent) writeReply(res, json(500, { message: err instanceof Error ? err.message : String(err) }));
        else res.destroy();
      });
    });
    this.server.keepAliveTimeout = 5000;
    this.server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  async #onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      path = url.pathname;
    }
    // clients that build URLs from ids with a leading slash send "/v2/apps//x"; Jetty collapses it
    path = path.replace(/\/{2,}/g, '/');
    const method = (req.method ?? 'GET').toUpperCase();
    const body = await readBody(req);
    const apiReq: ApiRequest = {
      method,
      path,
      query: queryOf(url),
      body,
      remoteAddress: remoteAddressOf(req),
      host: String(req.headers.host ?? 'localhost'),
    };
    if (path.startsWith('/sandbox/')) {
      writeReply(res, await this.#deps.admin(apiReq));
      return;
    }

    const entry = this.#deps.log.append({
      time: this.#deps.timestamp(),
      method,
      path,
      query: apiReq.query,
      body: bodyForLog(body),
      status: null,
      faults: [],
      ...(typeof req.headers['user-agent'] === 'string' ? { userAgent: req.headers['user-agent'] } : {}),
    });
    const fired = this.#deps.faults.select({ method, path, appId: targetAppId(method, path, body) });
    entry.faults = fired.map((f) => f.id);
    const after: Fault[] = [];
    for (const fault of fired) {
      switch (fault.kind) {
        case 'reset-before':
          req.socket.destroy();
          return;
        case 'hang':
          this.#hanging.add(res);
          res.on('close', () => this.#hanging.delete(res));
          return;
        case 'latency':
          await new Promise<void>((resolve) => this.#deps.clock.setTimeout(resolve, fault.latencyMs ?? 0));
          break;
        case 'status':
          entry.status = fault.status ?? 500;
          writeReply(res, json(entry.status, fault.body ?? { message: `injected fault ${fault.id}` }));
          return;
        case 'invalid-json':
          entry.status = 200;
          writeReply(res, { status: 200, body: '{"apps":[{"id": this is not JSON' });
          return;
        case 'empty-object':
          entry.status = 200;
          writeReply(res, { status: 200, body: '{}' });
          return;
        case 'locked': {
          const err = appLocked([`injected-${fault.id}`]);
          entry.status = err.status;
          writeReply(res, json(err.status, err.body ?? null));
          return;
        }
        case 'deployment-cap': {
          const err = tooManyDeployments(this.#deps.maxRunningDeployments());
          entry.status = err.status;
          writeReply(res, json(err.status, err.body ?? null));
          return;
        }
        case 'hidden':
        case 'missing-on-write': {
          // A list is handled, then the hidden app is left out of it; a read of the hidden
          // app, or a write to one missing on write, is Marathon's 404.
          if (fault.kind === 'hidden' && path === '/v2/apps') {
            after.push(fault);
            break;
          }
          const err = appNotFound(fault.appId ?? '');
          entry.status = err.status;
          writeReply(res, json(err.status, err.body ?? null));
          return;
        }
        case 'truncate':
        case 'reset-after':
          after.push(fault);
          break;
      }
    }

    if (path === '/v2/events' && method === 'GET') {
      entry.status = 200;
      this.#deps.events(req, res, apiReq.query.event_type ?? [], apiReq.remoteAddress);
      return;
    }

    const latency = this.#deps.writeLatencyMs();
    if (latency > 0 && isGroupWrite(method, path)) {
      // the change takes effect when it is answered: reads meanwhile see the state before it
      const turn = this.#writes.then(() => new Promise<void>((resolve) => this.#deps.clock.setTimeout(resolve, latency)));
      this.#writes = turn;
      await turn;
    }
    let reply: Reply;
    entry.handledAt = this.#deps.timestamp();
    try {
      reply = this.#deps.api(apiReq) ?? json(404, { message: 'URI not found' });
    } catch (err) {
      if (!(err instanceof MarathonApiError)) throw err;
      reply = err.body === undefined ? { status: err.status } : json(err.status, err.body);
    }
    if (after.some((f) => f.kind === 'reset-after')) {
      // the write happened; the client never learns it
      req.socket.destroy();
      return;
    }
    const hidden = after.filter((f) => f.kind === 'hidden').map((f) => f.appId);
    if (hidden.length > 0 && reply.status === 200 && reply.body !== undefined) {
      const list = JSON.parse(reply.body.toString()) as { apps?: Array<{ id?: string }> };
      reply = { ...reply, body: JSON.stringify({ ...list, apps: (list.apps ?? []).filter((a) => !hidden.includes(a.id)) }) };
    }
    if (after.some((f) => f.kind === 'truncate')) {
      const text = reply.body ?? '';
      const half = Math.floor(text.length / 2);
      reply = { status: 200, body: typeof text === 'string' ? text.slice(0, half) : text.subarray(0, half), headers: reply.headers };
    }
    entry.status = reply.status;
    writeReply(res, reply);
  }

  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const addr = this.server.address();
        if (addr === null || typeof addr === 'string') reject(new Error('no address'));
        else resolve({ host: addr.address, port: addr.port });
      });
    });
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const res of this.#hanging) res.destroy();
    for (const socket of this.#sockets) socket.destroy();
    this.server.closeAllConnections();
    await closed;
  }
}
