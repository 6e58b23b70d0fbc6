import { describe, expect, it } from 'vitest';
import { specToDesired } from '../../src/manifest/row.js';
import { databaseSnapshot, maxRevision, type DatabaseRow } from '../../src/sources/database-snapshot.js';

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

describe('maxRevision', () => {
  it('compares revisions as numbers, not strings', () => {
    expect(maxRevision('9', '10')).toBe('10');
    expect(maxRevision(undefined, '3')).toBe('3');
    expect(maxRevision('3', undefined)).toBe('3');
  });
});
