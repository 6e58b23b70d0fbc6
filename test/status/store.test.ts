import { describe, expect, it } from 'vitest';
import type { AppStatus } from '../../src/status/model.js';
import { appStatus, pruneStatus } from './fixtures.js';
import { StatusStore } from '../../src/status/store.js';
import { createScrubber } from '../../src/secrets/scrubber.js';
import { seededRandom } from '../../src/sandbox/prng.js';

function store(): StatusStore {
  return new StatusStore({ instance: 'test-1', marathonUrl: 'http://127.0.0.1:8080', now: () => new Date('2026-01-01T00:00:00Z') });
}

describe('StatusStore', () => {
  it('tells listeners only about real changes', () => {
    const s = store();
    const heard: string[] = [];
    s.onAppChange((id, st) => heard.push(`${id}:${st?.health ?? 'removed'}`));
    s.setApp(appStatus());
    s.setApp(appStatus());
    s.setApp(appStatus({ health: 'Degraded' }));
    s.removeApp('/demo/web');
    s.removeApp('/demo/web');
    expect(heard).toEqual(['/demo/web:Healthy', '/demo/web:Degraded', '/demo/web:removed']);
  });

  it('serves one cached document until something changes', () => {
    const s = store();
    s.setApp(appStatus());
    const first = s.json();
    expect(s.json()).toBe(first);
    s.setApp(appStatus({ id: '/demo/a' }));
    const doc = JSON.parse(s.json()) as { apps: AppStatus[] };
    expect(doc.apps.map((a) => a.id)).toEqual(['/demo/a', '/demo/web']);
  });

  it('serves exactly the snapshot, serialised, whatever changed (the apps joined from their own records)', () => {
    const s = new StatusStore({ instance: 'test-1', marathonUrl: 'http://127.0.0.1:8080', scrubber: createScrubber(['hunter2']) });
    const same = (): void => expect(s.json()).toBe(JSON.stringify(s.snapshot()));
    same();
    s.setApp(appStatus({ id: '/demo/b', lastError: { message: 'password hunter2 refused' } }));
    s.setApp(appStatus({ id: '/demo/a' }));
    same();
    expect(s.json()).not.toContain('hunter2');
    s.setMarathon({ url: 'x', reachable: true, lastReadAt: '2026-01-01T00:00:01.000Z', lastError: null });
    same();
    s.removeApp('/demo/a');
    same();
    s.setApp(appStatus({ id: '/demo/b', health: 'Degraded' }));
    same();
    expect((JSON.parse(s.json()) as { apps: AppStatus[] }).apps.map((a) => [a.id, a.health])).toEqual([['/demo/b', 'Degraded']]);
  });

  it('keeps the document, its length and its digest those of a store built afresh, as records change, come and go in any order', () => {
    const r = seededRandom(5);
    const live = store();
    const ids = Array.from({ length: 60 }, (_, i) => `/lab/app-${String(i).padStart(2, '0')}`);
    const records = new Map<string, AppStatus>();
    const parts = (p: { head: string; items: readonly string[]; tail: string }) => `${p.head}${p.items.join(',')}${p.tail}`;
    const held: Array<{ text: string; head: string; items: readonly string[]; tail: string }> = [];
    for (let step = 0; step < 400; step++) {
      const id = ids[Math.floor(r() * ids.length)] as string;
      if (r() < 0.15) {
        live.removeApp(id);
        records.delete(id);
      } else {
        const record = appStatus({ id, health: r() < 0.5 ? 'Healthy' : 'Degraded', source: `wé${'é'.repeat(Math.floor(r() * 5))}.yaml:1` });
        live.setApp(record);
        records.set(id, record);
      }
      if (step % 3 !== 0) continue;
      const fresh = store();
      for (const record of records.values()) fresh.setApp(record);
      const got = live.parts();
      const want = fresh.parts();
      expect(parts(got)).toBe(parts(want));
      expect(got.bytes).toBe(Buffer.byteLength(parts(got)));
      expect(got.digest).toBe(want.digest);
      held.push({ text: parts(got), head: got.head, items: got.items, tail: got.tail });
    }
    // What was handed out never changed afterwards (a reply may still be writing it).
    for (const h of held) expect(parts(h)).toBe(h.text);
  });

  it('selects apps from their serialised records: the snapshot with those apps, and the page before them', () => {
    const s = store();
    for (const id of ['/lab/a', '/lab/b', '/mip/web', '/lab/c']) s.setApp(appStatus({ id, sync: id === '/lab/b' ? 'OutOfSync' : 'Synced' }));
    const text = (p: { head: string; items: readonly string[]; tail: string }) => `${p.head}${p.items.join(',')}${p.tail}`;
    const { parts, page } = s.select({ groups: ['/lab'], sync: new Set(['Synced']) });
    expect(page).toBeUndefined();
    expect(JSON.parse(text(parts))).toEqual({ ...s.snapshot(), apps: s.snapshot().apps.filter((a) => a.id === '/lab/a' || a.id === '/lab/c') });
    expect(parts.bytes).toBe(Buffer.byteLength(text(parts)));

    const paged = s.select({ groups: ['/lab'], limit: 1, after: '/lab/a' });
    expect(paged.page).toEqual({ limit: 1, after: '/lab/a', next: '/lab/b' });
    const doc = JSON.parse(text(paged.parts)) as Record<string, unknown>;
    expect(Object.keys(doc).slice(-2)).toEqual(['page', 'apps']);
    expect(doc.apps).toEqual([s.getApp('/lab/b')]);
    expect(paged.parts.bytes).toBe(Buffer.byteLength(text(paged.parts)));
    // The same selection of the same content has the same digest; another has another.
    expect(s.select({ groups: ['/lab'], limit: 1, after: '/lab/a' }).parts.digest).toBe(paged.parts.digest);
    expect(s.select({ groups: ['/lab'], limit: 2, after: '/lab/a' }).parts.digest).not.toBe(paged.parts.digest);
  });

  it('derives the phase from sources, Marathon, prune guard and apps', () => {
    const s = store();
    s.setMarathon({ url: 'x', reachable: true, lastReadAt: null, lastError: null });
    expect(s.snapshot().phase).toBe('Progressing');
    s.markReady();
    s.setApp(appStatus());
    expect(s.snapshot()).toMatchObject({ phase: 'Ready', message: 'all apps in sync', ready: true, instance: 'test-1', startedAt: '2026-01-01T00:00:00.000Z' });
    s.setApp(appStatus({ id: '/b', sync: 'OutOfSync' }));
    expect(s.snapshot().phase).toBe('Progressing');
    s.setApp(appStatus({ id: '/c', sync: 'Invalid' }));
    expect(s.snapshot()).toMatchObject({ phase: 'Degraded', message: 'apps: 1 invalid' });
    s.setSources([{ name: 'database', state: 'Unknown', lastReadAt: null, lastError: { message: 'connection refused' }, revision: null, apps: 0 }]);
    expect(s.snapshot()).toMatchObject({ phase: 'Degraded', message: 'source database cannot be read: connection refused' });
    s.setPrune(pruneStatus({ blocked: true, candidates: ['/1', '/2', '/3', '/4', '/5', '/6'] }));
    expect(s.snapshot().phase).toBe('Blocked');
    s.markStopping();
    expect(s.snapshot().phase).toBe('Stopping');
  });

  it('counts apps by sync and health', () => {
    const s = store();
    s.setApp(appStatus());
    s.setApp(appStatus({ id: '/b', sync: 'OutOfSync', health: 'Missing' }));
    expect(s.counts().sync).toMatchObject({ Synced: 1, OutOfSync: 1 });
    expect(s.counts().health).toMatchObject({ Healthy: 1, Missing: 1 });
  });

  describe('recent outcomes', () => {
    function clocked() {
      let now = Date.parse('2026-03-02T08:00:00Z');
      const s = new StatusStore({
        instance: 'test-1',
        marathonUrl: 'http://127.0.0.1:8080',
        now: () => new Date(now),
        scrubber: createScrubber(['db-password-123']),
      });
      return { s, tick: (ms: number) => (now += ms) };
    }

    it('keeps them per app, stamped with its clock, newest first, served with the record and not in the whole document', () => {
      const { s, tick } = clocked();
      s.setApp(appStatus());
      const doc = s.json();
      const heard: string[] = [];
      s.onAppChange((id) => heard.push(id));
      expect(s.recordOutcome('/demo/web', { action: 'create', result: 'ok', deploymentId: 'd1' })).toBe(true);
      tick(5000);
      s.recordOutcome('/demo/web', { action: 'scale', result: 'ok', deploymentId: 'd2', changes: ['instances: 1 → 3'] });
      expect(s.outcomes('/demo/web').map((o) => [o.action, o.at])).toEqual([
        ['scale', '2026-03-02T08:00:05.000Z'],
        ['create', '2026-03-02T08:00:00.000Z'],
      ]);
      const detail = JSON.parse(s.appDetailJson('/demo/web') as string) as AppStatus & { outcomes: unknown[] };
      expect(detail).toEqual({ ...appStatus(), outcomes: s.outcomes('/demo/web') });
      expect(s.json(), 'the whole document is unchanged').toBe(doc);
      expect(heard, 'app listeners (app_status, Traefik) hear nothing').toEqual([]);
      expect(s.appDetailJson('/demo/other')).toBeUndefined();
    });

    it('changes nothing for a pass with nothing new: an app staying in sync or blocked', () => {
      const { s, tick } = clocked();
      s.setApp(appStatus());
      expect(s.recordOutcome('/demo/web', { action: 'none', result: 'synced' })).toBe(false);
      s.recordOutcome('/demo/web', { action: 'none', result: 'blocked', code: 'duplicate-id', message: 'declared twice' });
      const before = s.appDetailJson('/demo/web');
      for (let pass = 0; pass < 100; pass++) {
        tick(30_000);
        expect(s.recordOutcome('/demo/web', { action: 'none', result: 'blocked', code: 'duplicate-id', message: 'declared twice' })).toBe(false);
      }
      expect(s.appDetailJson('/demo/web')).toBe(before);
    });

    it('scrubs them as it scrubs records, ignores apps it does not report on, and forgets them with the app', () => {
      const { s } = clocked();
      expect(s.recordOutcome('/demo/web', { action: 'create', result: 'ok' }), 'no record yet').toBe(false);
      s.setApp(appStatus());
      s.recordOutcome('/demo/web', { action: 'update', result: 'failed', message: 'postgres://maracker:db-password-123@db/x refused' });
      expect(s.outcomes('/demo/web')[0]?.message).not.toContain('db-password-123');
      s.removeApp('/demo/web');
      s.setApp(appStatus());
      expect(s.outcomes('/demo/web')).toEqual([]);
    });
  });
});
