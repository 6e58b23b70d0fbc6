import { describe, expect, it } from 'vitest';
import type { DesiredApp } from '../../src/model/desired.js';
import type { Problem } from '../../src/model/problem.js';
import { DesiredView, sameDefinition } from '../../src/reconcile/desired-view.js';
import { emptySnapshot, type SourceSnapshot } from '../../src/sources/source.js';

function app(id: string, path = 'web.yaml'): DesiredApp {
  return { id, source: { kind: 'file', path, line: 1 }, definition: { id, instances: 1 }, specHash: 'h', adopt: false };
}

function snapshot(name: string, fields: Partial<SourceSnapshot> = {}): SourceSnapshot {
  return { ...emptySnapshot(name, 'Ready'), ...fields };
}

const problem: Problem = { code: 'schema', message: 'bad', location: { file: 'web.yaml', line: 3, column: 5 } };

describe('DesiredView', () => {
  it('returns the one valid declaration of an id', () => {
    const view = new DesiredView([snapshot('folder', { apps: new Map([['/a', app('/a')]]) }), snapshot('database')]);
    expect(view.get('/a')).toEqual({ kind: 'app', app: app('/a') });
    expect([...view.declaredIds()]).toEqual(['/a']);
  });

  it('reports an id declared by a file and a row as a conflict, applying neither', () => {
    const row: DesiredApp = { ...app('/a'), source: { kind: 'database', row: '/a' } };
    const view = new DesiredView([snapshot('folder', { apps: new Map([['/a', app('/a')]]) }), snapshot('database', { apps: new Map([['/a', row]]) })]);
    expect(view.get('/a')).toEqual({ kind: 'conflict', declarations: [app('/a').source, row.source] });
  });

  it('reports ids declared twice inside one source as a conflict', () => {
    const refs = [
      { kind: 'file' as const, path: 'a.yaml', line: 1 },
      { kind: 'file' as const, path: 'b.yaml', line: 4 },
    ];
    const view = new DesiredView([snapshot('folder', { conflicts: new Map([['/a', refs]]) })]);
    expect(view.get('/a')).toEqual({ kind: 'conflict', declarations: refs });
  });

  it('marks an id with a broken declaration invalid, with its problems', () => {
    const view = new DesiredView([snapshot('folder', { invalid: new Map([['/a', [problem]]]) })]);
    expect(view.get('/a')).toEqual({ kind: 'invalid', source: 'folder', problems: [problem] });
  });

  it("holds back, as invalid, a row routed at a manifest app's host; the manifest app stays an app", () => {
    const portal = { ...app('/portal'), exposes: [{ host: 'portal.example', path: '' }] };
    const evil: DesiredApp = { ...app('/evil'), source: { kind: 'database', row: '/evil' }, exposes: [{ host: 'portal.example', path: '/login' }] };
    const view = new DesiredView([snapshot('folder', { apps: new Map([['/portal', portal]]) }), snapshot('database', { apps: new Map([['/evil', evil]]) })]);
    expect(view.get('/portal')).toEqual({ kind: 'app', app: portal });
    expect(view.get('/evil')).toMatchObject({
      kind: 'invalid',
      source: 'database',
      problems: [{ code: 'route-conflict', location: { row: '/evil' } }],
      routeTaken: true,
    });
    expect(view.routeProblems().map((p) => p.location)).toEqual([{ row: '/evil', jsonPath: 'spec.expose' }]);
  });

  it('holds back a row routed at the host of a manifest app that a row of the same id puts in conflict: that app runs on, routed where it was', () => {
    const portal = { ...app('/portal'), exposes: [{ host: 'portal.example', path: '' }] };
    const squatter: DesiredApp = { ...app('/portal'), source: { kind: 'database', row: '/portal' } };
    const evil: DesiredApp = { ...app('/evil'), source: { kind: 'database', row: '/evil' }, exposes: [{ host: 'portal.example', path: '' }] };
    const view = new DesiredView([
      snapshot('folder', { apps: new Map([['/portal', portal]]) }),
      snapshot('database', {
        apps: new Map([
          ['/portal', squatter],
          ['/evil', evil],
        ]),
      }),
    ]);
    expect(view.get('/portal')).toMatchObject({ kind: 'conflict' });
    expect(view.get('/evil')).toMatchObject({
      kind: 'invalid',
      problems: [{ code: 'route-conflict', message: expect.stringContaining('host portal.example is routed to /portal (web.yaml:1)') }],
      routeTaken: true,
    });
  });

  it('creates nothing while a new manifest is being written (it may declare the id too); an app already in Marathon goes on', () => {
    const row: DesiredApp = { ...app('/a'), source: { kind: 'database', row: '/a' }, definition: { id: '/a', labels: { 'maracker.source': 'database:/a' } } };
    const writing = snapshot('folder', { unreadFiles: new Set(['team/a.yaml']), unknownSourceLabels: new Set(['file:team/a.yaml']) });
    const view = new DesiredView([writing, snapshot('database', { apps: new Map([['/a', row]]) })]);
    expect(view.get('/a')).toEqual({ kind: 'unknown', declared: true, reason: 'team/a.yaml is being written and not read yet: it may declare this app too' });
    expect(view.get('/a', 'database:/a')).toEqual({ kind: 'app', app: row });
    expect(new DesiredView([snapshot('folder'), snapshot('database', { apps: new Map([['/a', row]]) })]).get('/a')).toEqual({ kind: 'app', app: row });
  });

  it('keeps a routed row unknown while the manifests cannot be read: the hosts their apps hold are not known; a row without a route goes on', () => {
    const evil: DesiredApp = { ...app('/evil'), source: { kind: 'database', row: '/evil' }, exposes: [{ host: 'portal.example', path: '/login' }] };
    const plain: DesiredApp = { ...app('/plain'), source: { kind: 'database', row: '/plain' } };
    const rows = snapshot('database', {
      apps: new Map([
        ['/evil', evil],
        ['/plain', plain],
      ]),
    });
    const down = { ...emptySnapshot('folder', 'Unknown', { message: 'gone' }), lastKnownIds: new Set(['/portal']) } as SourceSnapshot;
    const view = new DesiredView([down, rows]);
    expect(view.get('/evil')).toEqual({
      kind: 'unknown',
      declared: true,
      reason: "it is routed at portal.example, and whether a manifest's app is routed there is not known while source folder cannot be read",
    });
    expect(view.get('/plain')).toEqual({ kind: 'app', app: plain });
    // The folder read again: the clash is seen, the row held back.
    const portal = { ...app('/portal'), exposes: [{ host: 'portal.example', path: '' }] };
    const again = new DesiredView([snapshot('folder', { apps: new Map([['/portal', portal]]) }), rows]);
    expect(again.get('/evil')).toMatchObject({ kind: 'invalid', problems: [{ code: 'route-conflict' }] });
  });

  it('holds the hosts of remembered apps no valid declaration says now (broken before the daemon started, undeclared, in conflict), not of valid ones', () => {
    const row = (id: string, host: string, path = ''): DesiredApp => ({ ...app(id), source: { kind: 'database', row: id }, exposes: [{ host, path }] });
    const remembered = new Map([
      ['/portal', { exposes: [{ host: 'portal.example', path: '' }], source: 'file' as const }],
      ['/gone', { exposes: [{ host: 'gone.example', path: '' }], source: 'file' as const }],
      ['/shop', { exposes: [{ host: 'shop.example', path: '/cart' }], source: 'database' as const }],
      ['/moved', { exposes: [{ host: 'old.example', path: '' }], source: 'file' as const }],
    ]);
    const moved = { ...app('/moved'), exposes: [{ host: 'new.example', path: '' }] };
    const rows = [
      row('/evil', 'portal.example', '/login'),
      row('/squat', 'gone.example'),
      row('/copy', 'shop.example', '/cart'),
      row('/other', 'shop.example', '/pay'),
      row('/old', 'old.example'),
    ];
    const view = new DesiredView(
      [
        // /portal's file is broken and was already when the daemon started: no last valid version.
        snapshot('folder', { invalid: new Map([['/portal', [problem]]]), apps: new Map([['/moved', moved]]) }),
        // /shop's row is broken since before the start too.
        snapshot('database', {
          apps: new Map(rows.map((r) => [r.id, r])),
          invalid: new Map([['/shop', [{ ...problem, location: { row: '/shop' } }]]]),
        }),
      ],
      undefined,
      remembered,
    );
    expect(view.get('/evil')).toMatchObject({
      kind: 'invalid',
      routeTaken: true,
      problems: [{ code: 'route-conflict', message: expect.stringContaining('host portal.example is routed to /portal as it was last applied') }],
    });
    // Declared nowhere, it runs until it is deleted (the look at it forgets it then).
    expect(view.get('/squat')).toMatchObject({ kind: 'invalid', problems: [{ code: 'route-conflict' }] });
    expect(view.get('/copy')).toMatchObject({ kind: 'invalid', problems: [{ message: expect.stringContaining('shop.example/cart is routed to row /shop') }] });
    expect(view.get('/other').kind).toBe('app');
    // /moved is declared, valid, at another host now: its old one is free.
    expect(view.get('/old').kind).toBe('app');
  });

  it("holds a row's declaration of an app that a file not read yet declared: that file may declare it still (torture seed 532314390)", () => {
    const row: DesiredApp = { ...app('/a'), source: { kind: 'database', row: '/a' }, definition: { id: '/a', labels: { 'maracker.source': 'database' } } };
    const view = new DesiredView([
      snapshot('folder', { unknownSourceLabels: new Set(['file:a.yaml']) }),
      snapshot('database', { apps: new Map([['/a', row]]) }),
    ]);
    expect(view.get('/a', 'file:a.yaml')).toEqual({ kind: 'unknown', declared: true, reason: 'it was declared by file:a.yaml, which is not read yet' });
    // The row's own app, or one no file declared, is written as ever.
    expect(view.get('/a', 'database')).toEqual({ kind: 'app', app: row });
    expect(view.get('/a')).toEqual({ kind: 'app', app: row });
    expect(view.get('/a', 'file:b.yaml')).toEqual({ kind: 'app', app: row });
  });

  it('says absent only when every source was read', () => {
    expect(new DesiredView([snapshot('folder'), snapshot('database')]).get('/gone')).toEqual({ kind: 'absent' });
    const view = new DesiredView([snapshot('folder'), emptySnapshot('database', 'Unknown')]);
    expect(view.allReady).toBe(false);
    expect(view.get('/gone')).toEqual({ kind: 'unknown', reason: 'source database not read' });
  });

  it('applies no other declaration of an id an unreadable source declared when last read (torture seeds 2037, 2042)', () => {
    const row: DesiredApp = { ...app('/a'), source: { kind: 'database', row: '/a' } };
    // The folder declared /a too (a conflict) before it became unreadable: the row alone must
    // not be applied, it would overwrite the app of the file.
    const folder = { ...emptySnapshot('folder', 'Unknown'), lastKnownIds: new Set(['/a', '/b']) };
    const view = new DesiredView([
      folder,
      snapshot('database', {
        apps: new Map([
          ['/a', row],
          ['/c', { ...row, id: '/c' }],
        ]),
      }),
    ]);
    expect(view.get('/a')).toEqual({ kind: 'unknown', reason: 'declared by source folder, which cannot be read' });
    expect(view.get('/b')).toMatchObject({ kind: 'unknown' });
    expect(view.get('/c')).toMatchObject({ kind: 'app' });
    expect([...view.declaredIds()].sort()).toEqual(['/a', '/b', '/c']);
  });

  it('protects an undeclared app whose source label names a file that cannot be read', () => {
    const view = new DesiredView([snapshot('folder', { unknownSourceLabels: new Set(['file:web.yaml']) })]);
    expect(view.get('/a', 'file:web.yaml')).toMatchObject({ kind: 'unknown' });
    expect(view.get('/b', 'file:other.yaml')).toEqual({ kind: 'absent' });
  });

  it('says which file being written again declares an app, in its own source only', () => {
    const view = new DesiredView([
      snapshot('folder', {
        apps: new Map([
          ['/a', app('/a', 'web.yaml')],
          ['/b', app('/b', 'api.yaml')],
        ]),
        changing: new Set(['web.yaml']),
      }),
      snapshot('database', { apps: new Map([['/c', { ...app('/c'), source: { kind: 'database', row: '/c' } }]]), changing: new Set(['api.yaml']) }),
    ]);
    expect(view.get('/a')).toEqual({ kind: 'app', app: app('/a', 'web.yaml'), changing: 'web.yaml' });
    expect(view.get('/b')).toEqual({ kind: 'app', app: app('/b', 'api.yaml') });
    expect(view.get('/c')).toMatchObject({ kind: 'app' });
    expect(view.get('/c')).not.toHaveProperty('changing');
  });
});

describe('sameDefinition', () => {
  it('is true for the same object, or another with the same spec hash and definition', () => {
    expect(sameDefinition(app('/a'), app('/a'))).toBe(true);
    const a = app('/a');
    expect(sameDefinition(a, a)).toBe(true);
  });

  it('is false when the definition or the spec hash differs', () => {
    expect(sameDefinition(app('/a'), { ...app('/a'), definition: { id: '/a', instances: 2 } })).toBe(false);
    expect(sameDefinition(app('/a'), { ...app('/a'), specHash: 'other' })).toBe(false);
  });
});
