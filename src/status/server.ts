// The status server: what portals, users and Prometheus read. Plain node:http.
//
// It must answer at once while the daemon runs a 10,000-app pass, so no route does work
// proportional to the number of apps except sending the store's cached document: an app is
// a map lookup, the metrics gauges read counters. /healthz touches nothing the daemon holds,
// so only a dead process fails it. GET /traefik/v3 (--traefik v3) is Traefik's HTTP provider
// endpoint, rebuilt only when an app's record changed (./traefik-config.ts). Errors are JSON `{"error":{"code","message"}}` with the
// stable codes of ./errors.ts. A configured bearer token protects everything but /healthz;
// without one, a prune approval is accepted only from this host (./local-approval.ts).
// What a client may send, and for how long, is bounded by ./limits.ts; no reply quotes a
// request's content back beyond a valid app id.
//
// The dashboard (docs/dashboard.md) is served here too, under /ui/: static files with no
// data in them, so they need no token; the page asks for the token and reads /status with it
// like any client, polling with If-None-Match (a 304 costs nothing between changes). Its
// replies carry a Content-Security-Policy that allows only its own script and style.

import { DEFAULT_INPUT_LIMITS } from '../manifest/limits.js';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MarackerError } from '../base/errors.js';
import { silentLogger, type Logger } from '../base/log.js';
import { isValidAppId } from '../model/app-id.js';
import { BASIC_SCRUBBER, type Scrubber } from '../secrets/scrubber.js';
import { bearerChecker } from './auth.js';
import { parseAppQuery } from './app-query.js';
import { errorBody, StatusApiError, StatusListenError } from './errors.js';
import { tokenlessApprovalRefusal } from './local-approval.js';
import { applyLimits, rejectBadClient, resolveLimits, serverOptions, type StatusLimits } from './limits.js';
import type { GitHook } from './git-hook.js';
import { PROMETHEUS_CONTENT_TYPE } from './metrics.js';
import { type DashboardAssets, loadDashboardAssets } from './dashboard-assets.js';
import type { StatusParts, StatusStore } from './store.js';
import { writeParts } from './parts-writer.js';
import { TraefikConfigCache } from './traefik-config.js';

export interface ReadyVerdict {
  ready: boolean;
  /** Why not, for humans; shown in the 503 body. */
  message?: string;
}

export interface StatusServerOptions {
  /** Address to bind, e.g. "127.0.0.1" or "0.0.0.0". Required. */
  host: string;
  /** 0 picks a free port (see `StatusServer.address`). Required. */
  port: number;
  store: StatusStore;
  /** Rendered on GET /metrics, in the Prometheus text format 0.0.4 (DaemonMetrics, or a prom-client Registry's `metrics()`). */
  metrics: { render(): string | Promise<string> };
  /** Bearer token for every route but /healthz. Default: none (open; prune approvals only from this host). */
  token?: string | null;
  /** Approves the episode the prune guard holds back. Default: none (503). */
  approvePrune?: (request: PruneApprovalRequest) => PruneApprovalAnswer | Promise<PruneApprovalAnswer>;
  /**
   * Reconciles now: the given apps, or (none given) everything after re-reading every source
   * and listing Marathon. Default: none (503).
   */
  requestSync?: (request: SyncRequest) => SyncAnswer | Promise<SyncAnswer>;
  /** Default: silent. Approvals are logged at warn, failures at error, each request at debug. */
  logger?: Logger;
  /** Asked by /readyz once the first full sync is done; can withhold readiness (shutting down). Default: ready. */
  readyCheck?: () => ReadyVerdict;
  /** How long close() lets responses in flight finish before cutting their connections. Default 1000. */
  shutdownGraceMs?: number;
  /**
   * Applied to error replies, readiness messages and metrics (the status document comes from
   * the store, which scrubs what it is given). Default: URL credentials and header values only.
   */
  scrubber?: Scrubber;
  /** Timeouts and sizes a client must keep to (./limits.ts). Default: STATUS_LIMIT_DEFAULTS. */
  limits?: Partial<StatusLimits>;
  /** Serve GET /traefik/v3, the routes of the apps for Traefik v3's HTTP provider (--traefik v3). Default false (404). */
  traefikV3?: boolean;
  /**
   * A bearer token GET /traefik/v3 accepts besides `token` (and nothing else does): Traefik's
   * configuration then holds a token that can read routes, not approve prunes. When `token`
   * is not set, the route is open like the others. Default: none.
   */
  traefikToken?: string | null;
  /**
   * Sets the instances of a database-declared app by writing its row of maracker.apps
   * (`POST /apps/{id}/scale?instances=N`); true when the row was there. Default: none (503).
   */
  setRowInstances?: (request: RowScaleRequest) => Promise<boolean>;
  /** The most a scale may ask for: the daemon's --max-instances, beyond which the row would be refused. Default: its default. */
  maxInstances?: number;
  /** Folder of the dashboard's built files. Default: dist/src/ui (./dashboard-assets.ts). */
  dashboardDir?: string;
  /** `POST /hooks/git` (./git-hook.ts): a signed push notice triggers a fetch. Default: no such route. */
  gitHook?: GitHook;
}

