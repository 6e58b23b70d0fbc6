// The health results' `lastSuccess` moves at every check while nothing maracker reads of an
// app does: an app whose bytes differ from the last listing's in those times only is the
// same app, and maracker's copy never holds the times. Exactly that path is left out.

import { describe, expect, it } from 'vitest';
import { AppListingCache } from '../../src/marathon/listing-cache.js';
import { heldApp } from '../../src/marathon/held-app.js';
import { stableDigest } from '../../src/marathon/listing-volatile.js';
import type { MarathonApp } from '../../src/model/marathon.js';
import { seededRandom } from '../../src/sandbox/prng.js';

function app(o: { last?: unknown[]; alive?: boolean; labels?: Record<string, string>; env?: Record<string, string>; extra?: Record<string, unknown> } = {}) {
  const last = o.last ?? ['2026-12-05T10:00:00.000Z', '2026-12-05T10:00:30.000Z'];
  return {
    id: '/web',
    labels: o.labels ?? { team: 'a' },
    env: o.env ?? { X: '1' },
    tasks: last.map((l, i) => ({
      id: `web.t${i}`,
      host: 'h',
      healthCheckResults: [{ alive: o.alive ?? true, consecutiveFailures: 0, firstSuccess: '2026-12-05T09:00:00.000Z', lastSuccess: l, lastFailure: null }],
    })),
    ...o.extra,
  };
}
const bytes = (v: unknown, indent?: number): Buffer => Buffer.from(JSON.stringify(v, null, indent));
const digest = (v: unknown, indent?: number): string | undefined => stableDigest(bytes(v, indent));

describe('stableDigest', () => {
  it('is the same whatever the tasks health results say of their last success (a time, another, null)', () => {
    const d = digest(app());
    expect(d).toBeDefined();
    expect(digest(app({ last: ['2026-12-05T10:01:00.000Z', '2026-12-05T10:01:30.000Z'] }))).toBe(d);
    expect(digest(app({ last: [null, '2026-12-05T11:00:00.000Z'] }))).toBe(d);
  });

  it('tells apart everything else: another alive, task count, label, env, first success, spacing', () => {
    const d = digest(app());
    for (const other of [
      app({ alive: false }),
      app({ last: ['2026-12-05T10:00:00.000Z'] }),
      app({ labels: { team: 'b' } }),
      app({ env: { X: '2' } }),
      { ...app(), instances: 3 },
    ]) {
      expect(digest(other)).not.toBe(d);
    }
    expect(digest(app(), 2)).not.toBe(d);
  });

  it('leaves out lastSuccess at that one path only: a label, an env variable or another field of that name counts', () => {
    const named = (v: string) => app({ labels: { lastSuccess: v }, env: { lastSuccess: v }, extra: { lastSuccess: v } });
    expect(digest(named('2026-01-01T00:00:00.000Z'))).not.toBe(digest(named('2026-01-02T00:00:00.000Z')));
    const inTask = (v: string) => ({ id: '/web', tasks: [{ id: 't', lastSuccess: v, healthCheckResults: [] }] });
    expect(digest(inTask('2026-01-01T00:00:00.000Z'))).not.toBe(digest(inTask('2026-01-02T00:00:00.000Z')));
    const deeper = (v: string) => ({ id: '/web', tasks: [{ id: 't', healthCheckResults: [{ alive: true, more: { lastSuccess: v } }] }] });
    expect(digest(deeper('2026-01-01T00:00:00.000Z'))).not.toBe(digest(deeper('2026-01-02T00:00:00.000Z')));
  });

  it('hashes a value that is not a plain time or null as it is (escapes, other types, containers)', () => {
    for (const [a, b] of [
      ['x\\y', 'x\\z'],
      [1, 2],
      [true, false],
      [{ t: 1 }, { t: 2 }],
      ['"', "'"],
    ] as const) {
      expect(digest(app({ last: [a] })), JSON.stringify(a)).not.toBe(digest(app({ last: [b] })));
    }
  });

  it('gives nothing for bytes that are not one whole value', () => {
    expect(stableDigest(Buffer.from('{"id":"/a","tasks":[{"x":"'))).toBeUndefined();
    expect(stableDigest(Buffer.from('{"id":"/a","tasks":['))).toBeUndefined();
  });

  it('never gives two apps the same digest unless they are the same once their times are dropped', () => {
    const r = seededRandom(11);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
    const times = ['2026-12-05T10:00:00.000Z', '2026-12-05T10:00:30.000Z', null, 'x"y', 7];
    const variant = () => app({ last: [pick(times), pick(times)], alive: r() < 0.8, labels: { lastSuccess: pick(['a', 'b']) }, env: { X: pick(['1', '2']) } });
    let sames = 0;
    for (let n = 0; n < 1000; n++) {
      const a = variant();
      const b = variant();
      const same = digest(a) === digest(b);
      const parsedA = heldApp(JSON.parse(JSON.stringify(a)) as MarathonApp);
      const parsedB = heldApp(JSON.parse(JSON.stringify(b)) as MarathonApp);
      if (same) expect(parsedA).toEqual(parsedB);
      if (same) sames++;
    }
    expect(sames).toBeGreaterThan(5);
  });
});

