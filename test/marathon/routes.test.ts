import { describe, expect, it } from 'vitest';
import { toWriteBody } from '../../src/marathon/definition.js';
import { leaderBaseFrom } from '../../src/marathon/http.js';
import { appPath, canonicalAppId, deploymentPath, withQuery } from '../../src/marathon/routes.js';
import { allOf, labelEquals, labelExists, labelIn, selectorTerm } from '../../src/marathon/selector.js';

describe('routes', () => {
  it('maps absolute app ids of nested groups onto URL segments', () => {
    expect(appPath('/mip/prod/web')).toBe('/v2/apps/mip/prod/web');
    expect(appPath('mip/prod/web/')).toBe('/v2/apps/mip/prod/web');
    expect(canonicalAppId('//a//b/')).toBe('/a/b');
  });

  it.each(['', '/', '/a/../b', '/group/*', '/web/tasks', '/web/restart', '/web/versions'])('refuses the id %j, which does not name one app', (id) => {
    expect(() => canonicalAppId(id)).toThrow(TypeError);
  });

  it('encodes deployment ids and query parameters', () => {
    expect(deploymentPath('97c136bf-5a28')).toBe('/v2/deployments/97c136bf-5a28');
    expect(() => deploymentPath('a/b')).toThrow(TypeError);
    expect(
      withQuery('/v2/apps', [
        ['label', 'a==b'],
        ['embed', 'apps.tasks'],
        ['embed', 'apps.counts'],
      ]),
    ).toBe('/v2/apps?label=a%3D%3Db&embed=apps.tasks&embed=apps.counts');
  });

  it('derives the leader base URL from a redirect, keeping a proxy path prefix', () => {
    expect(leaderBaseFrom(new URL('http://m2:8080/v2/apps/web?force=true'), '/v2/apps/web')).toBe('http://m2:8080');
    expect(leaderBaseFrom(new URL('https://dcos/service/marathon/v2/apps'), '/v2/apps')).toBe('https://dcos/service/marathon');
    expect(leaderBaseFrom(new URL('http://m2:8080/elsewhere'), '/v2/apps')).toBe('http://m2:8080');
  });
});

describe('label selectors (Marathon LabelSelectorParsers grammar)', () => {
  it('leaves plain terms alone and backslash-escapes everything else', () => {
    expect(labelEquals('maracker.managed-by', 'maracker')).toBe('maracker.managed-by==maracker');
    expect(selectorTerm('file:apps/web.yaml')).toBe('file\\:apps\\/web.yaml');
    expect(labelIn('tier', ['a b', 'c'])).toBe('tier in (a\\ b,c)');
    expect(allOf(labelExists('x'), labelEquals('y', 'z'))).toBe('x,y==z');
  });

  it('refuses terms the grammar cannot express', () => {
    expect(() => selectorTerm('')).toThrow(TypeError);
    expect(() => selectorTerm('a\nb')).toThrow(TypeError);
  });
});

describe('write bodies', () => {
  it('strip every server-only field and keep the rest untouched', () => {
    const body = toWriteBody({
      id: '/web',
      instances: 2,
      labels: { a: 'b' },
      unknownFutureField: { kept: true },
      version: 'v',
      versionInfo: {},
      tasks: [],
      tasksStaged: 0,
      tasksRunning: 0,
      tasksHealthy: 0,
      tasksUnhealthy: 0,
      deployments: [],
      lastTaskFailure: {},
      taskStats: {},
      readinessCheckResults: [],
    });
    expect(body).toEqual({ id: '/web', instances: 2, labels: { a: 'b' }, unknownFutureField: { kept: true } });
  });
});