export interface PruneApprovalRequest {
  /** Who asks: the remote address, with the user the client names (`X-Maracker-User`). */
  by: string;
  /** `?episode=`: the episode the approver looked at; another one blocked now is refused. */
  episode?: string;
}

export interface SyncRequest {
  /** Who asks, as for an approval. */
  by: string;
  /** Apps to reconcile now; empty: every app, after a full resync. */
  apps: readonly string[];
}

export interface SyncAnswer {
  /** Apps queued, or "all". */
  queued: readonly string[] | 'all';
  /** Apps named that no source declares and Marathon does not list (nothing to do for them). */
  unknown: readonly string[];
  message: string;
}

export interface RowScaleRequest {
  id: string;
  instances: number;
  /** Who asks, as for a prune approval. */
  by: string;
}

export interface PruneApprovalAnswer {
  approved: readonly string[];
  episode: string | null;
  /** Why nothing was approved. */
  message?: string;
}

export interface StatusServer {
  /** e.g. "http://127.0.0.1:8090". */
  readonly url: string;
  readonly address: AddressInfo;
  /** Stops listening and closes every connection, keep-alive ones included. Idempotent. */
  close(): Promise<void>;
}

interface Reply {
  status: number;
  /** StatusParts: the status document, written a slice at a time (./parts-writer.ts). */
  body: string | Buffer | StatusParts;
  contentType: string;
  headers?: Record<string, string>;
}

