// The invariant checker on hand-made histories: each rule fires on the write that breaks it,
// with an explanation, and stays quiet on the legitimate look-alike.

import { describe, expect, it } from 'vitest';
import type { DesiredApp } from '../../src/model/desired.js';
import type { MarathonApp } from '../../src/model/marathon.js';
import { parseManifestText } from '../../src/manifest/parse.js';
import { specToDesired } from '../../src/manifest/row.js';
import type { RequestLogEntry } from '../../src/sandbox/request-log.js';
import { manifestYaml } from '../helpers/manifests.js';
import { HARNESS_MARK, type HistoryEvent } from './history.js';
import { checkFinalState, checkInvariants, type Violation } from './invariants.js';

const T0 = Date.parse('2024-05-01T10:00:00.000Z');
/** Seconds after T0. */
const at = (s: number): number => T0 + Math.round(s * 1000);

function fileEvent(s: number, path: string, text: string | null): HistoryEvent {
  return { kind: 'files', start: at(s), end: at(s) + 5, changes: [{ path, text }] };
}

function rowEvent(s: number, id: string, spec: unknown): HistoryEvent {
  return { kind: 'rows', start: at(s), end: at(s) + 5, changes: [{ id, spec }] };
}

function appOf(path: string, text: string, id: string): DesiredApp {
  const app = parseManifestText(text, path).apps.find((a) => a.id === id);
  if (!app) throw new Error(`${path} does not declare ${id}`);
  return app;
}

class Log {
  readonly entries: RequestLogEntry[] = [];
  #seq = 0;

  add(
    s: number,
    method: string,
    path: string,
    body: unknown,
    opts: { query?: Record<string, string[]>; status?: number | null; handledAfterS?: number } = {},
  ): this {
    this.entries.push({
      seq: ++this.#seq,
      time: new Date(at(s)).toISOString(),
      ...(opts.handledAfterS !== undefined ? { handledAt: new Date(at(s + opts.handledAfterS)).toISOString() } : {}),
      method,
      path,
      query: opts.query ?? {},
      body: (body ?? null) as RequestLogEntry['body'],
      status: opts.status === undefined ? 200 : opts.status,
      faults: [],
    });
    return this;
  }

  create(s: number, app: DesiredApp): this {
    return this.add(s, 'POST', '/v2/apps', app.definition, { status: 201 });
  }

  update(s: number, app: DesiredApp): this {
    return this.add(s, 'PUT', `/v2/apps${app.id}`, app.definition, { query: { partialUpdate: ['false'] } });
  }

  scale(s: number, id: string, instances: number): this {
    return this.add(s, 'PUT', `/v2/apps${id}`, { instances });
  }

  delete(s: number, id: string): this {
    return this.add(s, 'DELETE', `/v2/apps${id}`, null);
  }
}

const WEB1 = manifestYaml({ name: 'web', instances: 1 });
const WEB3 = manifestYaml({ name: 'web', instances: 3 });
const WEB_CMD_B = manifestYaml({ name: 'web', cmd: 'sleep 7200' });
const BROKEN = 'apiVersion: maracker/v1\nkind: App\nmetadata:\n  name: web\nspec:\n  cmd: "sleep 3600\n  instances: [\n';

function rules(v: Violation[]): string[] {
  return v.map((x) => `${x.rule} ${x.appId ?? ''} ${x.seq ?? ''}`.trim());
}

