import { describe, expect, it } from 'vitest';
import type { AppStatus } from '../../src/status/model.js';
import { appStatus, pruneStatus } from './fixtures.js';
import { StatusStore } from '../../src/status/store.js';

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
});
