// The transport's deadline on a body read as it arrives (HttpTransport.callStream): it bounds
// the wait for Marathon's bytes, not the time the consumer spends on them.

import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { BodyShapeError } from '../../src/marathon/body.js';
import { HttpTransport } from '../../src/marathon/http.js';
import { resolveOptions } from '../../src/marathon/options.js';
import { startServer } from './helpers/server.js';

const transports: HttpTransport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

function transport(url: string, timeoutMs: number): HttpTransport {
  const t = new HttpTransport(resolveOptions({ url, timeoutMs, readAttempts: 1, sleep: async () => undefined }));
  transports.push(t);
  return t;
}

const GET = { method: 'GET', path: '/v2/apps', route: '/v2/apps' } as const;

describe('HttpTransport.callStream', () => {
  it('gives the deadline back the time the consumer spent: a slow consumer of a fast body is not cut off', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < 5; i++) res.write(`${'x'.repeat(70_000)}\n`);
      res.end();
    });
    let bytes = 0;
    // The consumer says up front what it is about to spend, then spends more than the whole
    // deadline on the first piece: without the time given back, the deadline would end the
    // read during it. A slower machine only makes the read longer.
    const took = await transport(server.url, 1000).callStream(GET, async (body, busy) => {
      const began = performance.now();
      let first = true;
      for await (const chunk of body) {
        bytes += chunk.length;
        if (first) {
          first = false;
          busy.ms += 60_000;
          await sleep(1500);
        }
      }
      return performance.now() - began;
    });
    expect(bytes).toBe(5 * 70_001);
    expect(took).toBeGreaterThanOrEqual(1500);
  });

  it('still ends a body that stalls, whatever the consumer did before', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"apps":[');
    });
    const err = await transport(server.url, 150)
      .callStream(GET, async (body, busy) => {
        for await (const _ of body) busy.ms += 100;
        return 'done';
      })
      .catch((e: unknown) => e as Error & { code?: string });
    expect((err as { code?: string }).code).toBe('MRK_MARATHON_TIMEOUT');
  });

  it('hands a body the consumer refuses back as the consumer’s error, unretried, and closes the connection', async () => {
    let requests = 0;
    const server = await startServer((_req, res) => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"nope":1}');
    });
    const refused = new BodyShapeError('not a plain listing');
    const t = new HttpTransport(resolveOptions({ url: server.url, timeoutMs: 1000, readAttempts: 3, sleep: async () => undefined }));
    transports.push(t);
    await expect(
      t.callStream(GET, async () => {
        throw refused;
      }),
    ).rejects.toBe(refused);
    expect(requests).toBe(1);
  });
});

describe('HttpTransport: the bound on an answer', () => {
  const MAX = 1 << 20;

  function bounded(url: string, readAttempts = 1): HttpTransport {
    const t = new HttpTransport(resolveOptions({ url, timeoutMs: 5000, readAttempts, sleep: async () => undefined, maxBodyBytes: MAX }));
    transports.push(t);
    return t;
  }

  /** A server that writes an endless body until the client goes; `closed` resolves then. */
  async function endless(headers: Record<string, string> = {}) {
    let wrote = 0;
    let resolveClosed: () => void = () => undefined;
    const closed = new Promise<void>((r) => (resolveClosed = r));
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', ...headers });
      res.write('{"apps":[');
      const piece = `${'{"id":"/a"},'.repeat(5000)}`;
      const more = (): void => {
        while (!res.destroyed && res.write(piece)) wrote += piece.length;
        if (!res.destroyed) res.once('drain', more);
      };
      res.on('close', resolveClosed);
      more();
    });
    return { server, closed, wrote: () => wrote };
  }

  it('refuses an endless body read whole as soon as it passes the bound, and closes the connection', async () => {
    const { server, closed, wrote } = await endless();
    const err = await bounded(server.url)
      .call(GET, () => 'read')
      .catch((e: unknown) => e as Error & { code?: string });
    expect(err).toMatchObject({
      code: 'MRK_MARATHON_BAD_BODY',
      message: expect.stringContaining('longer than 1 MiB, the most maracker reads of one answer; not read'),
    });
    await closed;
    // The server stopped writing within a few socket buffers of the bound.
    expect(wrote()).toBeLessThan(MAX * 16);
  });

  it('refuses an endless body read as it arrives the same way: the consumer never sees more than the bound', async () => {
    const { server, closed } = await endless();
    let seen = 0;
    const err = await bounded(server.url)
      .callStream(GET, async (body) => {
        for await (const chunk of body) seen += chunk.length;
        return 'read';
      })
      .catch((e: unknown) => e as Error & { code?: string });
    expect(err).toMatchObject({ code: 'MRK_MARATHON_BAD_BODY', message: expect.stringContaining('longer than 1 MiB') });
    expect(seen).toBeLessThanOrEqual(MAX);
    await closed;
  });

  it('refuses a body whose Content-Length is over the bound without reading it, and retries a read as for any bad body', async () => {
    let requests = 0;
    const server = await startServer((_req, res) => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(MAX + 1) });
      res.write('{"apps":[');
    });
    for (const read of [(t: HttpTransport) => t.call(GET, () => 'read'), (t: HttpTransport) => t.callStream(GET, async () => 'read')]) {
      requests = 0;
      const err = await read(bounded(server.url, 2)).catch((e: unknown) => e as Error & { code?: string });
      expect(err).toMatchObject({ code: 'MRK_MARATHON_BAD_BODY' });
      expect(requests).toBe(2);
    }
  });

  it('reads a body of exactly the bound', async () => {
    const text = `"${'x'.repeat(MAX - 2)}"`;
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(text);
    });
    expect(await bounded(server.url).call(GET, (res) => res.bytes.length)).toBe(MAX);
    let seen = 0;
    await bounded(server.url).callStream(GET, async (body) => {
      for await (const chunk of body) seen += chunk.length;
    });
    expect(seen).toBe(MAX);
  });
});
