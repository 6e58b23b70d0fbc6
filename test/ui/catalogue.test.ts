// What the dashboard reads from /status, without a browser: defensive reading, grouping,
// filters and where a running app is framed. The browser suite (dashboard.test.ts) drives
// the same code through the page.

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { frameTargets, groupApps, groupsOf, instancesText, NO_FILTERS, readApp, readStatus, sourceText, type UiApp, webUrl } from '../../src/ui/catalogue.js';

function app(fields: Record<string, unknown> = {}): UiApp {
  const a = readApp({ id: '/demo/web', source: 'web.yaml:1', sync: 'Synced', health: 'Healthy', instances: { desired: 1, running: 1, healthy: 1 }, ...fields });
  if (!a) throw new Error('not an app');
  return a;
}

describe('readStatus', () => {
  it('survives a document with missing or mistyped fields (an older or newer daemon)', () => {
    const s = readStatus({ apps: [{ id: '/a/b', instances: 'many', problems: 'x' }, { id: 42 }, 'junk'], sources: null, prune: { blocked: 'yes' } });
    expect(s.apps).toHaveLength(1);
    expect(s.apps[0]).toMatchObject({
      id: '/a/b',
      group: '/a',
      name: 'b',
      sync: 'Unknown',
      health: 'Unknown',
      instances: { desired: 0, running: 0, healthy: 0 },
      problems: [],
    });
    expect(s.prune.blocked).toBe(false);
    expect(readStatus(null).apps).toEqual([]);
  });

  it('tells manifest apps from database rows, and says where an error is (file:line:column)', () => {
    expect(app().sourceKind).toBe('file');
    expect(app({ source: 'database row /demo/web' }).sourceKind).toBe('database');
    expect(app({ source: null }).sourceKind).toBe('none');
    expect(app({ lastError: { message: 'bad', code: 'schema', file: 'web.yaml', line: 3, column: 7 } }).lastError?.where).toBe('web.yaml:3:7');
    expect(app({ lastError: { message: 'bad', row: '/demo/web' } }).lastError?.where).toBe('database row /demo/web');
  });

  it("names a manifest app's source with the git commit of the manifests (and uncommitted changes), a row as it is", () => {
    const folder = { name: 'folder', state: 'Ready', revision: '9585bca026a4f00d', dirty: false, lastError: null, apps: 1 };
    expect(sourceText(app(), [folder])).toBe('web.yaml:1 at 9585bca026a4');
    expect(sourceText(app(), [{ ...folder, dirty: true }])).toBe('web.yaml:1 at 9585bca026a4 (uncommitted changes)');
    expect(sourceText(app(), [{ ...folder, revision: null }])).toBe('web.yaml:1');
    expect(sourceText(app({ source: 'database row /demo/web' }), [folder])).toBe('database row /demo/web');
    expect(sourceText(app({ source: null }), [folder])).toBe('not declared');
  });

  it('keeps only http(s) links: a javascript: URL from hostile data is dropped', () => {
    expect(webUrl('javascript:alert(1)')).toBeNull();
    expect(webUrl('/relative')).toBeNull();
    expect(webUrl('http://web.localhost/x')).toBe('http://web.localhost/x');
    const a = app({ url: 'javascript:alert(1)', about: { links: { documentation: 'javascript:x', url: 'https://ok.example/' } } });
    expect(a.url).toBeNull();
    expect(a.about?.links).toEqual([{ name: 'url', url: 'https://ok.example/' }]);
  });

  it('reads the pending changes with their values when the daemon gives them, and without when it does not', () => {
    const a = app({ sync: 'OutOfSync', pendingChanges: ['instances', 'env.X'], pendingDiff: [{ path: 'instances', before: '1', after: '3' }, { path: 7 }] });
    expect(a.pendingChanges).toEqual(['instances', 'env.X']);
    expect(a.pendingDiff).toEqual([{ path: 'instances', before: '1', after: '3' }]);
    expect(app({ pendingChanges: ['mem'] }).pendingDiff).toEqual([]);
  });

  it('reads task endpoints as a daemon may report them, and drops what is not host:port', () => {
    expect(app({ endpoints: ['127.0.0.1:31000', { host: 'agent-1', port: 31001 }, 'evil" onload="x:1', 'a:b'] }).endpoints).toEqual([
      '127.0.0.1:31000',
      'agent-1:31001',
    ]);
    expect(app({ tasks: [{ host: '10.0.0.5', ports: [31002, 'x'] }] }).endpoints).toEqual(['10.0.0.5:31002']);
    expect(app().endpoints).toEqual([]);
  });
});