describe('checkInvariants', () => {
  it('accepts a create, a scale, a restart and a delete that follow the sources', () => {
    const history = [fileEvent(0, 'web.yaml', WEB1), fileEvent(10, 'web.yaml', WEB3), fileEvent(20, 'web.yaml', WEB_CMD_B), fileEvent(30, 'web.yaml', null)];
    const log = new Log()
      .add(0.5, 'GET', '/v2/apps', null)
      .create(0.6, appOf('web.yaml', WEB1, '/web'))
      .scale(10.1, '/web', 3)
      .update(20.1, appOf('web.yaml', WEB_CMD_B, '/web'))
      .delete(32.2, '/web');
    expect(checkInvariants({ log: log.entries, history })).toEqual([]);
  });

  it('delete-declared: a delete of an app whose file is still there', () => {
    const history = [fileEvent(0, 'web.yaml', WEB1)];
    const log = new Log().create(0.5, appOf('web.yaml', WEB1, '/web')).delete(30, '/web');
    const v = checkInvariants({ log: log.entries, history });
    expect(rules(v)).toEqual(['delete-declared /web 2']);
    expect(v[0]?.message).toContain('DELETE /v2/apps/web (seq 2 at 10:00:30.000');
    expect(v[0]?.message).toContain('in web.yaml since 10:00:00.000');
  });

  it('delete-declared: a half-written file removes nothing, and neither does a broken one the daemon never saw valid', () => {
    const history = [fileEvent(0, 'web.yaml', WEB1), fileEvent(10, 'web.yaml', BROKEN)];
    const log = new Log().create(0.5, appOf('web.yaml', WEB1, '/web')).delete(20, '/web');
    expect(rules(checkInvariants({ log: log.entries, history }))).toEqual(['delete-declared /web 2']);

    // The valid version lasted 10 ms (maybe never read) and the broken one declares nothing
    // readable, but the app carries the file's source label: it is unknown, not absent.
    const fleeting = [fileEvent(0, 'web.yaml', WEB1), fileEvent(0.01, 'web.yaml', 'spec: [\n')];
    const log2 = new Log().create(0.005, appOf('web.yaml', WEB1, '/web')).delete(20, '/web');
    const v = checkInvariants({ log: log2.entries, history: fleeting });
    expect(rules(v)).toEqual(['delete-declared /web 2']);
    expect(v[0]?.message).toContain('whose source file:web.yaml was a broken file');
    // Once the broken file is removed, the app is absent and may go.
    expect(checkInvariants({ log: log2.entries, history: [...fleeting, fileEvent(10, 'web.yaml', null)] })).toEqual([]);
  });

  it('does not count a version overwritten within milliseconds as read', () => {
    const ab = `${manifestYaml({ name: 'a' })}---\n${manifestYaml({ name: 'b' })}`;
    const history = [fileEvent(0, 'x.yaml', manifestYaml({ name: 'a' })), fileEvent(10, 'x.yaml', ab), fileEvent(10.01, 'x.yaml', 'metadata: [\n')];
    const log = new Log().create(0.5, appOf('x.yaml', manifestYaml({ name: 'a' }), '/a')).delete(20, '/b');
    // /b was declared for 10 ms: the broken file protects /a only. (The delete itself is
    // judged by the ownership rule: maracker never created /b.)
    expect(rules(checkInvariants({ log: log.entries, history }))).toEqual(['unowned-write /b 2']);
  });

  it('accepts a delete while the removal is within the propagation window', () => {
    const history = [fileEvent(0, 'web.yaml', WEB1), fileEvent(10, 'web.yaml', null), fileEvent(11, 'web.yaml', WEB1)];
    const log = new Log()
      .create(0.5, appOf('web.yaml', WEB1, '/web'))
      .delete(12, '/web')
      .create(13, appOf('web.yaml', WEB1, '/web'));
    expect(checkInvariants({ log: log.entries, history })).toEqual([]);
    expect(rules(checkInvariants({ log: log.entries, history, options: { propagationMs: 500 } }))).toEqual(['delete-declared /web 2']);
  });

  it('unowned-write: writes to an app the harness made unowned, labels missing, partial writes to apps never created', () => {
    const legacy = manifestYaml({ name: 'legacy' });
    const history: HistoryEvent[] = [{ kind: 'unowned', start: at(0), end: at(0), id: '/legacy', version: 'v1' }, fileEvent(1, 'legacy.yaml', legacy)];
    const unlabelled = { id: '/other', cmd: 'sleep 1', instances: 1 };
    const log = new Log()
      .add(0.5, 'PUT', '/v2/apps/legacy', { instances: 5 }, { query: { [HARNESS_MARK]: ['1'] } })
      .update(2, appOf('legacy.yaml', legacy, '/legacy'))
      .add(3, 'POST', '/v2/apps', unlabelled)
      .scale(4, '/never', 2);
    const v = checkInvariants({ log: log.entries, history });
    expect(rules(v).filter((r) => r.startsWith('unowned-write'))).toEqual(['unowned-write /legacy 2', 'unowned-write /other 3', 'unowned-write /never 4']);
    expect(v[0]?.message).toContain('without the ownership label');
  });

  it('unowned-write: judges a write by when it took effect, so a create held back past a wipe made the app after it', () => {
    const web = manifestYaml({ name: 'web' });
    const app = appOf('web.yaml', web, '/web');
    const history: HistoryEvent[] = [fileEvent(0, 'web.yaml', web), { kind: 'wipe', start: at(2), end: at(2.1) }];
    // Arrived at 1.5 s, handled 1.3 s later (an injected latency): after the wipe.
    const held = new Log().add(1.5, 'POST', '/v2/apps', app.definition, { status: 201, handledAfterS: 1.3 }).scale(4, '/web', 2);
    expect(rules(checkInvariants({ log: held.entries, history })).filter((r) => r.startsWith('unowned-write'))).toEqual([]);
    // Handled before the wipe, the app went with it: a later scale writes an app maracker did not create since.
    const wiped = new Log().create(1.5, app).scale(4, '/web', 2);
    expect(rules(checkInvariants({ log: wiped.entries, history })).filter((r) => r.startsWith('unowned-write'))).toEqual(['unowned-write /web 2']);
  });

  it('accepts writes to an unowned app a source adopts', () => {
    const adopted = manifestYaml({ name: 'legacy', adopt: true });
    const history: HistoryEvent[] = [{ kind: 'unowned', start: at(0), end: at(0), id: '/legacy' }, fileEvent(1, 'legacy.yaml', adopted)];
    const log = new Log().update(2, appOf('legacy.yaml', adopted, '/legacy'));
    expect(checkInvariants({ log: log.entries, history })).toEqual([]);
  });

  it('prune-guard: more deletes in one window than max(5, 10%) without approval', () => {
    const history: HistoryEvent[] = [];
    const log = new Log();
    for (let i = 0; i < 8; i++) {
      const text = manifestYaml({ name: `app${i}` });
      history.push(fileEvent(0, `app${i}.yaml`, text));
      log.create(0.5, appOf(`app${i}.yaml`, text, `/app${i}`));
    }
    history.push({ kind: 'files', start: at(10), end: at(10) + 5, changes: Array.from({ length: 7 }, (_, i) => ({ path: `app${i}.yaml`, text: null })) });
    for (let i = 0; i < 6; i++) log.delete(12 + i * 0.1, `/app${i}`);
    const v = checkInvariants({ log: log.entries, history });
    expect(rules(v)).toEqual(['prune-guard /app0 14']);
    expect(v[0]?.message).toContain('6 apps deleted within 3600000 ms');
    expect(v[0]?.message).toContain('max(5, floor(0.1 x 8 managed apps)) = 5');

    // A slow trickle shares the same budget: one delete every 3.5 s is still six in the window.
    const trickle = new Log();
    for (let i = 0; i < 8; i++) trickle.create(0.5, appOf(`app${i}.yaml`, manifestYaml({ name: `app${i}` }), `/app${i}`));
    for (let i = 0; i < 6; i++) trickle.delete(12 + i * 3.5, `/app${i}`);
    expect(rules(checkInvariants({ log: trickle.entries, history }))).toEqual(['prune-guard /app0 14']);

    const approved: HistoryEvent = { kind: 'prune-approved', start: at(11), end: at(11), ids: Array.from({ length: 7 }, (_, i) => `/app${i}`) };
    expect(checkInvariants({ log: log.entries, history: [...history, approved] })).toEqual([]);
    expect(checkInvariants({ log: log.entries.slice(0, -1), history })).toEqual([]);
  });

  it('unreadable-source: any delete, and writes to apps of that source, while it cannot be read', () => {
    const db = { cmd: 'sleep 1', instances: 1, cpus: 0.1, mem: 32 };
    const history: HistoryEvent[] = [
      fileEvent(0, 'web.yaml', WEB1),
      fileEvent(0, 'gone.yaml', manifestYaml({ name: 'gone' })),
      rowEvent(0, '/db/a', db),
      { kind: 'readable', start: at(10), end: at(10.2), source: 'folder', readable: false },
      rowEvent(11, '/db/a', { ...db, instances: 2 }),
      { kind: 'readable', start: at(30), end: at(30.1), source: 'folder', readable: true },
    ];
    const dbApp = specToDesired('/db/a', db, null).app as DesiredApp;
    const log = new Log()
      .create(0.5, appOf('web.yaml', WEB1, '/web'))
      .create(0.5, dbApp)
      .scale(11.5, '/db/a', 2)
      .scale(15, '/web', 1)
      .delete(16, '/db/a');
    const v = checkInvariants({ log: log.entries, history });
    expect(rules(v).filter((r) => r.startsWith('unreadable'))).toEqual(['unreadable-source /web 4', 'unreadable-source /db/a 5']);
    expect(v.find((x) => x.seq === 4)?.message).toContain(
      'declared by the folder source (web.yaml), while that source was unreadable since 10:00:10.200 until 10:00:30.000',
    );
  });

  it('stale-write and write-order: an older spec written after a newer one', () => {
    const history = [fileEvent(0, 'web.yaml', WEB1), fileEvent(10, 'web.yaml', WEB3)];
    const stale = new Log().create(0.5, appOf('web.yaml', WEB1, '/web')).scale(20, '/web', 1);
    const v = checkInvariants({ log: stale.entries, history });
    expect(rules(v)).toEqual(['stale-write /web 2']);
    expect(v[0]?.message).toContain('superseded before the window');

    const reordered = new Log()
      .create(0.5, appOf('web.yaml', WEB1, '/web'))
      .scale(10.5, '/web', 3)
      .scale(11, '/web', 1);
    expect(rules(checkInvariants({ log: reordered.entries, history }))).toEqual(['write-order /web 3']);
  });

  it('accepts a revert: the same spec again, after a newer one', () => {
    const history = [fileEvent(0, 'web.yaml', WEB1), fileEvent(10, 'web.yaml', WEB_CMD_B), fileEvent(20, 'web.yaml', WEB1)];
    const log = new Log()
      .create(0.5, appOf('web.yaml', WEB1, '/web'))
      .update(10.5, appOf('web.yaml', WEB_CMD_B, '/web'))
      .update(20.5, appOf('web.yaml', WEB1, '/web'));
    expect(checkInvariants({ log: log.entries, history })).toEqual([]);
  });

  it('stale-write: a write to an id while its file is broken, or that nobody ever declared', () => {
    const history = [fileEvent(0, 'web.yaml', WEB1), fileEvent(10, 'web.yaml', BROKEN)];
    const log = new Log()
      .create(0.5, appOf('web.yaml', WEB1, '/web'))
      .update(20, appOf('web.yaml', WEB1, '/web'))
      .create(21, appOf('x.yaml', manifestYaml({ name: 'ghost' }), '/ghost'));
    const v = checkInvariants({ log: log.entries, history });
    expect(rules(v)).toEqual(['stale-write /web 2', 'stale-write /ghost 3']);
    expect(v[1]?.message).toContain('no source ever declared this spec on its own');
  });
});

