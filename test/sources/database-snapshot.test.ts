import { describe, expect, it } from 'vitest';
import { specToDesired } from '../../src/manifest/row.js';
import { databaseSnapshot, lastGoodRoutes, maxRevision, type DatabaseRow } from '../../src/sources/database-snapshot.js';

function row(id: string, spec: unknown = { cmd: 'true' }, revision = '1'): DatabaseRow {
  return { id, result: specToDesired(id, spec, null), revision };
}

const rows = (...list: DatabaseRow[]) => new Map(list.map((r) => [r.id, r]));

describe('databaseSnapshot', () => {
  it('makes valid rows desired apps and the source Ready', () => {
    const snap = databaseSnapshot(rows(row('/a'), row('/b')), { revision: '7' });
    expect(snap).toMatchObject({ name: 'database', state: 'Ready', revision: '7', problems: [] });
    expect([...snap.apps.keys()]).toEqual(['/a', '/b']);
    expect(snap.lastError).toBeUndefined();
  });

  it('keeps the routes of a routed row broken since (heldRoutes), and of a valid row held back by the quota: their apps run on there', () => {
    const routed = { cmd: 'true', ports: [{ name: 'http' }], expose: { host: 'shop.example', path: '/cart' } };
    const good = row('/shop', routed);
    expect(lastGoodRoutes(good.result, undefined)).toEqual([{ host: 'shop.example', path: '/cart' }]);
    const brokenResult = row('/shop', { ...routed, instances: -1 }, '2').result;
    const broken: DatabaseRow = { id: '/shop', result: brokenResult, revision: '2', lastGoodRoutes: lastGoodRoutes(brokenResult, good) ?? [] };
    expect(broken.lastGoodRoutes).toEqual([{ host: 'shop.example', path: '/cart' }]);
    // Broken again: still the routes of the last valid version.
    expect(lastGoodRoutes(row('/shop', { cmd: 1 }, '3').result, broken)).toEqual([{ host: 'shop.example', path: '/cart' }]);
    expect(databaseSnapshot(rows(broken), {}).heldRoutes).toEqual(new Map([['/shop', [{ host: 'shop.example', path: '/cart' }]]]));
    expect(databaseSnapshot(rows(good), {}).heldRoutes).toBeUndefined();
    const over = databaseSnapshot(rows(row('/a'), row('/b', { ...routed, expose: { host: 'b.example' } })), {}, 1);
    expect(over.heldRoutes).toEqual(new Map([['/b', [{ host: 'b.example', path: '' }]]]));
  });

  it('makes an invalid row invalid, with every problem, and its first problem the last error with its JSON path', () => {
    const snap = databaseSnapshot(rows(row('/a'), row('/b', { cmd: 'true', instances: -1, mem: 'lots' })), {});
    expect(snap.apps.has('/b')).toBe(false);
    expect(
      snap.invalid
        .get('/b')
        ?.map((p) => p.location.jsonPath)
        .sort(),
    ).toEqual(['spec.instances', 'spec.mem']);
    expect(snap.lastError?.row).toBe('/b');
    expect(snap.lastError?.message).toMatch(/^spec\.(instances|mem): /);
    expect(snap.conflicts.size).toBe(0);
  });
});

describe('databaseSnapshot: the rows quota (--max-row-apps)', () => {
  it('applies the first valid rows in id order and holds back the rest as invalid: their apps are neither created nor changed', () => {
    // Inserted in any order: the Map's order is not what decides.
    const snap = databaseSnapshot(rows(row('/z/late'), row('/a/web'), row('/m/api'), row('/b/db')), {}, 2);
    expect([...snap.apps.keys()].sort()).toEqual(['/a/web', '/b/db']);
    expect([...snap.invalid.keys()].sort()).toEqual(['/m/api', '/z/late']);
    expect(snap.invalid.get('/m/api')).toEqual([
      {
        code: 'limit-exceeded',
        message:
          'the rows declare more than 2 apps (--max-row-apps): this row is held back (the first 2 valid rows in id order are applied); its app is neither created nor changed',
        location: { row: '/m/api' },
      },
    ]);
    expect(snap.lastError?.row).toMatch(/^\/(m\/api|z\/late)$/);
  });

  it('counts only valid rows: an invalid row takes no room, and keeps its own problems', () => {
    const snap = databaseSnapshot(rows(row('/a'), row('/b', { cmd: 'true', instances: -1 }), row('/c')), {}, 2);
    expect([...snap.apps.keys()].sort()).toEqual(['/a', '/c']);
    expect(snap.invalid.get('/b')?.[0]?.location.jsonPath).toBe('spec.instances');
  });

  it('holds back the same rows when a row is updated, and frees room when rows go', () => {
    const before = databaseSnapshot(rows(row('/a'), row('/b'), row('/c')), {}, 2);
    const updated = databaseSnapshot(rows(row('/a', { cmd: 'sleep 1' }, '2'), row('/b'), row('/c', { cmd: 'sleep 2' }, '3')), {}, 2);
    expect([...before.invalid.keys()]).toEqual(['/c']);
    expect([...updated.invalid.keys()]).toEqual(['/c']);
    const fewer = databaseSnapshot(rows(row('/b'), row('/c')), {}, 2);
    expect(fewer.invalid.size).toBe(0);
    expect([...fewer.apps.keys()].sort()).toEqual(['/b', '/c']);
  });

  it('holds nothing back at the quota exactly', () => {
    expect(databaseSnapshot(rows(row('/a'), row('/b')), {}, 2).invalid.size).toBe(0);
  });
});

describe('maxRevision', () => {
  it('compares revisions as numbers, not strings', () => {
    expect(maxRevision('9', '10')).toBe('10');
    expect(maxRevision(undefined, '3')).toBe('3');
    expect(maxRevision('3', undefined)).toBe('3');
  });
});