interface Context {
  method: string;
  path: string;
  query: URLSearchParams;
  remote: string;
  headers: IncomingMessage['headers'];
  /** The raw body, read for the one route that takes one (POST /hooks/git). */
  body?: Buffer;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const READ_METHODS = 'GET, HEAD';
const ROUTE_LIST =
  'GET /status, GET /status/apps/{id}, GET /healthz, GET /readyz, GET /metrics, GET /traefik/v3, POST /prune/approve, POST /sync, POST /apps/{id}/scale?instances=N, GET /ui/';
/** Apps one sync request may name (a group's worth; everything: name none). */
const MAX_SYNC_APPS = 1000;
const APPS_PREFIX = '/status/apps/';
const ACTION_PREFIX = '/apps/';
const UI_PREFIX = '/ui/';

/**
 * The dashboard's own files only: no inline script or style (hostile text that slipped into
 * the page could not run), no other origin to fetch from or post to, and not framable itself.
 * Frames may show any http(s) app: that is what the page is for, and they are sandboxed.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  'frame-src http: https:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const DASHBOARD_HEADERS: Record<string, string> = {
  'Content-Security-Policy': DASHBOARD_CSP,
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
};
const HOOK_PATH = '/hooks/git';
/** A forge's push event with many commits is tens of KiB; GitHub caps its payloads at 25 MiB, we at 1 MiB. */
const HOOK_MAX_BODY_BYTES = 1024 * 1024;

export async function startStatusServer(options: StatusServerOptions): Promise<StatusServer> {
  checkOptions(options);
  const limits = resolveLimits(options.limits);
  const { store, metrics, approvePrune, requestSync, readyCheck, setRowInstances } = options;
  const maxInstances = options.maxInstances ?? DEFAULT_INPUT_LIMITS.maxInstances;
  const token = options.token ?? undefined;
  // The caller names the component in the logger it passes (binding it here again would
  // repeat the key in every line).
  const log = options.logger ?? silentLogger();
  const checkBearer = token === undefined ? undefined : bearerChecker(token);
  const checkTraefikBearer = options.traefikToken ? bearerChecker(options.traefikToken) : undefined;
  const grace = options.shutdownGraceMs ?? 1000;
  const traefikBodies = new TraefikConfigCache();
  const dashboard: DashboardAssets = loadDashboardAssets(options.dashboardDir);
  // Known once listening (a host name such as "localhost" binds to an address).
  let boundAddress = (): string => options.host;
  const scrubber = options.scrubber ?? BASIC_SCRUBBER;

  const routes: Record<string, { allow: string; public?: boolean; handle: (ctx: Context) => Reply | Promise<Reply> }> = {
    '/healthz': { allow: READ_METHODS, public: true, handle: () => json(200, { status: 'ok' }) },
    '/': { allow: READ_METHODS, public: true, handle: () => ({ status: 302, body: '', contentType: 'text/plain', headers: { Location: UI_PREFIX } }) },
    '/ui': { allow: READ_METHODS, public: true, handle: () => ({ status: 302, body: '', contentType: 'text/plain', headers: { Location: UI_PREFIX } }) },
    '/readyz': { allow: READ_METHODS, handle: () => readiness() },
    '/status': { allow: READ_METHODS, handle: (ctx) => statusDocument(ctx) },
    '/metrics': {
      allow: READ_METHODS,
      handle: async () => ({ status: 200, body: scrubber.text(await metrics.render()), contentType: PROMETHEUS_CONTENT_TYPE }),
    },
    '/prune/approve': { allow: 'POST', handle: (ctx) => approve(ctx) },
    '/sync': { allow: 'POST', handle: (ctx) => sync(ctx) },
    '/traefik/v3': { allow: READ_METHODS, handle: (ctx) => traefikConfig(ctx) },
    // Public to bearer tokens: a forge cannot send one; the signature is its authentication.
    ...(options.gitHook ? { [HOOK_PATH]: { allow: 'POST', public: true, handle: (ctx: Context) => gitHookReply(ctx) } } : {}),
  };

  function traefikConfig(ctx: Context): Reply {
    if (options.traefikV3 !== true) {
      throw new StatusApiError(
        'MRK_STATUS_TRAEFIK_DISABLED',
        404,
        'this daemon does not serve routes to Traefik v3: start it with --traefik v3 (MARACKER_TRAEFIK=v3)',
      );
    }
    // Before the first full sync the routes are not known: an answer now would take every app
    // off Traefik. A non-200 answer makes Traefik keep the configuration it has and ask again.
    if (!store.ready) {
      throw new StatusApiError('MRK_STATUS_NOT_READY', 503, 'the routes are not known yet: the first full sync has not finished', { 'Retry-After': '1' });
    }
    const { body, etag } = traefikBodies.get(store.appsVersion, () => store.apps());
    if (matchesEtag(ctx.headers['if-none-match'], etag)) return { status: 304, body: Buffer.alloc(0), contentType: JSON_TYPE, headers: { ETag: etag } };
    return { status: 200, body, contentType: JSON_TYPE, headers: { ETag: etag } };
  }

  function gitHookReply(ctx: Context): Reply {
    const verdict = options.gitHook?.receive(ctx.headers, ctx.body ?? Buffer.alloc(0));
    if (verdict === 'unauthorized') throw new StatusApiError('MRK_STATUS_UNAUTHORIZED', 401, 'the webhook signature is missing or wrong');
    if (verdict === 'rate-limited')
      throw new StatusApiError('MRK_STATUS_RATE_LIMITED', 429, 'too many webhook requests: a fetch is on its way', { 'Retry-After': '1' });
    log.info({ remote: ctx.remote }, 'git webhook: fetching now');
    return json(202, { status: 'fetching' });
  }

  function readiness(): Reply {
    if (!store.ready) return json(503, { status: 'not ready', message: 'first full sync not finished yet' });
    const verdict = readyCheck?.() ?? { ready: true };
    if (!verdict.ready) return json(503, { status: 'not ready', message: scrubber.text(verdict.message ?? 'not ready') });
    return json(200, { status: 'ready' });
  }

  function statusDocument(ctx: Context): Reply {
    const selection = parseAppQuery(ctx.query);
    // Filtering and paging walk the apps once, and reuse their serialised records.
    const parts = selection === undefined ? store.parts() : store.select(selection).parts;
    // The tag is a hash of the content (the store's digest), so a restarted daemon with
    // the same status answers the same tag and one whose status differs never matches.
    const etag = `"${parts.digest}"`;
    if (ctx.headers['if-none-match'] === etag) return { status: 304, body: '', contentType: JSON_TYPE, headers: { ETag: etag } };
    return { status: 200, body: parts, contentType: JSON_TYPE, headers: { ETag: etag } };
  }

  /** The app's record with its recent outcomes; its ETag changes with either (a hash of one app: cheap per poll). */
  function appDocument(ctx: Context, id: string): Reply {
    const body = store.appDetailJson(id);
    if (body === undefined) throw new StatusApiError('MRK_STATUS_APP_NOT_FOUND', 404, `app ${id} is not known to maracker`);
    const etag = etagOf(body);
    if (matchesEtag(ctx.headers['if-none-match'], etag)) return { status: 304, body: '', contentType: JSON_TYPE, headers: { ETag: etag } };
    return { status: 200, body, contentType: JSON_TYPE, headers: { ETag: etag } };
  }

  /** Without a token, a write is accepted only from this host (./local-approval.ts); `what` says what it would do. */
  function requireLocal(ctx: Context, what: string, verb: string): void {
    if (token !== undefined) return;
    const refusal = tokenlessApprovalRefusal({ boundAddress: boundAddress(), remote: ctx.remote, headers: ctx.headers });
    if (refusal !== undefined) {
      throw new StatusApiError(
        'MRK_STATUS_TOKEN_REQUIRED',
        403,
        `${what}: without a status token, only a request from this host to a status server on the loopback interface may ${verb}, and here ${refusal}; start maracker with --status-token (MARACKER_STATUS_TOKEN) and send it as "Authorization: Bearer <token>"`,
      );
    }
  }

  async function scaleRow(ctx: Context, id: string): Promise<Reply> {
    requireLocal(ctx, 'scaling an app writes its row of maracker.apps', 'write it');
    const app = store.getApp(id);
    if (!app) throw new StatusApiError('MRK_STATUS_APP_NOT_FOUND', 404, `app ${id} is not known to maracker`);
    // Git is the truth of a manifest app: a write here would be undone by the next pass, or worse, not.
    if (!app.source?.startsWith('database row '))
      throw new StatusApiError(
        'MRK_STATUS_READ_ONLY',
        409,
        app.source === null
          ? `app ${id} is declared by no source: nothing to scale`
          : `app ${id} is declared in ${app.source}: change it in the manifests' git repository`,
      );
    const raw = ctx.query.get('instances') ?? '';
    const instances = /^[0-9]{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(instances >= 0 && instances <= maxInstances))
      throw new StatusApiError(
        'MRK_STATUS_BAD_QUERY',
        400,
        `instances: expected an integer from 0 to ${maxInstances} (--max-instances), got "${raw.slice(0, 20)}"`,
      );
    if (!setRowInstances) throw new StatusApiError('MRK_STATUS_ROWS_UNAVAILABLE', 503, 'this instance cannot write rows of maracker.apps (it has no database)');
    const by = describeCaller(ctx);
    if (!(await setRowInstances({ id, instances, by }))) throw new StatusApiError('MRK_STATUS_APP_NOT_FOUND', 404, `maracker.apps has no row ${id} (any more)`);
    log.warn({ by, appId: id, instances }, `row ${id} set to ${instances} instances`);
    return json(200, { id, instances, message: `row ${id} set to ${instances} instances; the daemon reconciles it like any row change` });
  }

  function describeCaller(ctx: Context): string {
    const user = approverName(ctx.headers['x-maracker-user']);
    return user === undefined ? ctx.remote : `${user} from ${ctx.remote}`;
  }

  async function sync(ctx: Context): Promise<Reply> {
    requireLocal(ctx, 'asking for a sync makes the daemon write to Marathon', 'ask');
    if (!requestSync) throw new StatusApiError('MRK_STATUS_SYNC_UNAVAILABLE', 503, 'this instance cannot sync');
    const apps = ctx.query.getAll('app');
    if (apps.length > MAX_SYNC_APPS)
      throw new StatusApiError('MRK_STATUS_BAD_QUERY', 400, `app: at most ${MAX_SYNC_APPS} apps per request, got ${apps.length}`);
    for (const id of apps) {
      if (!isValidAppId(id))
        throw new StatusApiError(
          'MRK_STATUS_BAD_QUERY',
          400,
          `app: expected an absolute app id such as /demo/web, got "${JSON.stringify(id.slice(0, 80)).slice(1, -1)}"`,
        );
    }
    const by = describeCaller(ctx);
    let answer: SyncAnswer;
    try {
      answer = await requestSync({ by, apps });
    } catch (err) {
      if (err instanceof MarackerError && !(err instanceof StatusApiError)) throw new StatusApiError(err.code, 409, err.message);
      throw err;
    }
    log.info({ by, apps: answer.queued, unknown: answer.unknown }, `sync requested: ${answer.message}`);
    return json(200, { queued: answer.queued, unknown: answer.unknown, message: answer.message });
  }

  async function approve(ctx: Context): Promise<Reply> {
    requireLocal(ctx, 'approving a prune deletes apps', 'approve');
    if (!approvePrune) throw new StatusApiError('MRK_STATUS_PRUNE_UNAVAILABLE', 503, 'this instance cannot approve prunes (it does not prune)');
    const episode = ctx.query.get('episode') ?? undefined;
    if (episode !== undefined && !/^[0-9a-z]{1,64}$/.test(episode))
      throw new StatusApiError(
        'MRK_STATUS_BAD_QUERY',
        400,
        `episode: expected the id of an episode (prune.episode.id in GET /status), got "${episode.slice(0, 80)}"`,
      );
    const by = describeCaller(ctx);
    let answer: PruneApprovalAnswer;
    try {
      answer = await approvePrune({ by, ...(episode !== undefined ? { episode } : {}) });
    } catch (err) {
      // A refusal the daemon explains (not leader, another episode...) is the caller's to act
      // on; anything else is ours and is answered as an internal error by the caller of this function.
      if (err instanceof MarackerError && !(err instanceof StatusApiError)) throw new StatusApiError(err.code, 409, err.message);
      throw err;
    }
    if (answer.approved.length === 0) {
      const message = answer.message ?? 'nothing awaits approval';
      log.info({ by, episode }, `prune approval asked: ${message}`);
      return json(200, { approved: [], episode: answer.episode, message });
    }
    log.warn({ by, episode: answer.episode, approved: answer.approved }, `prune of ${answer.approved.length} apps approved`);
    return json(200, { approved: answer.approved, episode: answer.episode, message: `approved deleting ${answer.approved.length} apps` });
  }

  function authorize(req: IncomingMessage, path: string): void {
    if (!checkBearer) return;
    const verdict = checkBearer(req.headers.authorization);
    if (verdict === 'ok') return;
    if (path === '/traefik/v3' && checkTraefikBearer?.(req.headers.authorization) === 'ok') return;
    const message = verdict === 'missing' ? 'this endpoint needs "Authorization: Bearer <token>"' : 'the bearer token is wrong';
    throw new StatusApiError('MRK_STATUS_UNAUTHORIZED', 401, message, { 'WWW-Authenticate': 'Bearer realm="maracker"' });
  }

  /** A file of the dashboard: public (it holds no data; the page asks for the token). */
  function dashboardFile(ctx: Context): Reply {
    if (!allowed(READ_METHODS, ctx.method)) throw methodNotAllowed(ctx, READ_METHODS);
    const name = ctx.path.slice(UI_PREFIX.length) || 'index.html';
    if (dashboard.missing !== undefined) throw new StatusApiError('MRK_STATUS_NOT_FOUND', 404, dashboard.missing);
    const asset = dashboard.get(name);
    if (!asset) throw new StatusApiError('MRK_STATUS_NOT_FOUND', 404, `the dashboard has no file ${shownPath(ctx.path)}`);
    return { status: 200, body: asset.body, contentType: asset.contentType, headers: DASHBOARD_HEADERS };
  }

  async function dispatch(req: IncomingMessage, ctx: Context): Promise<Reply> {
    if (ctx.path.startsWith(UI_PREFIX)) return dashboardFile(ctx);
    const route = routes[ctx.path];
    if (!route?.public) authorize(req, ctx.path);
    if (route) {
      if (!allowed(route.allow, ctx.method)) throw methodNotAllowed(ctx, route.allow);
      return route.handle(ctx);
    }
    if (ctx.path.startsWith(ACTION_PREFIX) && ctx.path.endsWith('/scale')) {
      if (!allowed('POST', ctx.method)) throw methodNotAllowed(ctx, 'POST');
      const id = appIdFromPath(ctx.path.slice(ACTION_PREFIX.length, -'/scale'.length));
      if (!isValidAppId(id)) throw new StatusApiError('MRK_STATUS_APP_NOT_FOUND', 404, 'not a valid app id (a path of lowercase segments, e.g. /mip/prod/web)');
      return scaleRow(ctx, id);
    }
    if (ctx.path.startsWith(APPS_PREFIX) && ctx.path.length > APPS_PREFIX.length) {
      if (!allowed(READ_METHODS, ctx.method)) throw methodNotAllowed(ctx, READ_METHODS);
      const id = appIdFromPath(ctx.path.slice(APPS_PREFIX.length));
      // Not an id Marathon could hold (.., %2f tricks, control characters, unicode): not quoted back.
      if (!isValidAppId(id)) throw new StatusApiError('MRK_STATUS_APP_NOT_FOUND', 404, 'not a valid app id (a path of lowercase segments, e.g. /mip/prod/web)');
      return appDocument(ctx, id);
    }
    throw new StatusApiError('MRK_STATUS_NOT_FOUND', 404, `no route ${ctx.method} ${shownPath(ctx.path)}; routes: ${ROUTE_LIST}`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const ctx: Context = {
      method: req.method ?? 'GET',
      path: q < 0 ? raw : raw.slice(0, q),
      query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)),
      remote: req.socket.remoteAddress ?? 'unknown',
      headers: req.headers,
    };
    // No route reads a body but the webhook's; one is drained (so a keep-alive connection
    // stays usable) up to maxBodyBytes, and a larger one is refused with the connection closed.
    const hook = options.gitHook !== undefined && ctx.path === HOOK_PATH && ctx.method === 'POST';
    const read = hook ? await readBody(req, HOOK_MAX_BODY_BYTES) : await drainBody(req, limits.maxBodyBytes);
    if (read === 'aborted') return;
    const body = Buffer.isBuffer(read) ? 'ok' : read;
    if (Buffer.isBuffer(read)) ctx.body = read;
    let reply: Reply;
    try {
      if (Buffer.byteLength(raw) > limits.maxUrlBytes)
        throw new StatusApiError('MRK_STATUS_URI_TOO_LONG', 414, `the URL is longer than ${limits.maxUrlBytes} bytes`);
      if (body === 'too-large')
        throw new StatusApiError(
          'MRK_STATUS_BODY_TOO_LARGE',
          413,
          hook
            ? `the webhook body is larger than ${HOOK_MAX_BODY_BYTES} bytes`
            : `the request body is larger than ${limits.maxBodyBytes} bytes (no route takes a body)`,
        );
      reply = await dispatch(req, ctx);
    } catch (err) {
      if (err instanceof StatusApiError) {
        reply = json(err.status, errorBody(err.code, scrubber.text(err.message)), err.headers);
      } else {
        log.error({ err, method: ctx.method, path: shownPath(ctx.path) }, 'status request failed');
        reply = json(500, errorBody('MRK_STATUS_INTERNAL', 'internal error; see the maracker log'));
      }
    }
    if (body === 'too-large') {
      // The rest of the body is not read: this connection cannot carry another request.
      reply = { ...reply, headers: { ...reply.headers, Connection: 'close' } };
      res.once('finish', () => req.socket.destroy());
    }
    const writing = send(res, reply, ctx.method === 'HEAD');
    // A document written in slices: an error of the socket meanwhile is the client's.
    writing?.catch((err: unknown) => log.debug({ err: String(err) }, 'status reply cut'));
    log.debug({ method: ctx.method, path: shownPath(ctx.path), status: reply.status, remote: ctx.remote }, 'status request');
  }

