// Issue 11, hostile HTTP against the status server: slow headers (slowloris), many
// connections, oversized URLs, heads and bodies, path tricks in app ids, wrong tokens. Raw
// `net` sockets, so nothing normalises the request on the way; the server runs with small
// timeouts of its own, and every wait is for an event (a socket closing, a reply), never a
// sleep. After each attack, the server still answers.

import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createLogger } from '../../src/base/log.js';
import { createDaemonMetrics } from '../../src/status/daemon-metrics.js';
import type { StatusLimits } from '../../src/status/limits.js';
import { startStatusServer, type StatusServer } from '../../src/status/server.js';
import { appStatus, statusStore } from '../status/fixtures.js';

const TOKEN = 'the-Real-token-42';

interface Served {
  server: StatusServer;
  port: number;
  log: string[];
}

async function serve(limits: Partial<StatusLimits>): Promise<Served> {
  const store = statusStore();
  store.setApp(appStatus({ id: '/demo/web' }));
  const log: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _enc, cb) {
        log.push(chunk.toString());
        cb();
      },
    }),
  });
  const server = await startStatusServer({
    host: '127.0.0.1',
    port: 0,
    store,
    metrics: createDaemonMetrics({ store }),
    token: TOKEN,
    logger,
    approvePrune: () => ({ approved: [], episode: null }),
    limits,
  });
  onTestFinished(() => server.close());
  return { server, port: server.address.port, log };
}

interface Exchange {
  /** Everything the server sent. */
  received: string;
  /** The server ended the connection (FIN), as opposed to us. */
  endedByServer: boolean;
}

/** Opens a connection, sends `parts` in order, and resolves when the connection closes. */
function exchange(port: number, ...parts: string[]): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let endedByServer = false;
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('end', () => {
      endedByServer = true;
      socket.end();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ received, endedByServer }));
    socket.on('connect', () => {
      for (const p of parts) socket.write(p);
    });
  });
}

function request(path: string, headers: Record<string, string> = {}, method = 'GET'): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: status', 'Connection: close', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

const auth = { Authorization: `Bearer ${TOKEN}` };

function statusLine(e: Exchange): string {
  return e.received.split('\r\n')[0] ?? '';
}

function errorBody(e: Exchange): { code: string; message: string } {
  const body = e.received.slice(e.received.indexOf('\r\n\r\n') + 4);
  return (JSON.parse(body) as { error: { code: string; message: string } }).error;
}

async function healthy(port: number): Promise<void> {
  expect(statusLine(await exchange(port, request('/healthz')))).toBe('HTTP/1.1 200 OK');
}

