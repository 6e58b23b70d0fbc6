// The status document written a slice at a time: the same bytes as the whole, the event loop
// free between two slices, no slice before the socket took the last, and nothing more once
// the client is gone.

import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { writeParts } from '../../src/status/parts-writer.js';
import type { StatusParts } from '../../src/status/store.js';

function parts(n: number): StatusParts {
  const items = Array.from({ length: n }, (_, i) => JSON.stringify({ id: `/app${i}`, note: 'é ✓ 𝄞'.repeat(20) }));
  const head = '{"phase":"Ready","apps":[';
  const tail = ']}';
  const whole = `${head}${items.join(',')}${tail}`;
  return { head, items, tail, bytes: Buffer.byteLength(whole), digest: 'x' };
}

/** A response that records what it is given; `hold` keeps each write's callback until released. */
function recorder(o: { hold?: boolean; highWaterMark?: number } = {}) {
  const chunks: string[] = [];
  const events: string[] = [];
  const held: Array<() => void> = [];
  /** 'buffer' once a slice was handed over encoded. */
  const kinds = new Set<string>();
  const res = new Writable({
    highWaterMark: o.highWaterMark ?? 16 * 1024 * 1024,
    decodeStrings: false,
    write(chunk: string | Buffer, _enc, done) {
      if (typeof chunk !== 'string') kinds.add('buffer');
      chunks.push(String(chunk));
      events.push('chunk');
      if (o.hold) held.push(() => done());
      else done();
    },
  });
  return { res: res as unknown as ServerResponse & Writable, chunks, events, held, kinds };
}

describe('writeParts', () => {
  it('writes the document whole, in slices of about the size asked for', async () => {
    const p = parts(2000);
    const { res, chunks } = recorder();
    await writeParts(res, p, 16 * 1024);
    const text = chunks.join('');
    expect(text).toBe(`${p.head}${p.items.join(',')}${p.tail}`);
    expect(Buffer.byteLength(text)).toBe(p.bytes);
    expect(chunks.length).toBeGreaterThan(10);
    const longest = Math.max(...p.items.map((i) => i.length));
    for (const c of chunks) expect(c.length).toBeLessThan(16 * 1024 + longest + 2);
  });

  it('hands the socket text, poll after poll, and keeps no encoded copy (buffers made per poll made V8 collect the whole heap again and again during passes)', async () => {
    const p = parts(2000);
    for (let poll = 0; poll < 3; poll++) {
      const r = recorder();
      await writeParts(r.res, p, 16 * 1024);
      expect(r.chunks.join('')).toBe(`${p.head}${p.items.join(',')}${p.tail}`);
      expect(r.kinds.has('buffer')).toBe(false);
    }
  });

  it('lets the event loop turn between two slices', async () => {
    const { res, events } = recorder();
    let done = false;
    const tick = (): void => {
      if (done) return;
      events.push('turn');
      setImmediate(tick);
    };
    setImmediate(tick);
    await writeParts(res, parts(2000), 16 * 1024);
    done = true;
    const order = events.join(' ');
    expect(order).not.toMatch(/chunk chunk/);
    expect(events.filter((e) => e === 'chunk').length).toBeGreaterThan(10);
  });

  it('waits for the socket to take a slice before writing the next', async () => {
    const { res, chunks, held } = recorder({ hold: true, highWaterMark: 1 });
    const writing = writeParts(res, parts(2000), 16 * 1024);
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(chunks.length).toBe(1);
    // Released one at a time, it goes on one slice at a time.
    for (let round = 2; round < 5; round++) {
      held.shift()?.();
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
      expect(chunks.length).toBe(round);
    }
    // Each wait for the socket is over once it drained: no listener is left behind.
    expect(res.listenerCount('close') + res.listenerCount('drain')).toBeLessThanOrEqual(2);
    res.destroy();
    await writing;
  });

  it('stops, without an error, when the client is gone half-way', async () => {
    const { res, chunks, held } = recorder({ hold: true, highWaterMark: 1 });
    const writing = writeParts(res, parts(2000), 16 * 1024);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    res.destroy();
    await expect(writing).resolves.toBeUndefined();
    const written = chunks.length;
    for (const release of held) release();
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(chunks.length).toBe(written);
    expect(res.writableEnded).toBe(false);
  });
});