  const server = createServer(serverOptions(limits), (req, res) => void handle(req, res));
  applyLimits(server, limits);
  server.on('clientError', (err: Error & { code?: string; rawPacket?: Buffer }, socket) => rejectBadClient(err, socket, limits));
  await listen(server, options.host, options.port);
  server.on('error', (err) => log.error({ err }, 'status server error'));
  const address = server.address() as AddressInfo;
  boundAddress = () => address.address;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  log.info({ url: `http://${host}:${address.port}`, auth: token !== undefined }, 'status server listening');

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    address,
    close() {
      closing ??= new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), grace);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        // Keep-alive connections would otherwise hold close() until their idle timeout.
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

/** If-None-Match names this ETag (or is `*`). Traefik's provider sends none; curl and proxies may. */
function matchesEtag(header: string | string[] | undefined, etag: string): boolean {
  const raw = Array.isArray(header) ? header.join(',') : header;
  if (raw === undefined) return false;
  return raw.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}

/** The name a client gives in X-Maracker-User (the CLI sends the OS user): logged, so kept short and plain. */
function approverName(header: string | string[] | undefined): string | undefined {
  const raw = Array.isArray(header) ? header[0] : header;
  const name = raw?.trim().slice(0, 64);
  return name && /^[\w.@+-]+$/.test(name) ? name : undefined;
}

