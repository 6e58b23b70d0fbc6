// Reading listings app by app: an app whose bytes did not change since the last listing is
// the same (frozen) object, only changed apps are parsed, a body that is not a listing is
// refused whole (never read as fewer apps), and a large body is read in slices that yield.

import { describe, expect, it } from 'vitest';
import { BodyShapeError } from '../../src/marathon/body.js';
import { AppListingCache, ListingShapeError } from '../../src/marathon/listing-cache.js';
import { seededRandom } from '../../src/sandbox/prng.js';

const app = (id: string, instances = 1, extra: Record<string, unknown> = {}) => ({ id, instances, tasks: [{ id: `${id.slice(1)}.t1`, host: 'h' }], ...extra });
const body = (apps: unknown[]): Buffer => Buffer.from(JSON.stringify({ apps }), 'utf8');
const immediate = { pause: async () => undefined };

/** A body as a socket delivers it: in pieces of the given sizes (cycled). */
async function* pieces(bytes: Buffer, sizes: readonly number[]): AsyncGenerator<Uint8Array> {
  let k = 0;
  for (let at = 0; at < bytes.length; ) {
    const n = sizes[k++ % sizes.length] as number;
    yield Uint8Array.from(bytes.subarray(at, at + n));
    at += n;
  }
}

describe('AppListingCache', () => {
  it('reads the apps JSON.parse reads', async () => {
    const apps = [app('/a'), app('/b', 2, { env: { X: '"}],{' } }), app('/c')];
    expect(await new AppListingCache().read(body(apps), immediate)).toEqual(apps);
  });

  it('hands out the same object for an app whose bytes did not change, and parses only the changed ones', async () => {
    const cache = new AppListingCache();
    const first = await cache.read(body([app('/a'), app('/b'), app('/c')]), immediate);
    expect(cache.lastRead).toMatchObject({ apps: 3, parsed: 3, whole: false });
    const second = await cache.read(body([app('/a'), app('/b', 5), app('/c')]), immediate);
    expect(cache.lastRead).toMatchObject({ apps: 3, parsed: 1 });
    expect(second[0]).toBe(first[0]);
    expect(second[1]).not.toBe(first[1]);
    expect(second[1]?.instances).toBe(5);
    expect(second[2]).toBe(first[2]);
    // An app gone from a listing is forgotten: it comes back as a new object.
    await cache.read(body([app('/b', 5)]), immediate);
    const fourth = await cache.read(body([app('/a'), app('/b', 5)]), immediate);
    expect(fourth[0]).not.toBe(first[0]);
    expect(fourth[0]).toEqual(first[0]);
  });

  it('freezes what it hands out, to the last nested object: a consumer cannot change a shared app', async () => {
    const [a] = await new AppListingCache().read(body([app('/a')]), immediate);
    if (a === undefined) throw new Error('no app read');
    expect(() => {
      (a as { instances: number }).instances = 9;
    }).toThrow(TypeError);
    expect(() => {
      (a.tasks as unknown[]).push({});
    }).toThrow(TypeError);
    expect(Object.isFrozen(a.tasks?.[0])).toBe(true);
  });

  it('refuses a body that is not a listing, whole, and keeps nothing of it', async () => {
    const cache = new AppListingCache();
    const cases: Array<[string, RegExp]> = [
      ['', /empty body/],
      ['{"apps":{}}', /no `apps` array/],
      ['{"apps":[{"id":"/a"},{"id":"/b"}', /not valid JSON/],
      ['{"apps":[{"id":"/a"},{"name":"b"}]}', /apps\[1\] has no string `id`/],
      ['{"apps":[{"id":"/a"},{"id":"/b",x}]}', /apps\[1\] is not valid JSON/],
      ['{"other":[],"apps":[{"id":1}]}', /apps\[0\] has no string `id`/],
    ];
    for (const [text, reason] of cases) {
      await expect(cache.read(Buffer.from(text), immediate), text).rejects.toThrow(BodyShapeError);
      await expect(cache.read(Buffer.from(text), immediate), text).rejects.toThrow(reason);
    }
  });

  it('never quotes the body in a syntax error: an app holds its environment', async () => {
    const text = '{"apps":[{"id":"/a","env":{"TOKEN":"hunter2"} x}]}';
    const err = await new AppListingCache().read(Buffer.from(text), immediate).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(BodyShapeError);
    expect((err as Error).message).not.toContain('hunter2');
  });

  it('parses a body of another shape whole, with the same result', async () => {
    const cache = new AppListingCache();
    const apps = [app('/a'), app('/b')];
    const text = `{"note":"x","apps":${JSON.stringify(apps)}}`;
    expect(await cache.read(Buffer.from(text), immediate)).toEqual(apps);
    expect(cache.lastRead).toMatchObject({ apps: 2, parsed: 2, whole: true });
  });

  it('yields to the event loop once a slice has taken its time, and goes on where it stopped', async () => {
    let t = 0;
    let pauses = 0;
    const apps = Array.from({ length: 100 }, (_, i) => app(`/a${i}`));
    const cache = new AppListingCache();
    // Every look at the clock takes 1 ms: a slice of 8 ms holds a few apps.
    const read = await cache.read(body(apps), {
      now: () => t++,
      sliceMs: 8,
      pause: async () => {
        pauses++;
      },
    });
    expect(read).toEqual(apps);
    expect(pauses).toBeGreaterThan(10);
    expect(cache.lastRead.slices).toBe(pauses + 1);
  });

  it('recognises unchanged apps where the last listing had them, and finds its way again after an app is added or removed', async () => {
    const cache = new AppListingCache();
    const apps = Array.from({ length: 2000 }, (_, i) => app(`/a${i}`, 1, { pad: 'x'.repeat(i % 50) }));
    await cache.read(body(apps), immediate);
    await cache.read(body(apps), immediate);
    expect(cache.lastRead).toMatchObject({ apps: 2000, parsed: 0, recognised: 2000 });
    const changed = apps.map((a, i) => (i === 1000 ? { ...a, instances: 3 } : a));
    await cache.read(body(changed), immediate);
    expect(cache.lastRead).toMatchObject({ parsed: 1, recognised: 1999 });
    // A new app in front shifts every other: recognition resumes within one scan step.
    await cache.read(body([app('/new'), ...changed]), immediate);
    expect(cache.lastRead.parsed).toBe(1);
    expect(cache.lastRead.recognised).toBeGreaterThan(1900);
    await cache.read(body(changed.slice(1)), immediate);
    expect(cache.lastRead.parsed).toBe(0);
    expect(cache.lastRead.recognised).toBeGreaterThan(1900);
  });

  it('reads every listing of a random sequence as JSON.parse does: apps changed, added, removed, reordered, repeated', async () => {
    const r = seededRandom(7);
    const cache = new AppListingCache();
    const apps: Array<ReturnType<typeof app>> = Array.from({ length: 40 }, (_, i) => app(`/a${i}`));
    for (let step = 0; step < 300; step++) {
      const k = Math.floor(r() * apps.length);
      const op = Math.floor(r() * 6);
      if (op === 0 && apps.length > 0) apps.splice(k, 1);
      else if (op === 1) apps.splice(k, 0, app(`/n${step}`, 1, { note: '"},{' }));
      else if (op === 2 && apps[k]) apps[k] = { ...apps[k], instances: Math.floor(r() * 5) } as ReturnType<typeof app>;
      else if (op === 3) apps.reverse();
      else if (op === 4 && apps[k]) apps.push(apps[k] as ReturnType<typeof app>);
      const text = JSON.stringify({ apps }, null, step % 7 === 0 ? 1 : undefined);
      expect(await cache.read(Buffer.from(text), { pause: async () => undefined, sliceMs: 0 })).toEqual(JSON.parse(text).apps);
    }
  });

  describe('a body read as it arrives', () => {
    it('reads what the whole body reads, however it is cut, and recognises unchanged apps across the cuts', async () => {
      const r = seededRandom(11);
      const cache = new AppListingCache();
      const apps = Array.from({ length: 300 }, (_, i) => app(`/a${i}`, 1, { pad: 'y'.repeat(i % 90), note: '"},{' }));
      for (let round = 0; round < 20; round++) {
        const k = Math.floor(r() * apps.length);
        if (round % 3 === 1) apps[k] = { ...(apps[k] as ReturnType<typeof app>), instances: round };
        if (round % 5 === 2) apps.splice(k, 1);
        const text = JSON.stringify({ apps }, null, round % 4 === 3 ? 1 : undefined);
        const sizes = [1 + Math.floor(r() * 3000), 1 + Math.floor(r() * 50), 1 + Math.floor(r() * 700)];
        expect(await cache.readStream(pieces(Buffer.from(text), sizes), { pause: async () => undefined, sliceMs: 0 })).toEqual(JSON.parse(text).apps);
        // Recognised where the last listing had the same layout (every fourth is indented).
        if (round > 0 && round % 4 !== 3 && round % 4 !== 0) expect(cache.lastRead.recognised).toBeGreaterThan(250);
      }
    });

    it('holds the element being read, never the whole body', async () => {
      const cache = new AppListingCache();
      const apps = Array.from({ length: 5000 }, (_, i) => app(`/a${i}`, 1, { pad: 'z'.repeat(200) }));
      const bytes = body(apps);
      await cache.readStream(pieces(bytes, [65536]), immediate);
      expect(bytes.length).toBeGreaterThan(1 << 20);
      expect(cache.lastRead.heldBytes).toBeLessThanOrEqual(256 << 10);
      // An app longer than the window: the window grows to hold it, and reads it whole.
      const big = [app('/big', 1, { pad: 'q'.repeat(600_000) }), app('/after')];
      expect(await cache.readStream(pieces(body(big), [65536]), immediate)).toEqual(big);
    });

    it('refuses, without keeping anything of it, a body not of the plain shape or with an app that does not parse: the caller reads it whole', async () => {
      const cache = new AppListingCache();
      const good = [app('/a'), app('/b')];
      const first = await cache.readStream(pieces(body(good), [7]), immediate);
      const bad = [
        '{"note":1,"apps":[]}',
        '{"apps":[{"id":"/a"},{"id":"/b",x}]}',
        '{"apps":[{"id":"/a"}',
        '{"apps":[{"id":"/a"}]}x',
        '{"apps":[{"name":"b"}]}',
      ];
      for (const text of bad) await expect(cache.readStream(pieces(Buffer.from(text), [3]), immediate), text).rejects.toThrow(ListingShapeError);
      // What the good listing taught is still known.
      const again = await cache.readStream(pieces(body(good), [5]), immediate);
      expect(again[0]).toBe(first[0]);
      expect(cache.lastRead.recognised).toBe(2);
    });

    it('passes on a failure of the body itself (a connection reset) as it is', async () => {
      async function* broken(): AsyncGenerator<Uint8Array> {
        yield Buffer.from('{"apps":[{"id":"/a"},');
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      }
      await expect(new AppListingCache().readStream(broken(), immediate)).rejects.toThrow('socket hang up');
    });
  });

  describe('health check times', () => {
    const checked = (id: string, at: string, instances = 1) => ({
      id,
      instances,
      tasks: [0, 1].map((n) => ({ id: `${id.slice(1)}.t${n}`, host: 'h', healthCheckResults: [{ alive: true, lastSuccess: at, lastFailure: null }] })),
    });
    const read = async (cache: AppListingCache, apps: unknown[]) => cache.readStream(pieces(body(apps), [97]), immediate);

    it('recognise an app whose health check times alone moved as the same object, counted as retimed', async () => {
      const cache = new AppListingCache();
      const first = await read(cache, [checked('/a', '2026-12-07T10:00:00.000Z'), checked('/b', '2026-12-07T10:00:00.000Z')]);
      const second = await read(cache, [checked('/a', '2026-12-07T10:00:30.000Z'), checked('/b', '2026-12-07T10:00:00.000Z')]);
      expect(second[0]).toBe(first[0]);
      expect(second[1]).toBe(first[1]);
      expect(cache.lastRead).toMatchObject({ parsed: 0, recognised: 2, retimed: 1 });
      // A time of another length: not where expected any more, still known without its times.
      const third = await read(cache, [checked('/a', '2026-12-07T10:01:00Z'), checked('/b', '2026-12-07T10:00:00.000Z')]);
      expect(third[0]).toBe(first[0]);
      expect(cache.lastRead).toMatchObject({ parsed: 0, retimed: 1 });
      // Anything else moved beside a time: parsed.
      const fourth = await read(cache, [checked('/a', '2026-12-07T10:02:00Z', 2), checked('/b', '2026-12-07T10:00:00.000Z')]);
      expect(fourth[0]).not.toBe(first[0]);
      expect(fourth[0]?.instances).toBe(2);
      expect(cache.lastRead).toMatchObject({ parsed: 1, recognised: 1 });
    });

    it('after its times moved, recognise the app by its bytes without them: the same listing again, or another change of the same length refused', async () => {
      const cache = new AppListingCache();
      const first = await read(cache, [checked('/a', '2026-12-07T10:00:00.000Z')]);
      await read(cache, [checked('/a', '2026-12-07T10:00:30.000Z')]);
      // The same bytes as the listing before: the same object, and no time moved since.
      expect((await read(cache, [checked('/a', '2026-12-07T10:00:30.000Z')]))[0]).toBe(first[0]);
      expect(cache.lastRead).toMatchObject({ parsed: 0, recognised: 1, retimed: 0 });
      // One byte changed beside the times (instances 1 -> 2, the same length): read anew.
      const scaled = await read(cache, [checked('/a', '2026-12-07T10:00:30.000Z', 2)]);
      expect(scaled[0]).not.toBe(first[0]);
      expect(scaled[0]?.instances).toBe(2);
      expect(cache.lastRead).toMatchObject({ parsed: 1, recognised: 0 });
    });

    it('never take a value other than a plain time for one: bytes of the same length with an escape in them are a change', async () => {
      const cache = new AppListingCache();
      const first = await read(cache, [checked('/a', '2026-12-07T10:00:00.000Z')]);
      // The same length as the time it replaces, and valid JSON: a string with an escaped quote.
      const text = body([checked('/a', '2026-12-07T10:00:00.000Z')])
        .toString()
        .replaceAll('"2026-12-07T10:00:00.000Z"', '"2026-12-07T10:00:00.0\\"Z"');
      expect(text).toContain('0.0\\"Z"');
      const got = await cache.readStream(pieces(Buffer.from(text), [50]), immediate);
      expect(got[0]).not.toBe(first[0]);
      expect(got[0]).toEqual(first[0]);
      expect(cache.lastRead).toMatchObject({ parsed: 1, recognised: 0 });
    });
  });
});
