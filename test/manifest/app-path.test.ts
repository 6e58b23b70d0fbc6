import { describe, expect, it } from 'vitest';
import { groupOf, resolveAppPath } from '../../src/manifest/app-path.js';

describe('resolveAppPath', () => {
  it('resolves names relative to the group, and keeps absolute ids', () => {
    expect(resolveAppPath('db', 'mip/prod')).toBe('/mip/prod/db');
    expect(resolveAppPath('cache/redis', 'mip')).toBe('/mip/cache/redis');
    expect(resolveAppPath('../shared/db', 'mip/prod')).toBe('/mip/shared/db');
    expect(resolveAppPath('/ops/log', 'mip')).toBe('/ops/log');
    expect(resolveAppPath('db', undefined)).toBe('/db');
  });

  it('refuses paths that leave the root or hold invalid segments', () => {
    expect(resolveAppPath('../../db', 'mip')).toBeUndefined();
    expect(resolveAppPath('Db', 'mip')).toBeUndefined();
    expect(resolveAppPath('..', 'mip')).toBeUndefined();
  });
});

describe('groupOf', () => {
  it('is the id without its last segment', () => {
    expect(groupOf('/mip/prod/web')).toBe('mip/prod');
    expect(groupOf('/web')).toBe('');
  });
});
