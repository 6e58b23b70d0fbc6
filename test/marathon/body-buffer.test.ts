// Bodies read into text through a buffer kept between requests: the same text as joining
// the chunks, whatever their sizes and however many requests read at once.

import { describe, expect, it } from 'vitest';
import { BodyBuffer, BodyTooLargeError } from '../../src/marathon/body-buffer.js';

async function* chunks(text: string, size: number, pause?: Promise<void>): AsyncIterable<Uint8Array> {
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += size) {
    if (i > 0 && pause) await pause;
    yield bytes.subarray(i, i + size);
  }
}

const big = (n: number, mark: string): string => JSON.stringify({ apps: Array.from({ length: n }, (_, i) => ({ id: `/a${i}`, label: `${mark} é ✓ 𝄞` })) });

describe('BodyBuffer', () => {
  it('reads small and large bodies as their UTF-8 text, characters split across chunks included', async () => {
    const b = new BodyBuffer();
    for (const text of ['', '{}', big(10, 'x'), big(40_000, 'y')]) {
      for (const size of [1, 7, 16_384, 65_536]) {
        if (size === 1 && text.length > 1000) continue;
        expect(await b.text(chunks(text, size))).toBe(text);
      }
    }
  });

  it('reuses its buffer: a smaller body after a larger one is not mixed with what was there', async () => {
    const b = new BodyBuffer();
    const large = big(60_000, 'first');
    const smaller = big(30_000, 'second');
    expect(await b.text(chunks(large, 16_384))).toBe(large);
    expect(await b.text(chunks(smaller, 16_384))).toBe(smaller);
  });

  it('gives two large bodies read at the same time each their own bytes', async () => {
    const b = new BodyBuffer();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const one = big(40_000, 'one');
    const two = big(40_000, 'two');
    const first = b.text(chunks(one, 16_384, gate));
    const second = b.text(chunks(two, 16_384, gate));
    release();
    expect(await Promise.all([first, second])).toEqual([one, two]);
  });

  it('takes the Content-Length as a hint only: a wrong or absurd one changes nothing', async () => {
    const text = big(40_000, 'hinted');
    const length = Buffer.byteLength(text);
    for (const hint of [length, length - 1000, length * 3, 0, -5, Number.NaN, 2 ** 27]) {
      expect(await new BodyBuffer().text(chunks(text, 16_384), hint)).toBe(text);
    }
  });

  it('refuses a body longer than its bound: at once when its Content-Length says so, else as soon as the bytes pass it', async () => {
    const text = big(2_000, 'bounded');
    const length = Buffer.byteLength(text);
    let pulled = 0;
    async function* counted(): AsyncIterable<Uint8Array> {
      for await (const c of chunks(text, 1024)) {
        pulled += c.length;
        yield c;
      }
    }
    await expect(new BodyBuffer().read(counted(), 2 ** 60, length - 1)).rejects.toBeInstanceOf(BodyTooLargeError);
    expect(pulled).toBe(0);
    await expect(new BodyBuffer().read(counted(), undefined, 4096)).rejects.toThrow('longer than 4096 bytes, the most maracker reads of one answer; not read');
    expect(pulled).toBeLessThanOrEqual(4096 + 1024);
    const exact = await new BodyBuffer().read(chunks(text, 1024), length, length);
    expect(exact.bytes.toString('utf8')).toBe(text);
    exact.release();
  });

  it('drops a byte-order mark as undici does', async () => {
    expect(await new BodyBuffer().text(chunks('\uFEFF{"a":1}', 3))).toBe('{"a":1}');
  });

  it('releases its buffer when the body fails half-way, for the next request', async () => {
    const b = new BodyBuffer();
    async function* failing(): AsyncIterable<Uint8Array> {
      yield Buffer.alloc(2 << 20, 97);
      throw new Error('socket hang up');
    }
    await expect(b.text(failing())).rejects.toThrow('socket hang up');
    const text = big(40_000, 'after');
    expect(await b.text(chunks(text, 65_536))).toBe(text);
  });

  it('keeps the bytes of a leased body intact while another large body is read, and reuses the buffer once released', async () => {
    const b = new BodyBuffer();
    const one = big(40_000, 'one');
    const two = big(40_000, 'two');
    const first = await b.read(chunks(one, 65_536));
    const second = await b.read(chunks(two, 65_536));
    expect(first.bytes.toString('utf8')).toBe(one);
    expect(second.bytes.toString('utf8')).toBe(two);
    const kept = first.bytes.buffer;
    first.release();
    second.release();
    first.release();
    const third = await b.read(chunks(big(30_000, 'three'), 65_536));
    expect(third.bytes.buffer).toBe(kept);
    third.release();
  });

  it('keeps room to grow: a body a little longer than the last, Content-Length given, reuses the buffer (no fresh memory every changed pass)', async () => {
    const b = new BodyBuffer();
    const first = big(200_000, 'v1');
    const read1 = await b.read(chunks(first, 65_536), Buffer.byteLength(first));
    const kept = read1.bytes.buffer;
    read1.release();
    // One app more, as when an app scaled up lists one more task.
    const longer = big(200_500, 'v1');
    const read2 = await b.read(chunks(longer, 65_536), Buffer.byteLength(longer));
    expect(read2.bytes.toString('utf8') === longer).toBe(true);
    // Compared as a boolean: a failing toBe would print two 10 MiB buffers.
    expect(read2.bytes.buffer === kept, 'the kept buffer reused').toBe(true);
    read2.release();
  });
});