function send(res: ServerResponse, reply: Reply, head: boolean): Promise<void> | undefined {
  const parts = isParts(reply.body) ? reply.body : undefined;
  const body = parts ? undefined : typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : (reply.body as Buffer);
  const length = parts ? parts.bytes : (body as Buffer).length;
  res.writeHead(reply.status, {
    'Content-Type': reply.contentType,
    // A 304 has no body; its length would be the 200's.
    ...(reply.status === 304 ? {} : { 'Content-Length': String(length) }),
    // Status is live: no proxy or browser may answer a poll from a cache.
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...reply.headers,
  });
  // HEAD gets the headers GET would have had, Content-Length included, and no body.
  if (head || reply.status === 304) {
    res.end();
    return undefined;
  }
  if (parts) return writeParts(res, parts);
  res.end(body);
  return undefined;
}

function isParts(body: Reply['body']): body is StatusParts {
  return typeof body === 'object' && !Buffer.isBuffer(body);
}

function json(status: number, value: unknown, headers?: Record<string, string>): Reply {
  return { status, body: JSON.stringify(value), contentType: JSON_TYPE, ...(headers ? { headers } : {}) };
}

/** A strong tag of a reply's content: the same content answers the same tag, across restarts too. */
function etagOf(text: string): string {
  return `"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"`;
}

