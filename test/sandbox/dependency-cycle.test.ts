// RootGroup.noCyclicDependencies: a write after which the apps' dependencies form a cycle is
// refused with 422, whether the cycle runs through apps or through a group.

import { describe, expect, it } from 'vitest';
import { createsCycle } from '../../src/sandbox/dependency-cycle.js';
import { app, call, sandbox } from './helpers.js';

const CYCLE = [{ path: '/', errors: ['Dependency graph has cyclic dependencies.'] }];

function view(apps: Record<string, string[]>) {
  return { dependenciesOf: (id: string) => apps[id], appIds: () => Object.keys(apps) };
}

describe('createsCycle', () => {
  it('finds a cycle through apps, through a group, and an app depending on itself or on its own group', () => {
    expect(createsCycle(['/a'], view({ '/a': ['/b'], '/b': ['/c'], '/c': ['/a'] }))).toBe(true);
    expect(createsCycle(['/a'], view({ '/a': ['/g'], '/g/x': ['/a'], '/g/y': [] }))).toBe(true);
    expect(createsCycle(['/a'], view({ '/a': ['/a'] }))).toBe(true);
    expect(createsCycle(['/g/x'], view({ '/g/x': ['/g'] }))).toBe(true);
  });

  it('finds none in a diamond, a chain, or a dependency naming nothing', () => {
    expect(createsCycle(['/a'], view({ '/a': ['/b', '/c'], '/b': ['/d'], '/c': ['/d'], '/d': [] }))).toBe(false);
    const chain = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`/c${i}`, i < 19_999 ? [`/c${i + 1}`] : []]));
    expect(createsCycle(['/c0'], view(chain))).toBe(false);
    expect(createsCycle(['/a'], view({ '/a': ['/nothing/here'] }))).toBe(false);
  });
});

describe('sandbox: cyclic dependencies', () => {
  it('refuses the write that closes a cycle with 422, and takes one that does not', async () => {
    const sb = await sandbox();
    expect((await call(sb, 'POST', '/v2/apps', app('/a', { dependencies: ['/b'] }))).status).toBe(201);
    const closing = await call(sb, 'POST', '/v2/apps', app('/b', { dependencies: ['/a'] }));
    expect([closing.status, closing.json.details]).toEqual([422, CYCLE]);
    expect(sb.app('/b')).toBeUndefined();
    expect((await call(sb, 'POST', '/v2/apps', app('/b'))).status).toBe(201);
    const update = await call(sb, 'PUT', '/v2/apps/b?force=true', { dependencies: ['/a'] });
    expect([update.status, update.json.details]).toEqual([422, CYCLE]);
    const self = await call(sb, 'POST', '/v2/apps', app('/g/x', { dependencies: ['/g'] }));
    expect([self.status, self.json.details]).toEqual([422, CYCLE]);
  });
});
