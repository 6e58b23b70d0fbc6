// Issue 11, "an endless event-stream line grows memory without bound": 80 MB streamed without
// a line end raised RSS by ~270 MB and stalled the loop 7 s. A local server streams garbage
// that never ends a line (or an event); the parser must never hold more than its limit, the
// subscription must drop the stream and reconnect (a gap: the daemon resyncs), and the log
// must say how big it got, never what it was.

import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { request } from 'undici';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createLogger } from '../../src/base/log.js';
import { MarathonClient } from '../../src/marathon/client.js';
import type { MarathonError } from '../../src/marathon/errors.js';
import { SseParser } from '../../src/marathon/sse.js';

const GARBAGE = 'GARBAGE-CONTENT-'.repeat(1024); // 16 KiB per write, no line end

interface GarbageServer {
  url: string;
  /** Requests received. */
  requests: number;
  /** Responses the client closed while the server was still streaming. */
  droppedByClient: number;
}

/** Each connection: `opening`, then garbage without a line end for as long as the client reads. */
async function garbageServer(opening: string): Promise<GarbageServer> {
  const state: GarbageServer = { url: '', requests: 0, droppedByClient: 0 };
  const server = createServer((_req, res: ServerResponse) => {
    state.requests++;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(opening);
    let open = true;
    res.on('close', () => {
      if (open) state.droppedByClient++;
      open = false;
    });
    const pump = (): void => {
      while (open && res.write(GARBAGE));
      if (open) res.once('drain', pump);
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

describe('an event stream that never ends a line', () => {
  it('never makes the parser hold more than its limit, whatever the network chunks', async () => {
    const server = await garbageServer('data: ');
    const limit = 1024 * 1024;
    const parser = new SseParser(() => undefined, { maxEventBytes: limit });
    const res = await request(`${server.url}/v2/events`);
    let chunks = 0;
    let largest = 0;
    for await (const chunk of res.body) {
      parser.push(chunk as Buffer);
      chunks++;
      largest = Math.max(largest, parser.bufferedBytes);
      expect(parser.bufferedBytes).toBeLessThanOrEqual(limit);
      if (parser.tooLarge !== undefined) break;
    }
    expect(parser.tooLarge).toBeGreaterThan(limit);
    expect(largest).toBeLessThanOrEqual(limit);
    expect(chunks).toBeGreaterThan(1);
  });

  it.each([
    ['an endless data line', 'event: deployment_info\ndata: '],
    ['an endless comment line', ': '],
    ['data lines that never end the event', 'data: x\n'.repeat(64 * 1024)],
  ])('drops and reconnects on %s, reporting a gap and logging sizes, never content', async (_, opening) => {
    const server = await garbageServer(opening);
    const lines: string[] = [];
    const logger = createLogger({
      level: 'debug',
      destination: new Writable({
        write(chunk: Buffer, _enc, cb) {
          lines.push(chunk.toString());
          cb();
        },
      }),
    });
    const client = new MarathonClient({ url: server.url, timeoutMs: 2_000, sleep: async () => undefined, random: () => 0.5, logger });
    onTestFinished(() => client.close());
    const errors: MarathonError[] = [];
    const gaps: string[] = [];
    const limit = 256 * 1024;
    const sub = client.events({ onEvent: () => undefined, onGap: (g) => gaps.push(g), onError: (e) => errors.push(e), maxEventBytes: limit });
    onTestFinished(() => sub.close());
    await until(() => gaps.length >= 1 && server.requests >= 2);
    await sub.close();
    expect(server.droppedByClient).toBeGreaterThanOrEqual(1);
    const tooLarge = errors.find((e) => e.code === 'MRK_MARATHON_EVENT_TOO_LARGE') as (MarathonError & { limitBytes: number; sizeBytes: number }) | undefined;
    expect(tooLarge).toMatchObject({ limitBytes: limit });
    expect(tooLarge?.sizeBytes).toBeGreaterThan(limit);
    expect(gaps[0]).toBe(`event larger than ${limit} bytes (${tooLarge?.sizeBytes} bytes read)`);
    const log = lines.join('');
    expect(log).toContain(`"limitBytes":${limit}`);
    expect(log).toContain('marathon event too large: dropping the event stream');
    expect(log).not.toContain('GARBAGE');
  });
});