function allowed(allow: string, method: string): boolean {
  return allow.split(', ').includes(method);
}

function methodNotAllowed(ctx: Context, allow: string): StatusApiError {
  return new StatusApiError('MRK_STATUS_METHOD_NOT_ALLOWED', 405, `${ctx.method} is not allowed on ${shownPath(ctx.path)}; allowed: ${allow}`, {
    Allow: allow,
  });
}

/** A request path as replies and logs may show it: printable ASCII, short; anything else is not quoted. */
function shownPath(path: string): string {
  return /^[\x21-\x7e]{1,200}$/.test(path) ? path : '(path not shown)';
}

/**
 * Reads and discards a request body, up to `max` bytes. 'too-large' as soon as it is known
 * to be larger (a Content-Length over the limit is not read at all); 'aborted' if the client
 * went away.
 */
function drainBody(req: IncomingMessage, max: number): Promise<'ok' | 'too-large' | 'aborted'> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (Number.isFinite(declared) && declared > max) return Promise.resolve('too-large');
  return new Promise((resolve) => {
    let seen = 0;
    const done = (verdict: 'ok' | 'too-large' | 'aborted'): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('close', onClose);
      if (verdict === 'too-large') req.pause();
      resolve(verdict);
    };
    const onData = (chunk: Buffer): void => {
      seen += chunk.length;
      if (seen > max) done('too-large');
    };
    const onEnd = (): void => done('ok');
    const onAbort = (): void => done('aborted');
    const onClose = (): void => done(req.complete ? 'ok' : 'aborted');
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('close', onClose);
    req.resume();
  });
}