describe('AppListingCache with health checks ticking', () => {
  it('does not parse again an app whose health check times alone moved, and hands out the same object', async () => {
    const cache = new AppListingCache();
    const listing = (last: string) => Buffer.from(JSON.stringify({ apps: [app({ last: [last, last] }), { ...app({ last: [last] }), id: '/api' }] }));
    const pause = { pause: async () => undefined };
    const first = await cache.read(listing('2026-12-05T10:00:00.000Z'), pause);
    const second = await cache.read(listing('2026-12-05T10:01:00.000Z'), pause);
    expect(cache.lastRead).toMatchObject({ apps: 2, parsed: 0, retimed: 2 });
    expect(second[0]).toBe(first[0]);
    expect(second[1]).toBe(first[1]);
    expect(JSON.stringify(second)).not.toContain('lastSuccess');
    const sick = Buffer.from(JSON.stringify({ apps: [app({ alive: false }), { ...app(), id: '/api' }] }));
    const third = await cache.read(sick, pause);
    expect(third[0]).not.toBe(first[0]);
    expect(third[0]?.tasks?.[0]?.healthCheckResults?.[0]?.alive).toBe(false);
  });

  it('recognises apps where expected by comparing bytes, and reads every listing of a random sequence as JSON.parse does without the times', async () => {
    const r = seededRandom(11);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
    // Same-length times, null, and values that are not plain times (escapes, objects): only
    // the first two may be left out, and a label or env named lastSuccess is never.
    const times = ['2026-12-05T10:00:00.000Z', '2026-12-05T10:00:30.000Z', '2026-12-05T10:01:00.000Z', null, '2026-12-05T10:0"1', { at: 1 }];
    const fleet = Array.from({ length: 30 }, (_, i) => ({ i, last: [pick(times), pick(times)], alive: true, label: 'a', env: '1' }));
    const render = (f: (typeof fleet)[number]) => ({
      ...app({ last: f.last, alive: f.alive, labels: { lastSuccess: f.label }, env: { lastSuccess: f.env } }),
      id: `/a${f.i}`,
    });
    const cache = new AppListingCache();
    let recognised = 0;
    let apps = 0;
    for (let step = 0; step < 300; step++) {
      for (const f of fleet) {
        // Health checks tick for most apps each step; now and then something real moves.
        if (r() < 0.7) f.last = f.last.map((l) => (typeof l === 'string' && l.length === 24 ? pick(times.slice(0, 3)) : l));
        if (r() < 0.02) f.alive = !f.alive;
        if (r() < 0.02) f.label = pick(['a', 'b', '2026-12-05T10:00:00.000Z']);
        if (r() < 0.02) f.env = pick(['1', '2', null as unknown as string]);
        if (r() < 0.02) f.last = [pick(times), pick(times)];
      }
      if (r() < 0.05) fleet.splice(Math.floor(r() * fleet.length), 1);
      if (r() < 0.05) fleet.splice(Math.floor(r() * fleet.length), 0, { i: 100 + step, last: [pick(times)], alive: true, label: 'a', env: '1' });
      if (r() < 0.02) fleet.reverse();
      const text = JSON.stringify({ apps: fleet.map(render) }, null, step % 13 === 0 ? 2 : undefined);
      const read = await cache.read(Buffer.from(text), { pause: async () => undefined, sliceMs: 0 });
      const expected = (JSON.parse(text) as { apps: MarathonApp[] }).apps.map((a) => heldApp(a));
      expect(read).toEqual(expected);
      recognised += cache.lastRead.recognised;
      apps += cache.lastRead.apps;
    }
    // The comparison, not the hash, recognised most apps although their times moved.
    expect(recognised / apps).toBeGreaterThan(0.7);
  });

  it('does not take bytes for an app where a time was replaced by something else of the same length', async () => {
    const cache = new AppListingCache();
    const listing = (last: string) => Buffer.from(JSON.stringify({ apps: [app({ last: [last] }), { ...app(), id: '/api' }] }));
    const pause = { pause: async () => undefined };
    const first = await cache.read(listing('2026-12-05T10:00:00.000Z'), pause);
    // As long as the time, but a string that closes early, and a key after it: not a time.
    const time = '"2026-12-05T10:00:00.000Z"';
    const start = '"x","alive":false,"q":"';
    const forged = `${start}${'z'.repeat(time.length - start.length - 1)}"`;
    expect(forged).toHaveLength(time.length);
    const text = listing('2026-12-05T10:00:00.000Z').toString().replace(`${time},"lastFailure"`, `${forged},"lastFailure"`);
    const second = await cache.read(Buffer.from(text), pause);
    expect(second).toEqual((JSON.parse(text) as { apps: MarathonApp[] }).apps.map((a) => heldApp(a)));
    expect(second[0]?.tasks?.[0]?.healthCheckResults?.[0]?.alive).toBe(false);
    expect(second[0]).not.toBe(first[0]);
    expect(second[1]).toBe(first[1]);
  });
});
