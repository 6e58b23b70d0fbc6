// Builders for status tests, and the example daemon the docs show (docs/status.md is
// checked against it by docs.test.ts, so the examples there are what the code answers).

import type { AppStatus, PruneStatus } from '../../src/status/model.js';
import { StatusStore } from '../../src/status/store.js';

export function appStatus(fields: Partial<AppStatus> = {}): AppStatus {
  return {
    id: '/demo/web',
    source: 'web.yaml:1',
    sync: 'Synced',
    health: 'Healthy',
    instances: { desired: 1, running: 1, healthy: 1 },
    url: null,
    lastAppliedAt: null,
    lastError: null,
    pendingChanges: [],
    problems: [],
    tasks: [],
    route: null,
    ...fields,
  };
}

export function pruneStatus(fields: Partial<PruneStatus> = {}): PruneStatus {
  return {
    blocked: false,
    limit: 5,
    candidates: [],
    overridden: false,
    budget: { used: 0, limit: 5, windowSeconds: 3600, freesAt: null, history: 'database', loaded: true },
    episode: null,
    ...fields,
  };
}

export function statusStore(): StatusStore {
  return new StatusStore({ instance: 'test-1', marathonUrl: 'http://127.0.0.1:8080', now: () => new Date('2026-01-01T00:00:00Z') });
}

/** The daemon of the documentation's examples: two sources, three apps in three states. */
export function exampleStore(): StatusStore {
  let now = '2026-03-02T08:00:00Z';
  const store = new StatusStore({
    instance: 'mip-host-1',
    marathonUrl: 'http://marathon.mip.local:8080',
    role: 'standalone',
    now: () => new Date(now),
  });
  store.setMarathon({ url: 'http://marathon.mip.local:8080', reachable: true, lastReadAt: '2026-03-02T09:14:55.000Z', lastError: null });
  store.setSources([
    { name: 'folder', state: 'Ready', lastReadAt: '2026-03-02T09:14:50.000Z', lastError: null, revision: '3f9c2a1e7b', dirty: false, apps: 2 },
    { name: 'database', state: 'Ready', lastReadAt: '2026-03-02T09:14:52.000Z', lastError: null, revision: '1842', apps: 1 },
  ]);
  store.setPrune(
    pruneStatus({
      budget: { used: 2, limit: 5, windowSeconds: 3600, freesAt: '2026-03-02T09:41:07.000Z', history: 'database', loaded: true },
    }),
  );
  store.setInstallation({ name: 'mip-prod', origin: 'option' });
  store.setOwnership({
    foreign: { count: 1, apps: [{ id: '/mip/staging/portal', installation: 'mip-staging' }] },
    legacy: { claimed: 2, unclaimed: { count: 1, apps: ['/mip/old/viewer'] } },
  });
  store.setApp(
    appStatus({
      id: '/mip/prod/portal',
      source: 'manifests/portal.yaml:1',
      instances: { desired: 2, running: 2, healthy: 2 },
      url: 'https://portal.mip.example.org/',
      lastAppliedAt: '2026-03-02T08:03:11.000Z',
      tasks: [
        {
          id: 'mip_prod_portal.1d6e2a4f-1f0e-11f1-9c1b-0242ac110002',
          state: 'TASK_RUNNING',
          healthy: true,
          host: 'agent-1.mip.local',
          ports: [31004],
          address: 'agent-1.mip.local:31004',
          ready: true,
        },
        {
          id: 'mip_prod_portal.3b2c7e11-1f0e-11f1-9c1b-0242ac110002',
          state: 'TASK_RUNNING',
          healthy: true,
          host: 'agent-2.mip.local',
          ports: [31517],
          address: 'agent-2.mip.local:31517',
          ready: true,
        },
      ],
      route: {
        name: 'mip_prod_portal',
        rule: 'Host(`portal.mip.example.org`)',
        entryPoints: ['websecure'],
        tls: { certResolver: 'le' },
        port: { index: 0 },
        servers: ['http://agent-1.mip.local:31004', 'http://agent-2.mip.local:31517'],
      },
    }),
  );
  // The portal's history: created, scaled to 2 once Marathon answered again.
  const at = (time: string, outcome: Parameters<StatusStore['recordOutcome']>[1]): void => {
    now = `2026-03-02T${time}Z`;
    store.recordOutcome('/mip/prod/portal', outcome);
  };
  at('08:01:02', { action: 'create', result: 'ok', deploymentId: '5ed4c0c5-9ff8-4a6f-a0cd-f57f59a34b43', version: '2026-03-02T08:01:02.120Z' });
  for (const time of ['08:02:40', '08:02:42', '08:02:46'])
    at(time, {
      action: 'scale',
      result: 'failed',
      code: 'MRK_MARATHON_SERVER_ERROR',
      message: 'Marathon answered 503: leader unavailable',
      changes: ['instances: 1 → 2'],
    });
  at('08:03:11', {
    action: 'scale',
    result: 'ok',
    deploymentId: '97c136bf-5a75-4a2d-9c9b-3f1f2b0e4d8e',
    version: '2026-03-02T08:03:11.250Z',
    changes: ['instances: 1 → 2'],
  });
  store.setApp(
    appStatus({
      id: '/mip/prod/stats',
      source: 'manifests/stats.yaml:14',
      sync: 'OutOfSync',
      health: 'Progressing',
      instances: { desired: 3, running: 1, healthy: 1 },
      url: 'https://stats.mip.example.org/',
      lastAppliedAt: '2026-03-02T09:14:53.000Z',
      pendingChanges: ['instances'],
    }),
  );
  store.setApp(
    appStatus({
      id: '/notebooks/alice',
      source: 'database row /notebooks/alice',
      sync: 'Invalid',
      health: 'Missing',
      instances: { desired: 1, running: 0, healthy: 0 },
      lastError: { message: 'must be a string of at least 1 character', code: 'schema', row: '/notebooks/alice', jsonPath: 'spec.container.docker.image' },
    }),
  );
  store.markReady();
  return store;
}