/** Reads a request body of at most `max` bytes (the webhook's, whose signature covers it). */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | 'too-large' | 'aborted'> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (Number.isFinite(declared) && declared > max) return Promise.resolve('too-large');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let seen = 0;
    let settled = false;
    const done = (v: Buffer | 'too-large' | 'aborted'): void => {
      if (settled) return;
      settled = true;
      if (v === 'too-large') req.pause();
      resolve(v);
    };
    req.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > max) return done('too-large');
      chunks.push(chunk);
    });
    req.on('end', () => done(Buffer.concat(chunks, seen)));
    req.on('error', () => done('aborted'));
    req.on('close', () => done(req.complete ? Buffer.concat(chunks, seen) : 'aborted'));
  });
}

/** "mip/prod/web" (or "%2Fmip%2Fprod%2Fweb") -> "/mip/prod/web". */
function appIdFromPath(rest: string): string {
  let decoded = rest;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    // Not percent-encoding: look it up as written, it will simply not be found.
  }
  return (
    '/' +
    decoded
      .split('/')
      .filter((s) => s.length > 0)
      .join('/')
  );
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(new StatusListenError(host, port, err));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function checkOptions(o: StatusServerOptions): void {
  if (typeof o.host !== 'string' || o.host.length === 0) throw new TypeError(`Expected \`host\` to be a non-empty string, got \`${String(o.host)}\``);
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535)
    throw new TypeError(`Expected \`port\` to be an integer from 0 to 65535, got \`${String(o.port)}\``);
  if (typeof o.store?.json !== 'function') throw new TypeError('Expected `store` to be a StatusStore');
  if (typeof o.metrics?.render !== 'function') throw new TypeError('Expected `metrics` to have a `render()` method (DaemonMetrics)');
  // An empty token would let anyone in who sends "Bearer " with nothing: refuse it outright.
  // A token with blanks could never be sent back in an Authorization header.
  if (o.token !== undefined && o.token !== null && (typeof o.token !== 'string' || !/^\S+$/.test(o.token))) {
    throw new TypeError('Expected `token` to be a non-empty string without whitespace when given');
  }
  if (o.approvePrune !== undefined && typeof o.approvePrune !== 'function')
    throw new TypeError(`Expected \`approvePrune\` to be a function, got \`${typeof o.approvePrune}\``);
  if (o.requestSync !== undefined && typeof o.requestSync !== 'function')
    throw new TypeError(`Expected \`requestSync\` to be a function, got \`${typeof o.requestSync}\``);
  if (o.traefikToken !== undefined && o.traefikToken !== null && (typeof o.traefikToken !== 'string' || !/^\S+$/.test(o.traefikToken))) {
    throw new TypeError('Expected `traefikToken` to be a non-empty string without whitespace when given');
  }
  if (o.traefikV3 !== undefined && typeof o.traefikV3 !== 'boolean')
    throw new TypeError(`Expected \`traefikV3\` to be a boolean, got \`${typeof o.traefikV3}\``);
  if (o.readyCheck !== undefined && typeof o.readyCheck !== 'function')
    throw new TypeError(`Expected \`readyCheck\` to be a function, got \`${typeof o.readyCheck}\``);
  const grace = o.shutdownGraceMs;
  if (grace !== undefined && (!Number.isFinite(grace) || grace < 0))
    throw new TypeError(`Expected \`shutdownGraceMs\` to be a number from 0 and up, got \`${grace}\``);
}
