// What the status server accepts from a client, and for how long. The status API may face a
// network (portals poll it), so a client that dawdles, floods or sends oversized requests
// must cost the daemon a bounded amount and never starve /healthz for long.
//
// Node enforces most of these itself once set; two need care: `headersTimeout` and
// `requestTimeout` are checked every `connectionsCheckingInterval` (30 s by default, which
// is why slow-header connections used to live ~30 s longer than configured), and a request
// head larger than `maxHeaderSize` is refused by the parser before any handler runs (see
// `rejectBadClient`).

import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { MarackerCode } from '../base/errors.js';
import { errorBody } from './errors.js';
import { checkInteger } from '../base/options.js';

export interface StatusLimits {
  /** The request head (request line and headers) must arrive within this. Default 10000 ms. */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this; also the idle limit of a socket with a response pending. Default 30000 ms. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. Default 5000 ms (keep it above a proxy's idle timeout in front). */
  keepAliveTimeoutMs: number;
  /** Connections open at once; more are closed as they arrive. Default 512. */
  maxConnections: number;
  /** Largest request head, URL included, in bytes (answered 431, or 414 for a request line). Default 16384. */
  maxHeaderBytes: number;
  /** Longest URL answered, bytes; longer: 414. Default 8192. */
  maxUrlBytes: number;
  /** Largest request body, bytes (no route reads one: POST /prune/approve takes none); larger: 413. Default 1024. */
  maxBodyBytes: number;
  /** Headers read per request; further ones are ignored. Default 100. */
  maxHeadersCount: number;
  /** How often the timeouts above are checked. Default: a tenth of headersTimeoutMs, at most 1000 ms. */
  checkIntervalMs: number;
}

export const STATUS_LIMIT_DEFAULTS: Readonly<Omit<StatusLimits, 'checkIntervalMs'>> = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 512,
  maxHeaderBytes: 16 * 1024,
  maxUrlBytes: 8 * 1024,
  maxBodyBytes: 1024,
  maxHeadersCount: 100,
});

/** Fills the defaults and checks every value, naming the first wrong one. */
export function resolveLimits(given: Partial<StatusLimits> = {}): StatusLimits {
  const merged = { ...STATUS_LIMIT_DEFAULTS, ...stripUndefined(given) };
  for (const [name, value] of Object.entries(merged)) checkInteger(name, value, 1);
  if (merged.requestTimeoutMs < merged.headersTimeoutMs) {
    throw new TypeError(`Expected \`requestTimeoutMs\` (${merged.requestTimeoutMs}) to be at least \`headersTimeoutMs\` (${merged.headersTimeoutMs})`);
  }
  const checkIntervalMs = given.checkIntervalMs ?? Math.max(1, Math.min(1000, Math.floor(merged.headersTimeoutMs / 10)));
  checkInteger('checkIntervalMs', checkIntervalMs, 1);
  return { ...merged, checkIntervalMs };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Options for `http.createServer` (these can only be given there). */
export function serverOptions(l: StatusLimits): { maxHeaderSize: number; connectionsCheckingInterval: number; requestTimeout: number; headersTimeout: number } {
  return {
    maxHeaderSize: l.maxHeaderBytes,
    connectionsCheckingInterval: l.checkIntervalMs,
    requestTimeout: l.requestTimeoutMs,
    headersTimeout: l.headersTimeoutMs,
  };
}

/** The limits that are properties of a server. */
export function applyLimits(server: Server, l: StatusLimits): void {
  server.headersTimeout = l.headersTimeoutMs;
  server.requestTimeout = l.requestTimeoutMs;
  server.keepAliveTimeout = l.keepAliveTimeoutMs;
  server.maxConnections = l.maxConnections;
  server.maxHeadersCount = l.maxHeadersCount;
  // A client that stops reading its response (slow read) holds the socket: cut it after
  // this much silence either way.
  server.setTimeout(l.requestTimeoutMs, (socket) => socket.destroy());
}

/**
 * Answers what the HTTP parser refused before any handler ran, in the server's JSON error
 * shape, and closes the connection: a head too large (431; 414 when it is the request line
 * that did not end), a head or request not complete in time (408), anything else malformed
 * (400). Nothing of the request is echoed.
 */
export function rejectBadClient(err: Error & { code?: string; rawPacket?: Buffer }, socket: Duplex, l: StatusLimits): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  let reply: [number, string, MarackerCode, string];
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    reply = requestLineUnfinished(err.rawPacket)
      ? [414, 'URI Too Long', 'MRK_STATUS_URI_TOO_LONG', `the URL is longer than ${l.maxUrlBytes} bytes`]
      : [431, 'Request Header Fields Too Large', 'MRK_STATUS_HEADERS_TOO_LARGE', `the request head is larger than ${l.maxHeaderBytes} bytes`];
  } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    reply = [
      408,
      'Request Timeout',
      'MRK_STATUS_REQUEST_TIMEOUT',
      `the request did not arrive within the time allowed (${l.headersTimeoutMs} ms for its head)`,
    ];
  } else {
    reply = [400, 'Bad Request', 'MRK_STATUS_BAD_REQUEST', 'malformed HTTP request'];
  }
  const [status, text, code, message] = reply;
  const body = JSON.stringify(errorBody(code, message));
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  // end() waits for the peer to read; a peer that never does must not keep the socket.
  setTimeout(() => socket.destroy(), 1000).unref();
}

/** The overflowing packet starts a request line ("METHOD /...") that has not ended. */
function requestLineUnfinished(raw: Buffer | undefined): boolean {
  if (!raw) return false;
  const head = raw.subarray(0, Math.min(raw.length, 64)).toString('latin1');
  return /^[A-Z]+ \S/.test(head) && raw.indexOf('\r\n') < 0 && raw.indexOf('\n') < 0;
}