describe('groupApps and filters', () => {
  const apps = [
    app({ id: '/mip/portal', health: 'Degraded' }),
    app({ id: '/demo/web' }),
    app({ id: '/demo/notes', source: 'database row /demo/notes', sync: 'OutOfSync', about: { description: 'Jupyter notebooks' } }),
    app({ id: '/top' }),
  ];

  it('groups by Marathon group, in id order', () => {
    expect(groupApps(apps, NO_FILTERS).map((g) => [g.group, g.apps.map((a) => a.name)])).toEqual([
      ['/', ['top']],
      ['/demo', ['notes', 'web']],
      ['/mip', ['portal']],
    ]);
    expect(groupsOf(apps)).toEqual(['/', '/demo', '/mip']);
  });

  it('filters by group, sync, health, source and text (id, description...)', () => {
    const ids = (f: Partial<typeof NO_FILTERS>) => groupApps(apps, { ...NO_FILTERS, ...f }).flatMap((g) => g.apps.map((a) => a.id));
    expect(ids({ group: '/demo' })).toEqual(['/demo/notes', '/demo/web']);
    expect(ids({ sync: 'OutOfSync' })).toEqual(['/demo/notes']);
    expect(ids({ health: 'Degraded' })).toEqual(['/mip/portal']);
    expect(ids({ source: 'database' })).toEqual(['/demo/notes']);
    expect(ids({ text: 'JUPYTER' })).toEqual(['/demo/notes']);
    expect(ids({ text: 'portal', group: '/demo' })).toEqual([]);
  });
});

describe('instancesText', () => {
  it('calls only a Suspended app suspended and deployable, not an invalid one that also counts 0 of 0', () => {
    expect(instancesText(app({ health: 'Suspended', instances: { desired: 0, running: 0, healthy: 0 } }))).toBe('suspended: 0 instances (deployable)');
    expect(instancesText(app({ sync: 'Invalid', health: 'Missing', instances: { desired: 0, running: 0, healthy: 0 } }))).toBe('0/0 running, 0 healthy');
    expect(instancesText(app({ instances: { desired: 2, running: 1, healthy: 1 } }))).toBe('1/2 running, 1 healthy');
  });
});

describe('frameTargets', () => {
  it('frames the public URL first, and a task endpoint first when the URL is a *.localhost one nothing serves', () => {
    expect(frameTargets(app({ url: 'https://web.example.org/', endpoints: ['127.0.0.1:31000'] }), 'http://127.0.0.1:8090').map((t) => t.via)).toEqual([
      'url',
      'endpoint',
    ]);
    expect(frameTargets(app({ url: 'http://web.localhost', endpoints: ['127.0.0.1:31000'] }), 'http://127.0.0.1:8090')).toEqual([
      { url: 'http://127.0.0.1:31000/', via: 'endpoint' },
      { url: 'http://web.localhost/', via: 'url' },
    ]);
  });

  it("never frames the dashboard's own origin (a framed page of it could reach the token)", () => {
    expect(frameTargets(app({ url: 'http://127.0.0.1:8090/ui/' }), 'http://127.0.0.1:8090')).toEqual([]);
  });
});

describe('src/ui', () => {
  it('never parses text as HTML (no innerHTML, outerHTML, insertAdjacentHTML, document.write, eval)', () => {
    const dir = fileURLToPath(new URL('../../src/ui/', import.meta.url));
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      const code = readFileSync(dir + name, 'utf8').replace(/^\s*\/\/.*$/gm, '');
      expect(code, name).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
    }
  });

  it('has no inline script or style in its page (the CSP would block them anyway)', () => {
    const html = readFileSync(fileURLToPath(new URL('../../src/ui/index.html', import.meta.url)), 'utf8');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\son[a-z]+=|style=|<style/i);
  });
});
