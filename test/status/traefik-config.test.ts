// The body GET /traefik/v3 serves: decoded as Traefik's HTTP provider decodes it
// (test/traefik/http-provider.ts, from its source), checked against Traefik's published schema,
// and the same bytes whenever nothing changed.

import { describe, expect, it } from 'vitest';
import type { AppStatus, RouteStatus } from '../../src/status/model.js';
import { stableJson, TraefikConfigCache, traefikDynamicConfig } from '../../src/status/traefik-config.js';
import { DecodeError, traefikV3Http } from '../traefik/http-provider.js';
import { traefikV3SchemaProblems } from '../traefik/schema.js';
import { appStatus } from './fixtures.js';

function routed(id: string, route: Partial<RouteStatus> = {}): AppStatus {
  const name = id.slice(1).replaceAll('/', '_');
  return appStatus({ id, route: { name, rule: `Host(\`${name}.localhost\`)`, port: { index: 0 }, servers: ['http://10.0.0.1:31000'], ...route } });
}

function body(apps: AppStatus[]): string {
  return stableJson(traefikDynamicConfig(apps));
}

describe('the dynamic configuration served to Traefik v3', () => {
  it('one router, one load-balancer service of the ready tasks and a stripPrefix middleware per app, as Traefik decodes it', () => {
    const text = body([
      routed('/mip/portal', {
        rule: 'Host(`portal.example.org`) && PathPrefix(`/app`)',
        entryPoints: ['websecure'],
        tls: { certResolver: 'le' },
        stripPrefix: { middleware: 'mip_portal-stripprefix', prefix: '/app' },
        servers: ['http://agent-2:31002', 'http://agent-1:31001'],
      }),
      routed('/mip/stats'),
      appStatus({ id: '/mip/private' }),
    ]);
    expect(traefikV3SchemaProblems(JSON.parse(text))).toEqual([]);
    const traefik = traefikV3Http(text);
    expect(traefik.errors).toEqual([]);
    expect([...traefik.routers.keys()]).toEqual(['mip_portal', 'mip_stats']);
    expect(traefik.route({ host: 'portal.example.org', path: '/app/x' })).toEqual({
      name: 'mip_portal',
      servers: ['http://agent-1:31001', 'http://agent-2:31002'],
      path: '/x',
      tls: true,
      certResolver: 'le',
      entrypoints: ['websecure'],
    });
    expect(traefik.route({ host: 'mip_stats.localhost', path: '/' })).toMatchObject({ servers: ['http://10.0.0.1:31000'], tls: false, entrypoints: undefined });
  });

  it('is {} without any route: no routes for Traefik, and no body it would refuse', () => {
    expect(body([])).toBe('{}');
    expect(body([appStatus()])).toBe('{}');
    expect(traefikV3Http('{}').routers.size).toBe(0);
    expect(traefikV3SchemaProblems({})).toEqual([]);
  });

  it('keeps the router of an app without a ready task, with a service of nothing Traefik answers an error for', () => {
    const down = routed('/mip/down', { rule: 'Host(`mip.localhost`) && PathPrefix(`/down`)', servers: [] });
    const text = body([down, routed('/mip/portal', { rule: 'Host(`mip.localhost`)' })]);
    expect(JSON.parse(text).http.services.mip_down).toEqual({ weighted: { services: [] } });
    expect(traefikV3SchemaProblems(JSON.parse(text))).toEqual([]);
    // its requests are not caught by the broader rule of another app on the same host
    expect(traefikV3Http(text).route({ host: 'mip.localhost', path: '/down/x' })).toMatchObject({ name: 'mip_down', servers: [] });
    expect(traefikV3Http(body([routed('/mip/portal', { rule: 'Host(`mip.localhost`)' })])).route({ host: 'mip.localhost', path: '/down/x' })?.name).toBe(
      'mip_portal',
    );
  });

  it('avoids the bodies Traefik or its schema refuse (why a service without servers is a weighted one of nothing)', () => {
    // an empty load balancer fails the whole body in Traefik: every route would be lost
    expect(() => traefikV3Http('{"http":{"routers":{"a":{"rule":"Host(`a`)","service":"a"}},"services":{"a":{"loadBalancer":{}}}}}')).toThrow(DecodeError);
    expect(() => traefikV3Http('{"http":{"middlewares":{}}}')).toThrow('cannot be a standalone element');
    // a load balancer without servers Traefik takes, but its published schema does not
    expect(traefikV3SchemaProblems({ http: { services: { a: { loadBalancer: { servers: [] } } } } })).not.toEqual([]);
    expect(traefikV3SchemaProblems({ http: { services: { a: { loadBalancer: { passHostHeader: true } } } } })).not.toEqual([]);
    // a router's tls may be empty (allowEmpty in Traefik's source)
    expect(
      traefikV3Http('{"http":{"routers":{"a":{"rule":"Host(`a`)","service":"a","tls":{}}},"services":{"a":{"weighted":{"services":[]}}}}}').route({
        host: 'a',
        path: '/',
      })?.tls,
    ).toBe(true);
  });

  it('gives apps whose ids differ only in "/", "." or "-" routers and services of their own', () => {
    const apps = ['/a/b', '/a.b', '/a-b'].map((id, i) =>
      appStatus({ id, route: { name: ['a_b', 'a__b', 'a-b'][i] as string, rule: `Host(\`h${i}\`)`, port: { index: 0 }, servers: [`http://10.0.0.${i}:1`] } }),
    );
    const traefik = traefikV3Http(body(apps));
    expect(traefik.routers.size).toBe(3);
    expect([0, 1, 2].map((i) => traefik.route({ host: `h${i}`, path: '/' })?.servers)).toEqual([
      ['http://10.0.0.0:1'],
      ['http://10.0.0.1:1'],
      ['http://10.0.0.2:1'],
    ]);
  });

  it('writes the same bytes for the same routes, whatever order apps and servers come in', () => {
    const a = routed('/a', { servers: ['http://x:2', 'http://x:1'] });
    const b = routed('/b', { entryPoints: ['web'], tls: {} });
    const text = body([a, b]);
    expect(body([b, { ...a, route: { ...(a.route as RouteStatus), servers: ['http://x:1', 'http://x:2'] } }])).toBe(text);
    // sorted keys at every level
    expect(text.indexOf('"middlewares"') < 0 && text.indexOf('"routers"') < text.indexOf('"services"')).toBe(true);
    expect(text).toContain('"b":{"entryPoints":["web"],"rule":"Host(`b.localhost`)","service":"b","tls":{}}');
  });
});

describe('TraefikConfigCache', () => {
  it('rebuilds only when the app version moves, and keeps the same bytes and ETag when the routes did not change', () => {
    const cache = new TraefikConfigCache();
    let builds = 0;
    const apps = [routed('/a')];
    const source = () => {
      builds++;
      return apps;
    };
    const first = cache.get(1, source);
    expect(cache.get(1, source)).toBe(first);
    expect(builds).toBe(1);
    // another field of a record changed (health): a rebuild, the same body
    apps[0] = { ...(apps[0] as AppStatus), health: 'Degraded' };
    expect(cache.get(2, source)).toBe(first);
    apps[0] = routed('/a', { servers: [] });
    const next = cache.get(3, source);
    expect(next.etag).not.toBe(first.etag);
    expect(builds).toBe(3);
  });
});
