import { describe, expect, it } from 'vitest';
import { appIdFault, appIdOf, isInGroup, isValidAppId, isValidGroupPath, segmentsOf } from '../../src/model/app-id.js';

describe('app ids', () => {
  it("accepts Marathon's absolute ids of lowercase segments, and nothing relative", () => {
    for (const id of ['/a', '/mip/prod/web', '/a-b/c.d', '/0']) expect(isValidAppId(id), id).toBe(true);
    for (const id of ['', '/', 'a/b', '/a/', '/A', '/a/../b', '/a/./b', '/-a', '/a-', '/a b', '/a//b']) expect(isValidAppId(id), id).toBe(false);
  });

  it("refuses an app id ending in a name Marathon keeps for an app's sub-resources; a group path may hold it", () => {
    for (const id of ['/restart', '/a/tasks', '/a/b/versions']) {
      expect(isValidAppId(id), id).toBe(false);
      expect(appIdFault(id)).toMatch(/^must not end with restart, tasks, versions/);
      expect(isValidGroupPath(id), id).toBe(true);
    }
    for (const id of ['/tasks/web', '/a/tasks-list', '/a/versions2']) expect(isValidAppId(id), id).toBe(true);
    expect(appIdFault('/a/../b')).toMatch(/^not a valid Marathon app id/);
    expect(appIdFault('/a/web')).toBeUndefined();
  });

  it('builds an id from a group and a name, and splits it back', () => {
    expect(appIdOf('web', '/mip/prod/')).toBe('/mip/prod/web');
    expect(appIdOf('web')).toBe('/web');
    expect(segmentsOf('/mip/prod/web')).toEqual(['mip', 'prod', 'web']);
  });

  it('puts an id in a group when it is the group or lies under it, segment by segment', () => {
    expect(isInGroup('/mip/prod/web', '/mip')).toBe(true);
    expect(isInGroup('/mip', '/mip')).toBe(true);
    expect(isInGroup('/mipx/web', '/mip')).toBe(false);
    expect(isInGroup('/anything', '/')).toBe(true);
  });
});
