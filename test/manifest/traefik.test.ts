import { describe, expect, it } from 'vitest';
import { publicUrl, traefikName, traefikV1Name } from '../../src/manifest/traefik.js';
import type { AppSpec } from '../../src/manifest/types.js';
import { definitionOf, spec, translateSpec } from './builders.js';

/** The traefik.* labels of an app. */
function traefikLabelsOf(s: AppSpec, opts: Parameters<typeof definitionOf>[1] = {}): Record<string, string> {
  const labels = definitionOf(s, opts).labels ?? {};
  return Object.fromEntries(Object.entries(labels).filter(([k]) => k.startsWith('traefik.')));
}

const bridged = (overrides: Partial<AppSpec> = {}): AppSpec =>
  spec({ cmd: undefined, image: 'emilevauge/whoami', network: 'bridge', ports: [{ name: 'web', containerPort: 80 }], ...overrides });

describe('traefikV1Name', () => {
  /** Reads an id back from its v1 name: the proof that no two ids share a Traefik 1.7 backend. */
  function decode(name: string): string {
    const runs = name.split('-');
    if (runs.length === 1) return `/${name}`;
    const code = runs.pop() as string;
    if (code === 'x') return `/${runs.join('')}`;
    const seps = [...code.matchAll(/s|d|h(\d*)/g)].map((m) => (m[0] === 's' ? '/' : m[0] === 'd' ? '.' : '-'.repeat(Number(m[1] || 1))));
    return `/${runs.map((r, i) => r + (seps[i] ?? '')).join('')}`;
  }
  const normalize = (s: string) =>
    s
      .split(/[^A-Za-z0-9]+/)
      .filter(Boolean)
      .join('-'); // provider.Normalize

  it('spells the separators after the runs, so that Traefik 1.7 keeps them apart', () => {
    expect(traefikV1Name('/whoami')).toBe('whoami');
    expect(traefikV1Name('/mip/prod/web.v2')).toBe('mip-prod-web-v2-ssd');
    expect(traefikV1Name('/a--b')).toBe('a-b-h2');
    expect(traefikV1Name('/frontend')).toBe('frontend-x');
  });

  it('is injective under provider.Normalize for every id, read back from the name', () => {
    let seed = 17;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const pick = (s: string) => s[rand(s.length)] as string;
    for (let i = 0; i < 2000; i++) {
      const segments = Array.from({ length: 1 + rand(3) }, () => {
        const parts = Array.from({ length: 1 + rand(2) }, () => {
          let p = pick('abcdsxh019');
          for (let k = rand(4); k > 0; k--) p += rand(4) === 0 ? '-'.repeat(1 + rand(2)) + pick('abc19') : pick('abcdsxh019');
          return p;
        });
        return parts.join('.');
      });
      const id = `/${segments.join('/')}`;
      expect(decode(normalize(traefikV1Name(id))), id).toBe(id);
    }
    const ids = ['/a/b', '/a.b', '/a-b', '/a--b', '/ab', '/a/b/s', '/a/bs', '/frontend', '/frontend/x', '/frontend-x'];
    expect(new Set(ids.map((id) => normalize(`backend${traefikV1Name(id)}`))).size).toBe(ids.length);
  });
});

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
        expose: {
          host: ['a.example.org', 'b.example.org'],
          path: '/app',
          port: 'http',
          entrypoints: ['web', 'websecure'],
          tls: true,
          certResolver: 'le',
          stripPrefix: true,
        },
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

  it('generates the v1 frontend and backend on request, in a segment named after the app', () => {
    const labels = traefikLabelsOf(bridged({ expose: { host: ['a.localhost', 'b.localhost'], path: '/p', entrypoints: ['http'] } }), {
      traefik: 'v1',
      id: '/mip/web.v2',
    });
    expect(labels).toEqual({
      'traefik.enable': 'true',
      'traefik.mip-web-v2-sd.frontend.rule': 'Host:a.localhost,b.localhost;PathPrefix:/p',
      'traefik.mip-web-v2-sd.frontend.entryPoints': 'http',
      'traefik.mip-web-v2-sd.backend': 'mip-web-v2-sd',
      'traefik.mip-web-v2-sd.portIndex': '0',
    });
  });

  it('strips the prefix with PathPrefixStrip in v1', () => {
    const labels = traefikLabelsOf(spec({ expose: { host: 'a.localhost', path: '/p', stripPrefix: true } }), { traefik: 'v1' });
    expect(labels['traefik.demo-web-s.frontend.rule']).toBe('Host:a.localhost;PathPrefixStrip:/p');
  });

  it('writes both grammars side by side, leaving the first port to Traefik 2 (its label would be a v1 segment)', () => {
    const labels = traefikLabelsOf(bridged({ expose: { host: 'whoami.localhost' } }), { traefik: 'both' });
    expect(Object.keys(labels).sort()).toEqual([
      'traefik.demo-web-s.backend',
      'traefik.demo-web-s.frontend.rule',
      'traefik.demo-web-s.portIndex',
      'traefik.enable',
      'traefik.http.routers.demo_web.rule',
    ]);
  });

  it('names the port by index in host networking, where the host port is dynamic', () => {
    const labels = traefikLabelsOf(spec({ ports: [{ name: 'a' }, { name: 'b', hostPort: 8080 }], expose: { host: 'x.localhost', port: 'b' } }), {
      traefik: 'v2',
    });
    expect(labels['traefik.http.services.demo_web.loadbalancer.server.port']).toBe('index:1');
    expect(
      traefikLabelsOf(spec({ ports: [{ name: 'a' }, { name: 'b' }], expose: { host: 'x.localhost', port: 'b' } }), { traefik: 'v1' })[
        'traefik.demo-web-s.portIndex'
      ],
    ).toBe('1');
  });

  it('refuses what --traefik both cannot express: a port other than the first, a container port', () => {
    const second = translateSpec(spec({ ports: [{ name: 'a' }, { name: 'b' }], expose: { host: 'x.localhost', port: 'b' } }), { traefik: 'both' });
    expect(second.issues).toEqual([expect.objectContaining({ code: 'traefik-route', path: ['spec', 'expose', 'port'] })]);
    const container = translateSpec(bridged({ network: 'container', networkName: 'dcos', expose: { host: 'x.localhost' } }), { traefik: 'both' });
    expect(container.issues.map((i) => i.code)).toEqual(['traefik-route']);
  });

  it('uses the container port number with container networking, where Traefik reaches the task IP', () => {
    const c = bridged({ network: 'container', networkName: 'dcos', expose: { host: 'x.localhost' } });
    expect(traefikLabelsOf(c, { traefik: 'v2' })['traefik.http.services.demo_web.loadbalancer.server.port']).toBe('80');
    const v1 = traefikLabelsOf(c, { traefik: 'v1' });
    expect(v1['traefik.demo-web-s.port']).toBe('80');
    expect(v1).not.toHaveProperty('traefik.demo-web-s.portIndex');
  });

  it('refuses to expose a port without a containerPort on a container network', () => {
    const r = translateSpec(spec({ network: 'container', networkName: 'dcos', ports: [{ name: 'web', hostPort: 8080 }], expose: { host: 'x.localhost' } }));
    expect(r.issues).toEqual([expect.objectContaining({ code: 'traefik-route', message: expect.stringContaining('needs a containerPort') })]);
  });

  it('routes to index 0 (the default port) when the app declares no ports', () => {
    expect(traefikLabelsOf(spec({ expose: { host: 'x.localhost' } }))['traefik.http.services.demo_web.loadbalancer.server.port']).toBe('index:0');
  });

  it('marks an app without expose traefik.enable=false, unless the user writes Traefik labels', () => {
    expect(traefikLabelsOf(spec())).toEqual({ 'traefik.enable': 'false' });
    expect(traefikLabelsOf(spec({ labels: { 'traefik.http.routers.x.rule': 'Host(`x`)' } }))).toEqual({ 'traefik.http.routers.x.rule': 'Host(`x`)' });
  });

  it('treats a v1 label set by the user as a collision only when v1 labels are generated, also when the segment would shadow it', () => {
    const s = spec({ expose: { host: 'x.localhost' }, labels: { 'traefik.frontend.rule': 'Host:y' } });
    expect(translateSpec(s, { traefik: 'v2' }).issues).toEqual([]);
    expect(translateSpec(s, { traefik: 'v1' }).issues.map((i) => i.code)).toEqual(['label-conflict']);
    expect(translateSpec(spec({ expose: { host: 'x.localhost' }, labels: { 'traefik.frontend.passHostHeader': 'false' } }), { traefik: 'v1' }).issues).toEqual(
      [],
    );
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

describe('--traefik v3: a route instead of labels', () => {
  it('writes no Traefik label but traefik.enable=false, and carries the route the v2 labels would say', () => {
    const expose = { host: ['a.example.org', 'b.example.org'], path: '/stats', stripPrefix: true, tls: true, certResolver: 'le', entrypoints: ['websecure'] };
    const v3 = translateSpec(spec({ ports: [{ name: 'admin' }, { name: 'web' }], expose: { ...expose, port: 'web' } }), { id: '/mip/web.v2', traefik: 'v3' });
    expect(v3.issues).toEqual([]);
    const labels = v3.app?.definition.labels ?? {};
    expect(Object.keys(labels).filter((k) => k.startsWith('traefik.'))).toEqual(['traefik.enable']);
    expect(labels['traefik.enable']).toBe('false');
    expect(v3.app?.route).toEqual({
      name: 'mip_web__v2',
      rule: '(Host(`a.example.org`) || Host(`b.example.org`)) && PathPrefix(`/stats`)',
      entryPoints: ['websecure'],
      tls: { certResolver: 'le' },
      stripPrefix: { middleware: 'mip_web__v2-stripprefix', prefix: '/stats' },
      port: { index: 1 },
    });
    // one answer per question: the v2 labels of the same app say the same
    const v2 =
      translateSpec(spec({ ports: [{ name: 'admin' }, { name: 'web' }], expose: { ...expose, port: 'web' } }), { id: '/mip/web.v2', traefik: 'v2' }).app
        ?.definition.labels ?? {};
    expect(v2['traefik.http.routers.mip_web__v2.rule']).toBe(v3.app?.route?.rule);
    expect(v2['traefik.http.services.mip_web__v2.loadbalancer.server.port']).toBe('index:1');
    expect(v2['traefik.http.middlewares.mip_web__v2-stripprefix.stripprefix.prefixes']).toBe('/stats');
    expect(v2.route).toBeUndefined();
  });

  it('keeps the spec hash of an app whose route alone changes: the route reaches Traefik without a restart', () => {
    const a = translateSpec(spec({ expose: { host: 'a.example.org' } }), { traefik: 'v3' }).app;
    const b = translateSpec(spec({ expose: { host: 'b.example.org', tls: true } }), { traefik: 'v3' }).app;
    expect(a?.specHash).toBe(b?.specHash);
    expect(a?.route?.rule).not.toBe(b?.route?.rule);
  });

  it('routes to the container port on a container network, TLS without a resolver, and no route without expose', () => {
    const ct = translateSpec(
      spec({
        cmd: undefined,
        image: 'nginx',
        network: 'container',
        networkName: 'calico',
        ports: [{ name: 'web', containerPort: 8080 }],
        expose: { host: 'c.localhost', tls: true },
      }),
      { traefik: 'v3' },
    );
    expect(ct.app?.route).toMatchObject({ port: { number: 8080 }, tls: {} });
    expect(translateSpec(spec(), { traefik: 'v3' }).app?.route).toBeUndefined();
  });

  it('refuses a path with a {pattern}: Traefik 3 matches PathPrefix literally where Traefik 2 read a pattern', () => {
    const r = translateSpec(spec({ expose: { host: 'a.localhost', path: '/api/{version}' } }), { traefik: 'v3' });
    expect(r.issues).toEqual([
      expect.objectContaining({ code: 'traefik-route', path: ['spec', 'expose', 'path'], message: expect.stringContaining('matched literally') }),
    ]);
    expect(translateSpec(spec({ expose: { host: 'a.localhost', path: '/api/{version}' } }), { traefik: 'v2' }).issues).toEqual([]);
  });

  it('leaves user-written Traefik labels alone (nothing is generated for them to collide with)', () => {
    const r = translateSpec(spec({ expose: { host: 'a.localhost' }, labels: { 'traefik.http.routers.x.rule': 'Host(`x`)' } }), { traefik: 'v3' });
    expect(r.issues).toEqual([]);
    expect(r.app?.definition.labels?.['traefik.enable']).toBeUndefined();
  });
});