function marathonApp(app: DesiredApp, changes: Partial<MarathonApp> = {}): MarathonApp {
  return { ...app.definition, version: '2024-05-01T10:00:00.000Z', ...changes } as MarathonApp;
}

describe('checkFinalState', () => {
  const history: HistoryEvent[] = [
    fileEvent(0, 'web.yaml', WEB3),
    fileEvent(0, 'old.yaml', manifestYaml({ name: 'old' })),
    fileEvent(5, 'old.yaml', null),
    { kind: 'unowned', start: at(0), end: at(0), id: '/legacy', version: 'v1' },
  ];
  const web = appOf('web.yaml', WEB3, '/web');
  const legacy = { id: '/legacy', cmd: 'sleep 1', instances: 1, version: 'v1' } as MarathonApp;

  it('accepts the converged state', () => {
    expect(checkFinalState({ apps: [marathonApp(web), legacy], history })).toEqual([]);
  });

  it('names what differs: a missing app, a field, an owned leftover, a touched unowned app', () => {
    expect(checkFinalState({ apps: [legacy], history }).map((v) => v.message)).toEqual([
      `/web is declared (app (spec-hash ${web.specHash}, instances 3) in web.yaml since 10:00:00.000) but missing from Marathon`,
    ]);
    const v = checkFinalState({
      apps: [marathonApp(web, { instances: 1 }), marathonApp(appOf('old.yaml', manifestYaml({ name: 'old' }), '/old')), { ...legacy, version: 'v2' }],
      history,
    });
    expect(v.map((x) => x.message)).toEqual([
      expect.stringContaining('/web differs from its declaration'),
      expect.stringContaining('/old is owned by maracker but no source declares it'),
      '/legacy, an app maracker does not own, was changed (version v1 -> v2)',
    ]);
    expect(v[0]?.message).toContain('instances: 1 -> 3');
  });
});
