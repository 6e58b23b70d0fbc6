import { describe, expect, it } from 'vitest';
import { definitionOf, spec, translateSpec } from './builders.js';

describe('translate: networking and ports', () => {
  it('turns ports of a host-networked app into portDefinitions without writing networks', () => {
    const def = definitionOf(spec({ ports: [{ name: 'http' }, { name: 'admin', hostPort: 9000, protocol: 'udp,tcp', labels: { vip: '1' } }] }));
    expect(def.portDefinitions).toEqual([
      { port: 0, name: 'http' },
      { port: 9000, name: 'admin', protocol: 'udp,tcp', labels: { vip: '1' } },
    ]);
    expect(def.networks).toBeUndefined();
    expect(def.container).toBeUndefined();
  });

  it('writes networks [{mode: host}] only when the manifest says network: host', () => {
    expect(definitionOf(spec({ network: 'host' })).networks).toEqual([{ mode: 'host' }]);
  });

  it('omits portDefinitions and portMappings when no ports are declared, so Marathon gives one default port', () => {
    const host = definitionOf(spec());
    const bridge = definitionOf(spec({ image: 'nginx', cmd: undefined, network: 'bridge' }));
    expect(host).not.toHaveProperty('portDefinitions');
    expect(bridge).not.toHaveProperty('portDefinitions');
    expect(bridge.container).not.toHaveProperty('portMappings');
  });

  it('maps ports of a bridged Docker app to portMappings with hostPort 0 by default', () => {
    const def = definitionOf(
      spec({
        cmd: undefined,
        image: 'emilevauge/whoami',
        network: 'bridge',
        ports: [
          { name: 'web', containerPort: 80 },
          { name: 'dns', containerPort: 53, hostPort: 5353, servicePort: 10053, protocol: 'udp' },
        ],
      }),
    );
    expect(def.networks).toEqual([{ mode: 'container/bridge' }]);
    expect(def.container).toEqual({
      type: 'DOCKER',
      docker: { image: 'emilevauge/whoami' },
      portMappings: [
        { containerPort: 80, hostPort: 0, name: 'web' },
        { containerPort: 53, hostPort: 5353, servicePort: 10053, name: 'dns', protocol: 'udp' },
      ],
    });
    expect(def).not.toHaveProperty('portDefinitions');
  });

  it('gives a command app on the bridge network a MESOS container', () => {
    const def = definitionOf(spec({ network: 'bridge', ports: [{ name: 'http' }] }));
    expect(def.container).toEqual({ type: 'MESOS', portMappings: [{ hostPort: 0, name: 'http' }] });
  });

  it('joins a named container network and writes hostPort only when given', () => {
    const def = definitionOf(spec({ cmd: undefined, image: 'nginx', network: 'container', networkName: 'dcos', ports: [{ name: 'http', containerPort: 80 }] }));
    expect(def.networks).toEqual([{ mode: 'container', name: 'dcos' }]);
    expect(def.container?.portMappings).toEqual([{ containerPort: 80, name: 'http' }]);
  });
});

