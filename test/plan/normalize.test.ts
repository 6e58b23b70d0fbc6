import { describe, expect, it } from 'vitest';
import { LABEL_SPEC_HASH } from '../../src/model/labels.js';
import type { MarathonAppDefinition } from '../../src/model/marathon.js';
import { dependenciesOf, normalizeApp } from '../../src/plan/normalize.js';
import { appDefinition, marathonApp } from '../helpers/builders.js';

const spec = (def: MarathonAppDefinition) => normalizeApp(def).spec;

describe('normalizeApp', () => {
  it("gives a definition and Marathon's answer for it one form, but for the values only Marathon chooses", () => {
    const desired = normalizeApp(appDefinition()).spec;
    const { role, maxLaunchDelaySeconds, unreachableStrategy, ...actual } = normalizeApp(marathonApp()).spec;
    expect({ role, maxLaunchDelaySeconds, unreachableStrategy }).toEqual({
      role: '*',
      maxLaunchDelaySeconds: 300,
      unreachableStrategy: { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 },
    });
    const container = desired['container'] as { portMappings: object[] };
    expect(actual).toEqual({
      ...desired,
      container: { ...container, portMappings: [{ ...container.portMappings[0], servicePort: 10101 }] },
    });
  });

  it('writes every single-valued default into a bare definition', () => {
    expect(spec({ id: '/a', cmd: 'serve' })).toEqual({
      cmd: 'serve',
      networks: [{ mode: 'host' }],
      instances: 1,
      cpus: 1,
      mem: 128,
      disk: 0,
      gpus: 0,
      executor: '',
      requirePorts: false,
      backoffSeconds: 1,
      backoffFactor: 1.15,
      killSelection: 'YOUNGEST_FIRST',
      portDefinitions: [{ port: 0, protocol: 'tcp', name: 'default' }],
      upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 1 },
      executorResources: { cpus: 0.1, mem: 32, disk: 10 },
    });
  });

  it('leaves defaults that changed between releases unset', () => {
    const s = spec({ id: '/a', cmd: 'serve' });
    expect(s).not.toHaveProperty('maxLaunchDelaySeconds');
    expect(s).not.toHaveProperty('unreachableStrategy');
    expect(s).not.toHaveProperty('role');
  });

  it('marks a definition without ports as taking the default port', () => {
    expect(normalizeApp({ id: '/a', cmd: 'serve' })).toMatchObject({ implicitPorts: true });
    expect(normalizeApp({ id: '/a', cmd: 'serve', portDefinitions: [] })).toMatchObject({ implicitPorts: false });
    expect(spec({ id: '/a', cmd: 'serve', portDefinitions: [] })['portDefinitions']).toEqual([]);
  });

  it('gives a bridge app without port mappings the default mapping with host port 0', () => {
    const s = spec({ id: '/a', container: { type: 'DOCKER', docker: { image: 'nginx' } }, networks: [{ mode: 'container/bridge' }] });
    expect(s['container']).toMatchObject({
      portMappings: [{ containerPort: 0, hostPort: 0, servicePort: 0, protocol: 'tcp', name: 'default' }],
    });
  });

  it('keeps only the port list the network mode uses, and requirePorts only for host networking', () => {
    const bridge = spec({
      id: '/a',
      container: { type: 'DOCKER', docker: { image: 'nginx' }, portMappings: [{ containerPort: 80 }] },
      networks: [{ mode: 'container/bridge' }],
      portDefinitions: [{ port: 10000 }],
      requirePorts: true,
    });
    expect(bridge).not.toHaveProperty('portDefinitions');
    expect(bridge['requirePorts']).toBe(false);
    const host = spec({ id: '/a', container: { type: 'DOCKER', docker: { image: 'nginx' }, portMappings: [{ containerPort: 80 }] } });
    expect(host['container']).not.toHaveProperty('portMappings');
  });

  it('leaves no host port in container (non-bridge) mode', () => {
    const s = spec({
      id: '/a',
      container: { type: 'MESOS', docker: { image: 'nginx' }, portMappings: [{ containerPort: 80 }] },
      networks: [{ name: 'dcos' }],
    });
    expect(s['networks']).toEqual([{ name: 'dcos', mode: 'container' }]);
    expect(s['container']).toMatchObject({ portMappings: [{ containerPort: 80, servicePort: 0, protocol: 'tcp' }] });
    expect((s['container'] as { portMappings: object[] }).portMappings[0]).not.toHaveProperty('hostPort');
  });

  it('keeps labels whole (diff skips the spec-hash) and reads an empty map as none', () => {
    expect(spec({ id: '/a', cmd: 'x', labels: { [LABEL_SPEC_HASH]: 'h', team: 'mip' } })['labels']).toEqual({ [LABEL_SPEC_HASH]: 'h', team: 'mip' });
    expect(spec({ id: '/a', cmd: 'x', labels: {}, env: {} })).not.toHaveProperty('labels');
    expect(spec({ id: '/a', cmd: 'x', labels: {}, env: {} })).not.toHaveProperty('env');
  });

  it('drops server state and nulls, and passes unknown fields through', () => {
    const s = spec({ id: '/a', cmd: 'x', version: 'v', tasksRunning: 3, args: null, newField: { a: 1, b: null } } as unknown as MarathonAppDefinition);
    expect(s).not.toHaveProperty('version');
    expect(s).not.toHaveProperty('tasksRunning');
    expect(s).not.toHaveProperty('args');
    expect(s['newField']).toEqual({ a: 1 });
  });

  it('shares what is already canonical and never changes its input', () => {
    const env = { MODE: 'prod' };
    const definition = deepFreeze(appDefinition({ env, constraints: [['hostname', 'unique']], fetch: [{ uri: 'https://x/a.sh' }] }));
    const s = spec(definition);
    expect(s['env']).toBe(definition.env);
    expect(s['constraints']).toEqual([['hostname', 'UNIQUE']]);
  });

  it('ignores extract for files Mesos would not unpack', () => {
    const s = spec({ id: '/a', cmd: 'x', fetch: [{ uri: 'https://x/run.sh', extract: false }, { uri: 'https://x/app.tar.gz' }] });
    expect(s['fetch']).toEqual([
      { uri: 'https://x/run.sh', executable: false, cache: false },
      { uri: 'https://x/app.tar.gz', extract: true, executable: false, cache: false },
    ]);
  });

  it('applies the resident defaults to apps with persistent volumes', () => {
    const s = spec({
      id: '/db',
      container: {
        type: 'DOCKER',
        docker: { image: 'postgres' },
        volumes: [{ containerPath: 'data', mode: 'RW', persistent: { size: 100 } }],
      },
      networks: [{ mode: 'container/bridge' }],
    });
    expect(s['upgradeStrategy']).toEqual({ minimumHealthCapacity: 0.5, maximumOverCapacity: 0 });
    expect(s['unreachableStrategy']).toBe('disabled');
    expect(s['residency']).toEqual({ relaunchEscalationTimeoutSeconds: 3600, taskLostBehavior: 'WAIT_FOREVER' });
    expect((s['container'] as { volumes: unknown[] }).volumes).toEqual([{ containerPath: 'data', mode: 'RW', persistent: { size: 100, type: 'root' } }]);
  });

  it('makes a relative app id absolute', () => {
    expect(normalizeApp({ id: 'web', cmd: 'x' }).id).toBe('/web');
  });
});

describe('dependenciesOf', () => {
  it.each([
    ['/shop/web', 'db', '/shop/db'],
    ['/shop/web', './db', '/shop/db'],
    ['/shop/web', '../shared/cache', '/shared/cache'],
    ['/shop/web', '/other/x', '/other/x'],
    ['/web', 'db', '/db'],
  ])('resolves a dependency of %s written %s to %s', (app, dep, resolved) => {
    expect(dependenciesOf(app, [dep])).toEqual([resolved]);
  });
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
