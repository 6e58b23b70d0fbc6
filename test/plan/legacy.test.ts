import { describe, expect, it } from 'vitest';
import { isLegacy, migrateLegacy } from '../../src/plan/legacy.js';

describe('migrateLegacy', () => {
  it('returns a 1.5 definition untouched', () => {
    const def = { id: '/a', networks: [{ mode: 'host' }], portDefinitions: [{ port: 0 }] };
    expect(isLegacy(def)).toBe(false);
    expect(migrateLegacy(def)).toBe(def);
  });

  it('moves a BRIDGE Docker network and its port mappings to networks and container.portMappings', () => {
    const def = {
      id: '/a',
      container: {
        type: 'DOCKER',
        docker: { image: 'nginx', network: 'BRIDGE', portMappings: [{ containerPort: 80, hostPort: 0 }] },
      },
    };
    expect(migrateLegacy(def)).toEqual({
      id: '/a',
      networks: [{ mode: 'container/bridge' }],
      container: { type: 'DOCKER', docker: { image: 'nginx' }, portMappings: [{ containerPort: 80, hostPort: 0 }] },
    });
  });

  it('turns a USER network with ipAddress.networkName into a named container network', () => {
    const def = {
      id: '/a',
      container: { type: 'DOCKER', docker: { image: 'nginx', network: 'USER', portMappings: [{ containerPort: 80 }] } },
      ipAddress: { networkName: 'dcos' },
    };
    expect(migrateLegacy(def)).toMatchObject({
      networks: [{ mode: 'container', name: 'dcos' }],
      container: { portMappings: [{ containerPort: 80 }] },
    });
    expect(migrateLegacy(def)).not.toHaveProperty('ipAddress');
  });

  it('turns a HOST Docker network into a host network', () => {
    const def = { id: '/a', container: { type: 'DOCKER', docker: { image: 'nginx', network: 'HOST' } } };
    expect(migrateLegacy(def)).toEqual({ id: '/a', networks: [{ mode: 'host' }], container: { type: 'DOCKER', docker: { image: 'nginx' } } });
  });

  it('gives an ipAddress app without container a Mesos container on a container network, with discovery ports', () => {
    const def = {
      id: '/a',
      cmd: 'serve',
      ipAddress: { networkName: 'calico', discovery: { ports: [{ number: 8080, name: 'http', protocol: 'tcp' }] } },
    };
    expect(migrateLegacy(def)).toEqual({
      id: '/a',
      cmd: 'serve',
      networks: [{ mode: 'container', name: 'calico' }],
      container: { type: 'MESOS', portMappings: [{ containerPort: 8080, name: 'http', protocol: 'tcp', labels: undefined }] },
    });
  });

  it('turns ports into port definitions, keeping portDefinitions when both are printed', () => {
    expect(migrateLegacy({ id: '/a', ports: [10000, 0] })).toEqual({ id: '/a', portDefinitions: [{ port: 10000 }, { port: 0 }] });
    expect(migrateLegacy({ id: '/a', ports: [10000], portDefinitions: [{ port: 10000, name: 'web' }] })).toEqual({
      id: '/a',
      portDefinitions: [{ port: 10000, name: 'web' }],
    });
  });

  it('turns uris into fetch entries', () => {
    expect(migrateLegacy({ id: '/a', uris: ['https://x/app.tgz'] })).toEqual({ id: '/a', fetch: [{ uri: 'https://x/app.tgz' }] });
    expect(migrateLegacy({ id: '/a', uris: [], fetch: [{ uri: 'https://x/b' }] })).toEqual({ id: '/a', fetch: [{ uri: 'https://x/b' }] });
  });

  it('drops ipAddress: null and empty uris', () => {
    expect(migrateLegacy({ id: '/a', ipAddress: null, uris: [] })).toEqual({ id: '/a' });
  });
});
