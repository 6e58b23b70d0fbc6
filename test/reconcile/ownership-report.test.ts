import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/base/log.js';
import { OwnershipReport, REPORTED_IDS_LIMIT } from '../../src/reconcile/ownership-report.js';
import { flush } from '../helpers/manual-clock.js';

function report() {
  const lines: Array<{ level: number; msg: string; appId?: string }> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  let changes = 0;
  const r = new OwnershipReport({ logger: createLogger({ level: 'debug', destination }), publish: () => changes++ });
  return { r, lines, changes: () => changes };
}

describe('OwnershipReport', () => {
  it('counts every foreign app and lists the first 100 by id, with their owners only', () => {
    const { r } = report();
    const apps = Array.from({ length: 150 }, (_, i) => ({ id: `/x/app${String(i).padStart(3, '0')}`, installation: i % 2 ? 'b' : 'c' }));
    r.replaceForeign(apps, () => false);
    const s = r.snapshot();
    expect(s.foreign.count).toBe(150);
    expect(s.foreign.apps).toHaveLength(REPORTED_IDS_LIMIT);
    expect(s.foreign.apps[0]).toEqual({ id: '/x/app000', installation: 'c' });
  });

  it('logs each foreign app once across listings, and again only when its situation changes', () => {
    const { r, lines } = report();
    for (let i = 0; i < 5; i++) r.replaceForeign([{ id: '/a', installation: 'b' }], () => false);
    expect(lines.filter((l) => l.appId === '/a')).toHaveLength(1);
    r.observe('/a', { kind: 'foreign', installation: 'b' }, true);
    r.observe('/a', { kind: 'foreign', installation: 'b' }, true);
    expect(lines.filter((l) => l.appId === '/a').map((l) => l.level)).toEqual([30, 40]);
    r.replaceForeign([], () => false);
    expect(r.snapshot().foreign.count).toBe(0);
    r.replaceForeign([{ id: '/a', installation: 'b' }], () => false);
    expect(lines.filter((l) => l.appId === '/a')).toHaveLength(3);
  });

  it('tells claimed legacy apps from unclaimed ones, and forgets those no longer listed', () => {
    const { r, lines } = report();
    r.observe('/old/a', { kind: 'legacy' }, true);
    r.observe('/old/b', { kind: 'legacy' }, false);
    r.observe('/old/b', { kind: 'legacy' }, false);
    expect(r.snapshot().legacy).toEqual({ claimed: 1, unclaimed: { count: 1, apps: ['/old/b'] } });
    expect(lines.filter((l) => l.appId === '/old/b')).toHaveLength(1);
    expect(lines.filter((l) => l.appId === '/old/a')).toHaveLength(0);
    // Relabelled by its next change: ours now.
    r.observe('/old/a', { kind: 'ours' }, true);
    r.retainLegacy((id) => id !== '/old/b');
    expect(r.snapshot().legacy).toEqual({ claimed: 0, unclaimed: { count: 0, apps: [] } });
  });

  it('publishes only when something changed, once per burst of changes', async () => {
    const { r, changes } = report();
    r.observe('/mine', { kind: 'ours' }, true);
    r.observe('/gone', undefined, false);
    await flush();
    expect(changes()).toBe(0);
    r.observe('/old', { kind: 'legacy' }, true);
    r.observe('/old', { kind: 'legacy' }, true);
    r.observe('/older', { kind: 'legacy' }, false);
    expect(changes()).toBe(0);
    await flush();
    expect(changes()).toBe(1);
  });
});
