// The route memory's file text: what is written reads back as it was, and an entry that is
// not a route maracker writes is left out (named), never served to Traefik.

import { describe, expect, it } from 'vitest';
import type { Route } from '../../src/model/route.js';
import { keptRouteOf, keptRoutesText, parseKeptRoutes } from '../../src/status/kept-route.js';

const full: Route = {
  name: 'shop_web',
  rule: 'Host(`shop.example`) && PathPrefix(`/api`)',
  entryPoints: ['websecure'],
  tls: { certResolver: 'le' },
  stripPrefix: { middleware: 'shop_web-stripprefix', prefix: '/api' },
  port: { index: 1 },
};

describe('keptRoutesText and parseKeptRoutes', () => {
  it('read back every route and URL as written, apps sorted so that the same memory is the same bytes', () => {
    const routes = new Map([
      ['/shop/web', { route: full, url: 'https://shop.example/api', exposes: [{ host: 'shop.example', path: '/api' }], source: 'file' as const }],
      ['/rows/x', { exposes: [{ host: '*.rows.example', path: '' }], source: 'database' as const }],
      ['/a/plain', { route: { name: 'a_plain', rule: 'Host(`a.example`)', port: { number: 8080 } } }],
      ['/b/url-only', { url: 'http://b.example' }],
      ['/c/tls', { route: { name: 'c_tls', rule: 'Host(`c.example`)', tls: {}, port: { index: 0 } } }],
    ]);
    const text = keptRoutesText(routes);
    expect(Object.keys(JSON.parse(text).apps)).toEqual(['/a/plain', '/b/url-only', '/c/tls', '/rows/x', '/shop/web']);
    const back = parseKeptRoutes(text);
    expect(back.skipped).toEqual([]);
    expect(back.routes).toEqual(routes);
    expect(keptRoutesText(back.routes)).toBe(text);
  });

  it('leaves out each entry that is not a route maracker writes, and names it', () => {
    const bad: Record<string, unknown> = {
      '/rule/newline': { route: { ...full, rule: 'Host(`a`)\n' } },
      '/rule/long': { route: { ...full, rule: `Host(\`${'a'.repeat(5000)}\`)` } },
      '/name/dot': { route: { ...full, name: 'a.b' } },
      '/name/empty': { route: { ...full, name: '' } },
      '/port/both': { route: { ...full, port: { index: 0, number: 80 } } },
      '/port/negative': { route: { ...full, port: { index: -1 } } },
      '/port/high': { route: { ...full, port: { number: 70000 } } },
      '/port/text': { route: { ...full, port: { index: '0' } } },
      '/entry/empty': { route: { ...full, entryPoints: [] } },
      '/entry/space': { route: { ...full, entryPoints: ['web secure'] } },
      '/tls/resolver': { route: { ...full, tls: { certResolver: 'a b' } } },
      '/strip/relative': { route: { ...full, stripPrefix: { middleware: 'm', prefix: 'api' } } },
      '/url/javascript': { url: 'javascript:alert(1)' },
      '/url/number': { url: 7 },
      '/exposes/empty': { exposes: [] },
      '/exposes/upper': { exposes: [{ host: 'A.example', path: '' }] },
      '/exposes/space': { exposes: [{ host: 'a .example', path: '' }] },
      '/exposes/relative': { exposes: [{ host: 'a.example', path: 'x' }] },
      '/exposes/many': { exposes: Array.from({ length: 65 }, () => ({ host: 'a.example', path: '' })) },
      '/source/other': { url: 'http://x.example', source: 'git' },
      '/nothing': {},
      '/array': [],
      'no-slash': { url: 'http://x.example' },
      '/a/../b': { url: 'http://x.example' },
    };
    const text = JSON.stringify({ version: 1, apps: { ...bad, '/ok': { url: 'http://ok.example' } } });
    const { routes, skipped } = parseKeptRoutes(text);
    expect([...routes.keys()]).toEqual(['/ok']);
    const ids = Object.keys(bad).filter((id) => id.startsWith('/') && !id.includes('..'));
    expect(skipped.sort()).toEqual([...ids, '(not an app id)', '(not an app id)'].sort());
  });

  it('refuses a text that is not a route memory at all (another version, not JSON, not an object)', () => {
    expect(() => parseKeptRoutes('{"version":2,"apps":{}}')).toThrow('not a version 1 route memory');
    expect(() => parseKeptRoutes('[]')).toThrow('not a version 1 route memory');
    // The parser's own message would quote the file.
    expect(() => parseKeptRoutes('{"version":1,"apps":{"/a":{"url":"http://secret.example/token=abc"')).toThrow(/^not valid JSON$/);
    expect(keptRouteOf({ url: 'https://x.example', route: undefined })).toEqual({ url: 'https://x.example' });
  });
});