describe('translate: fields', () => {
  it('translates health checks, naming ports by index', () => {
    const def = definitionOf(
      spec({
        ports: [{ name: 'http' }, { name: 'admin' }],
        healthChecks: [
          { protocol: 'HTTP', port: 'admin', path: '/health', intervalSeconds: 5, ignoreHttp1xx: true },
          { protocol: 'MESOS_TCP', port: 'http' },
          { protocol: 'COMMAND', command: 'test -f /tmp/ok', maxConsecutiveFailures: 2 },
          { protocol: 'HTTP' },
        ],
      }),
    );
    expect(def.healthChecks).toEqual([
      { protocol: 'HTTP', path: '/health', portIndex: 1, intervalSeconds: 5, ignoreHttp1xx: true },
      { protocol: 'MESOS_TCP', portIndex: 0 },
      { protocol: 'COMMAND', command: { value: 'test -f /tmp/ok' }, maxConsecutiveFailures: 2 },
      // an index even where the check names no port: Marathon adds none to an app without ports
      { protocol: 'HTTP', portIndex: 0 },
    ]);
  });

  it('copies constraints, env, fetch, user and upgradeStrategy as they are', () => {
    const def = definitionOf(
      spec({
        constraints: [
          ['hostname', 'UNIQUE'],
          ['rack', 'GROUP_BY', '2'],
        ],
        env: { LOG_LEVEL: 'debug' },
        fetch: [{ uri: 'https://example.org/a.tgz', extract: true, cache: false }],
        user: 'nobody',
        upgradeStrategy: { minimumHealthCapacity: 0.5, maximumOverCapacity: 0 },
      }),
    );
    expect(def).toMatchObject({
      constraints: [
        ['hostname', 'UNIQUE'],
        ['rack', 'GROUP_BY', '2'],
      ],
      env: { LOG_LEVEL: 'debug' },
      fetch: [{ uri: 'https://example.org/a.tgz', extract: true, cache: false }],
      user: 'nobody',
      upgradeStrategy: { minimumHealthCapacity: 0.5, maximumOverCapacity: 0 },
    });
  });

  it('puts volumes under container.volumes, read-write unless told otherwise', () => {
    const docker = definitionOf(spec({ cmd: undefined, image: 'postgres:16', volumes: [{ containerPath: '/data', hostPath: '/srv/db' }] }));
    const command = definitionOf(spec({ volumes: [{ containerPath: 'cache', hostPath: '/srv/cache', mode: 'RO' }] }));
    expect(docker.container).toEqual({
      type: 'DOCKER',
      docker: { image: 'postgres:16' },
      volumes: [{ containerPath: '/data', hostPath: '/srv/db', mode: 'RW' }],
    });
    expect(command.container).toEqual({ type: 'MESOS', volumes: [{ containerPath: 'cache', hostPath: '/srv/cache', mode: 'RO' }] });
  });

  it('merges docker options into container.docker', () => {
    const def = definitionOf(spec({ cmd: undefined, image: 'nginx', docker: { forcePullImage: true, parameters: [{ key: 'log-driver', value: 'none' }] } }));
    expect(def.container?.docker).toEqual({ image: 'nginx', forcePullImage: true, parameters: [{ key: 'log-driver', value: 'none' }] });
  });

  it('resolves dependencies relative to the group', () => {
    const def = definitionOf(spec({ dependencies: ['db', '../shared/cache', '/ops/log'] }), { id: '/mip/prod/web' });
    expect(def.dependencies).toEqual(['/mip/prod/db', '/mip/shared/cache', '/ops/log']);
  });

  it('copies marathon pass-through fields into the definition', () => {
    const def = definitionOf(spec({ marathon: { backoffSeconds: 5, killSelection: 'OLDEST_FIRST', acceptedResourceRoles: ['*'] } }));
    expect(def).toMatchObject({ backoffSeconds: 5, killSelection: 'OLDEST_FIRST', acceptedResourceRoles: ['*'] });
  });

  it('emits only what the manifest says: no Marathon defaults, never a version', () => {
    const def = definitionOf({ cmd: 'sleep 1000' });
    expect(Object.keys(def).sort()).toEqual(['cmd', 'id', 'labels']);
  });

  it('writes cpus, mem, disk, instances and args when given', () => {
    const def = definitionOf({ image: 'busybox', args: ['sleep', '1000'], instances: 0, cpus: 0.25, mem: 16, disk: 10 });
    expect(def).toMatchObject({ args: ['sleep', '1000'], instances: 0, cpus: 0.25, mem: 16, disk: 10 });
  });
});

describe('translate: labels', () => {
  it('merges metadata labels and spec labels with the ownership labels', () => {
    const def = definitionOf(spec({ labels: { tier: 'web' } }), { labels: { team: 'mip' } });
    expect(def.labels).toEqual({
      team: 'mip',
      tier: 'web',
      // not exposed: a Traefik at its defaults (exposedByDefault) must not route it
      'traefik.enable': 'false',
      'maracker.managed-by': 'maracker',
      'maracker.source': 'file:web.yaml',
      'maracker.spec-hash': expect.stringMatching(/^[0-9a-f]{16}$/),
    });
  });

  it('keeps every host and the path prefix expose routes the app at, hosts lowercased, for route clashes', () => {
    const r = translateSpec(spec({ expose: { host: ['Web.Example', 'www.example'], path: '/shop/' } }));
    expect(r.app?.exposes).toEqual([
      { host: 'web.example', path: '/shop' },
      { host: 'www.example', path: '/shop' },
    ]);
    expect(translateSpec(spec({ expose: { host: 'web.example' } })).app?.exposes).toEqual([{ host: 'web.example', path: '' }]);
    expect(translateSpec(spec({})).app?.exposes).toBeUndefined();
  });

  it('refuses a user label that collides with a generated Traefik label', () => {
    const r = translateSpec(spec({ expose: { host: 'web.localhost' }, labels: { 'traefik.http.routers.demo_web.rule': 'Host(`x`)' } }));
    expect(r.app).toBeUndefined();
    expect(r.issues).toEqual([
      {
        code: 'label-conflict',
        path: ['spec', 'labels', 'traefik.http.routers.demo_web.rule'],
        message: 'collides with the label that spec.expose generates (Traefik v2); remove it or change expose',
        at: 'key',
      },
    ]);
  });

  it('lets users add Traefik labels that maracker does not generate', () => {
    const def = definitionOf(spec({ expose: { host: 'web.localhost' }, labels: { 'traefik.http.routers.demo_web.middlewares': 'auth@file' } }));
    expect(def.labels?.['traefik.http.routers.demo_web.middlewares']).toBe('auth@file');
  });
});
