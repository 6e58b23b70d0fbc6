import { describe, expect, it } from 'vitest';
import { imageMetadata } from '../../src/image/metadata.js';
import type { MarathonAppDefinition } from '../../src/model/marathon.js';
import { fillHttpDefaults, wantsHttpDefaults } from '../../src/sources/image-http.js';
import { appDefinition } from '../helpers/builders.js';

const IMAGE = { type: 'DOCKER' as const, docker: { image: 'registry.local:5000/lab/web:1' } };
/** An app that names only its image: no network, no ports, no health check. */
const bare = (extra: Partial<MarathonAppDefinition> = {}): MarathonAppDefinition =>
  appDefinition({ container: IMAGE, networks: undefined, healthChecks: undefined, ...extra });
const LABELS = { 'org.maracker.http.port': '8080', 'org.maracker.health.path': '/health' };

function fill(def: MarathonAppDefinition, labels: Record<string, string> = LABELS, exposedPorts: string[] = [], exposed = false) {
  const filled: Record<string, string> = {};
  const definition = fillHttpDefaults(def, imageMetadata(labels, exposedPorts).derived.http, exposed, filled);
  return { definition, filled };
}

describe('fillHttpDefaults', () => {
  it('gives an app without ports the image port on a bridge network, and the health check on it', () => {
    const { definition, filled } = fill(bare());
    expect(definition.networks).toEqual([{ mode: 'container/bridge' }]);
    expect(definition.container).toEqual({ ...IMAGE, portMappings: [{ containerPort: 8080, hostPort: 0, name: 'default' }] });
    expect(definition.healthChecks).toEqual([{ protocol: 'HTTP', path: '/health', portIndex: 0 }]);
    expect(filled).toEqual({
      networks: 'org.maracker.http.port',
      'container.portMappings': 'org.maracker.http.port',
      healthChecks: 'org.maracker.health.path',
    });
  });

  it('keeps a bridge network the spec names, and writes no host port on a container network', () => {
    expect(fill(bare({ networks: [{ mode: 'container/bridge' }] })).filled).not.toHaveProperty('networks');
    const { definition } = fill(bare({ networks: [{ mode: 'container', name: 'dcos' }] }));
    expect(definition.networks).toEqual([{ mode: 'container', name: 'dcos' }]);
    expect(definition.container?.portMappings).toEqual([{ containerPort: 8080, name: 'default' }]);
    expect(definition.healthChecks).toEqual([{ protocol: 'HTTP', path: '/health', portIndex: 0 }]);
  });

  it('never overrides ports or health checks the spec declares', () => {
    const checks = [{ protocol: 'TCP', portIndex: 0 }];
    const { definition, filled } = fill(bare({ networks: [{ mode: 'container/bridge' }], healthChecks: checks }));
    expect(definition.healthChecks).toBe(checks);
    expect(filled).toEqual({ 'container.portMappings': 'org.maracker.http.port' });

    // an empty list is an explicit "no health check"
    expect(fill(bare({ healthChecks: [] })).definition.healthChecks).toEqual([]);

    const declared = bare({
      networks: [{ mode: 'container/bridge' }],
      container: { ...IMAGE, portMappings: [{ containerPort: 9000, name: 'admin' }] },
    });
    const kept = fill(declared);
    expect(kept.definition.container).toEqual(declared.container);
    expect(kept.definition.healthChecks).toBeUndefined();
    expect(kept.filled).toEqual({});
  });

  it('checks the declared port that maps the image port, whatever its position', () => {
    const def = bare({
      networks: [{ mode: 'container/bridge' }],
      container: {
        ...IMAGE,
        portMappings: [
          { containerPort: 9000, name: 'admin' },
          { containerPort: 8080, name: 'web' },
        ],
      },
    });
    const { definition, filled } = fill(def);
    expect(definition.healthChecks).toEqual([{ protocol: 'HTTP', path: '/health', portIndex: 1 }]);
    expect(filled).toEqual({ healthChecks: 'org.maracker.health.path' });
  });

  it('leaves host networking alone: the image port is a port of the host there', () => {
    const host = bare({ networks: [{ mode: 'host' }] });
    expect(fill(host)).toEqual({ definition: host, filled: {} });
    expect(wantsHttpDefaults(host)).toBe(false);
    const required = bare({ requirePorts: true });
    expect(fill(required).filled).toEqual({});
    // with requirePorts the declared host port 8080 is the task's port: checked there
    const fixed = bare({ networks: [{ mode: 'host' }], requirePorts: true, portDefinitions: [{ port: 8080 }] });
    expect(fill(fixed).definition.healthChecks).toEqual([{ protocol: 'HTTP', path: '/health', portIndex: 0 }]);
    // without it Marathon gives the task another port, which the image does not serve
    expect(fill(bare({ networks: [{ mode: 'host' }], portDefinitions: [{ port: 8080 }] })).filled).toEqual({});
  });

  it('fills nothing when the image says nothing, and guesses nothing from an invalid label', () => {
    expect(fill(bare(), {}).filled).toEqual({});
    const broken = { 'org.maracker.http.port': 'eighty', 'org.maracker.health.path': '/health' };
    expect(imageMetadata(broken, ['8080/tcp']).problems.map((p) => p.code)).toEqual(['not-a-port']);
    // the one exposed port is not used in place of the broken label
    expect(fill(bare(), broken, ['8080/tcp'], true)).toEqual({ definition: bare(), filled: {} });
    const badPath = { 'org.maracker.http.port': '8080', 'org.maracker.health.path': 'health' };
    const { definition, filled } = fill(bare(), badPath);
    expect(definition.healthChecks).toBeUndefined();
    expect(filled).toEqual({ networks: 'org.maracker.http.port', 'container.portMappings': 'org.maracker.http.port' });
  });

  it('takes the one exposed port as the HTTP port only where one is needed: Traefik or a health check', () => {
    expect(fill(bare(), {}, ['5432/tcp']).filled).toEqual({});
    const routed = fill(bare(), {}, ['80/tcp'], true);
    expect(routed.definition.container?.portMappings).toEqual([{ containerPort: 80, hostPort: 0, name: 'default' }]);
    expect(routed.filled).toEqual({ networks: 'ExposedPorts', 'container.portMappings': 'ExposedPorts' });
    const checked = fill(bare(), { 'org.maracker.health.path': '/ready' }, ['80/tcp']);
    expect(checked.definition.healthChecks).toEqual([{ protocol: 'HTTP', path: '/ready', portIndex: 0 }]);
    // several exposed ports: no HTTP port, nothing filled
    expect(fill(bare(), {}, ['80/tcp', '443/tcp'], true).filled).toEqual({});
  });
});

describe('wantsHttpDefaults', () => {
  it('asks for the image while a port or a health check could come from it', () => {
    expect(wantsHttpDefaults(bare())).toBe(true);
    expect(wantsHttpDefaults(bare({ healthChecks: [{ protocol: 'TCP', portIndex: 0 }] }))).toBe(true);
    expect(wantsHttpDefaults(appDefinition({ healthChecks: undefined }))).toBe(true);
    expect(wantsHttpDefaults(appDefinition())).toBe(false);
  });
});
