import { describe, expect, it } from 'vitest';
import { publicUrl, traefikName } from '../../src/manifest/traefik.js';
import type { AppSpec } from '../../src/manifest/types.js';
import { definitionOf, spec, translateSpec } from './builders.js';

/** The traefik.* labels of an app. */
function traefikLabelsOf(s: AppSpec, opts: Parameters<typeof definitionOf>[1] = {}): Record<string, string> {
  const labels = definitionOf(s, opts).labels ?? {};
  return Object.fromEntries(Object.entries(labels).filter(([k]) => k.startsWith('traefik.')));
}

const bridged = (overrides: Partial<AppSpec> = {}): AppSpec =>
  spec({ cmd: undefined, image: 'emilevauge/whoami', network: 'bridge', ports: [{ name: 'web', containerPort: 80 }], ...overrides });

describe('traefikName', () => {
  it('writes / as _ and . as __, without the leading /', () => {
    expect(traefikName('/whoami')).toBe('whoami');
    expect(traefikName('/mip/prod/web')).toBe('mip_prod_web');
    expect(traefikName('/mip/web.v2')).toBe('mip_web__v2');
  });

  it('gives different names to ids that differ only in / and .', () => {
    const ids = ['/a/b/c', '/a.b/c', '/a/b.c', '/a.b.c', '/a-b/c', '/a/b-c'];
    expect(new Set(ids.map(traefikName)).size).toBe(ids.length);
  });
});

describe('Traefik labels', () => {
  it('generates the v2 router and service by default, with the port as an index on a bridge network', () => {
    expect(traefikLabelsOf(bridged({ expose: { host: 'whoami.localhost' } }))).toEqual({
      'traefik.enable': 'true',
      'traefik.http.routers.demo_web.rule': 'Host(`whoami.localhost`)',
      'traefik.http.routers.demo_web.service': 'demo_web',
      'traefik.http.services.demo_web.loadbalancer.server.port': 'index:0',
    });
  });

  it('combines several hosts with a path prefix, entrypoints, TLS and a strip-prefix middleware in v2', () => {
    const labels = traefikLabelsOf(
      spec({
        ports: [{ name: 'metrics' }, { name: 'http' }],
        expose: { host: ['a.example.org', 'b.example.org'], path: '/app', port: 'http', entrypoints: ['web', 'websecure'], tls: true, certResolver: 'le', stripPrefix: true },
      }),
      { id: '/mip/prod/portal.v2' },
    );
    const r = 'traefik.http.routers.mip_prod_portal__v2';
    expect(labels).toEqual({
      'traefik.enable': 'true',
      [`${r}.rule`]: '(Host(`a.example.org`) || Host(`b.example.org`)) && PathPrefix(`/app`)',
      [`${r}.entrypoints`]: 'web,websecure',
      [`${r}.tls`]: 'true',
      [`${r}.tls.certresolver`]: 'le',
      [`${r}.middlewares`]: 'mip_prod_portal__v2-stripprefix',
      'traefik.http.middlewares.mip_prod_portal__v2-stripprefix.stripprefix.prefixes': '/app',
      [`${r}.service`]: 'mip_prod_portal__v2',
      'traefik.http.services.mip_prod_portal__v2.loadbalancer.server.port': 'index:1',
    });
  });

  it('joins one host and a path with && in v2', () => {
    expect(traefikLabelsOf(spec({ expose: { host: 'a.localhost', path: '/p' } }))['traefik.http.routers.demo_web.rule']).toBe(
      'Host(`a.localhost`) && PathPrefix(`/p`)',
    );
  });

  it('generates the v1 frontend and backend on request', () => {
    const labels = traefikLabelsOf(bridged({ expose: { host: ['a.localhost', 'b.localhost'], path: '/p', entrypoints: ['http'] } }), {
      traefik: 'v1',
      id: '/mip/web.v2',
    });
    expect(labels).toEqual({
      'traefik.enable': 'true',
      'traefik.frontend.rule': 'Host:a.localhost,b.localhost;PathPrefix:/p',
      'traefik.frontend.entryPoints': 'http',
      'traefik.backend': 'mip_web__v2',
      'traefik.portIndex': '0',
    });
  });

  it('strips the prefix with PathPrefixStrip in v1', () => {
    const labels = traefikLabelsOf(spec({ expose: { host: 'a.localhost', path: '/p', stripPrefix: true } }), { traefik: 'v1' });
    expect(labels['traefik.frontend.rule']).toBe('Host:a.localhost;PathPrefixStrip:/p');
  });

  it('writes both grammars side by side', () => {
    const labels = traefikLabelsOf(bridged({ expose: { host: 'whoami.localhost' } }), { traefik: 'both' });
    expect(Object.keys(labels).sort()).toEqual([
      'traefik.backend',
      'traefik.enable',
      'traefik.frontend.rule',
      'traefik.http.routers.demo_web.rule',
      'traefik.http.routers.demo_web.service',
      'traefik.http.services.demo_web.loadbalancer.server.port',
      'traefik.portIndex',
    ]);
  });

  it('names the port by index in host networking, where the host port is dynamic', () => {
    const labels = traefikLabelsOf(spec({ ports: [{ name: 'a' }, { name: 'b', hostPort: 8080 }], expose: { host: 'x.localhost', port: 'b' } }), { traefik: 'both' });
    expect(labels['traefik.http.services.demo_web.loadbalancer.server.port']).toBe('index:1');
    expect(labels['traefik.portIndex']).toBe('1');
  });

  it('uses the container port number with container networking, where Traefik reaches the task IP', () => {
    const labels = traefikLabelsOf(bridged({ network: 'container', networkName: 'dcos', expose: { host: 'x.localhost' } }), { traefik: 'both' });
    expect(labels['traefik.http.services.demo_web.loadbalancer.server.port']).toBe('80');
    expect(labels['traefik.port']).toBe('80');
    expect(labels).not.toHaveProperty('traefik.portIndex');
  });

  it('routes to index 0 (the default port) when the app declares no ports', () => {
    expect(traefikLabelsOf(spec({ expose: { host: 'x.localhost' } }))['traefik.http.services.demo_web.loadbalancer.server.port']).toBe('index:0');
  });

  it('treats a v1 label set by the user as a collision only when v1 labels are generated', () => {
    const s = spec({ expose: { host: 'x.localhost' }, labels: { 'traefik.frontend.rule': 'Host:y' } });
    expect(translateSpec(s, { traefik: 'v2' }).issues).toEqual([]);
    expect(translateSpec(s, { traefik: 'v1' }).issues.map((i) => i.code)).toEqual(['label-conflict']);
  });
});

describe('public URL', () => {
  it('is http://<first host><path>, https with TLS', () => {
    expect(publicUrl({ host: 'whoami.localhost' })).toBe('http://whoami.localhost');
    expect(publicUrl({ host: ['a.example.org', 'b.example.org'], path: '/stats', tls: true })).toBe('https://a.example.org/stats');
  });

  it('is set on the DesiredApp only when the app is exposed', () => {
    expect(translateSpec(spec({ expose: { host: 'a.localhost', path: '/x' } })).app?.url).toBe('http://a.localhost/x');
    expect(translateSpec(spec()).app).not.toHaveProperty('url');
  });
});