describe('the status server under hostile HTTP', () => {
  it('cuts slow-header connections (a header byte at a time, never finished) after its header timeout, and keeps answering', async () => {
    // 2 s, not less: the same deadline bounds the healthy requests sent meanwhile, and a busy
    // machine can hold this process longer than a few hundred ms between accepting one and
    // reading its head (a 408 then, in place of the 200 asserted).
    const { port } = await serve({ headersTimeoutMs: 2_000, requestTimeoutMs: 4_000, checkIntervalMs: 20 });
    const head = request('/status', { ...auth, 'X-Slow': 'x'.repeat(4096) });
    const slow = Array.from(
      { length: 30 },
      () =>
        new Promise<Exchange & { bytesSent: number }>((resolve) => {
          const socket: Socket = connect(port, '127.0.0.1');
          let received = '';
          let endedByServer = false;
          let sent = 0;
          // One byte every 50 ms: far more often than the timeout, so only a deadline on the
          // whole head (not on silence) cuts it.
          const drip = setInterval(() => socket.write(head[sent++ % head.length] as string), 50);
          socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
          socket.on('end', () => {
            endedByServer = true;
            socket.end();
          });
          socket.on('error', () => undefined);
          socket.on('close', () => {
            clearInterval(drip);
            resolve({ received, endedByServer, bytesSent: sent });
          });
        }),
    );
    // While they drip, the server serves everyone else.
    await healthy(port);
    const results = await Promise.all(slow);
    for (const r of results) {
      expect(r.endedByServer).toBe(true);
      expect(statusLine(r)).toBe('HTTP/1.1 408 Request Timeout');
      expect(errorBody(r).code).toBe('MRK_STATUS_REQUEST_TIMEOUT');
      // The whole head was never sent: the cut came from the deadline, not from the request.
      expect(r.bytesSent).toBeLessThan(head.length);
    }
    await healthy(port);
  });

  it('closes connections beyond its cap as they arrive, and accepts again once below it', async () => {
    const { port } = await serve({ maxConnections: 5, keepAliveTimeoutMs: 30_000, headersTimeoutMs: 30_000, requestTimeoutMs: 30_000 });
    // Five keep-alive connections, each proven open by a reply.
    const held: Socket[] = [];
    for (let i = 0; i < 5; i++) {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => {
        socket.once('data', () => resolve());
        socket.write('GET /healthz HTTP/1.1\r\nHost: status\r\n\r\n');
      });
      held.push(socket);
    }
    onTestFinished(() => {
      for (const s of held) s.destroy();
    });
    const refused = await exchange(port, request('/healthz'));
    expect(refused.received).toBe('');
    // Let one go; the server accepts again once it has seen it close.
    const closed = new Promise((resolve) => held[0]?.once('close', resolve));
    held[0]?.end();
    await closed;
    for (;;) {
      const again = await exchange(port, request('/healthz'));
      if (again.received !== '') {
        expect(statusLine(again)).toBe('HTTP/1.1 200 OK');
        break;
      }
    }
  });

  it('refuses oversized URLs (414), heads (431) and bodies (413), closing the connection, without quoting them', async () => {
    const { port, log } = await serve({});
    const longId = 'a'.repeat(9000);
    const url = await exchange(port, request(`/status/apps/${longId}`, auth));
    expect(statusLine(url)).toBe('HTTP/1.1 414 URI Too Long');
    expect(errorBody(url)).toEqual({ code: 'MRK_STATUS_URI_TOO_LONG', message: 'the URL is longer than 8192 bytes' });

    const huge = await exchange(port, `GET /status/apps/${'a'.repeat(100_000)} HTTP/1.1\r\nHost: status\r\n\r\n`);
    expect(statusLine(huge)).toBe('HTTP/1.1 414 URI Too Long');
    expect(huge.endedByServer).toBe(true);

    const head = await exchange(port, request('/status', { ...auth, 'X-Big': 'b'.repeat(20_000) }));
    expect(statusLine(head)).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(errorBody(head).code).toBe('MRK_STATUS_HEADERS_TOO_LARGE');

    const declared = await exchange(port, `POST /prune/approve HTTP/1.1\r\nHost: status\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 10000000\r\n\r\n`);
    expect(statusLine(declared)).toBe('HTTP/1.1 413 Payload Too Large');
    expect(errorBody(declared).code).toBe('MRK_STATUS_BODY_TOO_LARGE');
    expect(declared.endedByServer).toBe(true);

    const chunk = `400\r\n${'c'.repeat(0x400)}\r\n`;
    const streamed = await exchange(
      port,
      `POST /prune/approve HTTP/1.1\r\nHost: status\r\nAuthorization: Bearer ${TOKEN}\r\nTransfer-Encoding: chunked\r\n\r\n`,
      chunk,
      chunk,
      chunk,
    );
    expect(statusLine(streamed)).toBe('HTTP/1.1 413 Payload Too Large');
    expect(streamed.endedByServer).toBe(true);

    for (const e of [url, huge, head, declared, streamed]) expect(e.received).not.toMatch(/aaaaaaaa|bbbbbbbb|cccccccc/);
    expect(log.join('')).not.toMatch(/aaaaaaaa|bbbbbbbb|cccccccc/);
    await healthy(port);
  });

  it('answers traversal, encoded and malformed app ids and paths with plain 4xx, quoting none of them', async () => {
    const { port, log } = await serve({});
    const paths = [
      '/status/apps/..%2f..%2f..%2fetc%2fpasswd',
      '/status/apps/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/status/apps/../../etc/passwd',
      '/status/apps/caf%C3%A9',
      '/status/apps/%E2%80%AEbew%2fomed',
      '/status/apps/%00',
      '/status/apps/%ff%fe',
      '/status/apps/a%0d%0aSet-Cookie:%20evil=1',
      '/status/apps/DEMO/WEB',
    ];
    for (const path of paths) {
      const e = await exchange(port, request(path, auth));
      expect(statusLine(e), path).toBe('HTTP/1.1 404 Not Found');
      expect(errorBody(e), path).toEqual({
        code: 'MRK_STATUS_APP_NOT_FOUND',
        message: 'not a valid app id (a path of lowercase segments, e.g. /mip/prod/web)',
      });
      expect(e.received.toLowerCase()).not.toContain('set-cookie');
    }
    // A valid id written with an encoded slash is the same id.
    expect(statusLine(await exchange(port, request('/status/apps/demo%2fweb', auth)))).toBe('HTTP/1.1 200 OK');
    // An unknown route is named only when short and printable (encoded, it cannot break a line).
    const encodedRoute = await exchange(port, request('/..%2f..%2fetc/p%0a%0dasswd', auth));
    expect(errorBody(encodedRoute).message).toMatch(/^no route GET \/\.\.%2f\.\.%2fetc\/p%0a%0dasswd; routes: /);
    const longRoute = await exchange(port, request(`/${'x'.repeat(300)}`, auth));
    expect(errorBody(longRoute).message).toMatch(/^no route GET \(path not shown\); routes: /);
    // Without the token nothing is told, route or not.
    for (const path of ['/../../etc/passwd', '/status/apps/%2e%2e', '/status']) {
      expect(statusLine(await exchange(port, request(path))), path).toBe('HTTP/1.1 401 Unauthorized');
    }
    // Malformed requests the parser refuses: a control character in the path, an unknown method.
    for (const raw of [
      'GET /status/apps/a\x01b HTTP/1.1\r\nHost: s\r\n\r\n',
      'FOO /status HTTP/1.1\r\nHost: s\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: s\r\nBad Header\r\n\r\n',
    ]) {
      const e = await exchange(port, raw);
      expect(statusLine(e)).toBe('HTTP/1.1 400 Bad Request');
      expect(errorBody(e)).toEqual({ code: 'MRK_STATUS_BAD_REQUEST', message: 'malformed HTTP request' });
    }
    // Every log line is one JSON object: no request could break a line or forge one.
    for (const line of log) expect(() => JSON.parse(line), line).not.toThrow();
    expect(log.join('')).not.toMatch(/\\r\\nSet-Cookie|\\u0000|x{300}/);
    await healthy(port);
  });

  it('answers every wrong token 401 alike, never echoing what was sent', async () => {
    const { port } = await serve({});
    const wrong = [
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      'Bearer wrong-guess-1',
      `Bearer ${'t'.repeat(12_000)}`,
      `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}`,
      `Bearer ${TOKEN} ${TOKEN}`,
      TOKEN,
    ];
    for (const header of wrong) {
      const e = await exchange(port, request('/status', { Authorization: header }));
      expect(statusLine(e), header.slice(0, 40)).toBe('HTTP/1.1 401 Unauthorized');
      expect(e.received).toContain('WWW-Authenticate: Bearer realm="maracker"');
      expect(['the bearer token is wrong', 'this endpoint needs "Authorization: Bearer <token>"']).toContain(errorBody(e).message);
      expect(e.received).not.toContain(TOKEN.slice(0, 10));
      expect(e.received).not.toContain('wrong-guess');
    }
    expect(statusLine(await exchange(port, request('/status', { Authorization: `bearer ${TOKEN}` })))).toBe('HTTP/1.1 200 OK');
  });
});
