import { DEFAULT_INPUT_LIMITS } from '../../src/manifest/limits.js';
import { describe, expect, it } from 'vitest';
import { rowToDesired, specToDesired } from '../../src/manifest/row.js';
import { formatProblem } from '../../src/model/problem.js';

describe('specToDesired: a database row', () => {
  it("accepts the README's psql example", () => {
    const spec: unknown = JSON.parse('{"cmd": "python3 -m http.server $PORT0", "instances": 1, "cpus": 0.1, "mem": 64}');
    const { app, problems } = specToDesired('/demo/web', spec, null);
    expect(problems).toEqual([]);
    expect(app?.source).toEqual({ kind: 'database', row: '/demo/web' });
    expect(app?.definition).toMatchObject({ id: '/demo/web', cmd: 'python3 -m http.server $PORT0', instances: 1, cpus: 0.1, mem: 64 });
    expect(app?.definition.labels).toMatchObject({ 'maracker.managed-by': 'maracker', 'maracker.source': 'database' });
    expect(app?.adopt).toBe(false);
  });

  it('locates problems by row id and JSON path', () => {
    const spec = { cmd: 'true', instaces: 2, ports: [{ name: 'http' }], healthChecks: [{ protocol: 'HTTP', port: 'admin' }] };
    const { app, problems } = specToDesired('/demo/web', spec, { 'maracker.source': 'x' });
    expect(app).toBeUndefined();
    expect(problems.map(formatProblem)).toEqual([
      'row /demo/web: spec.instaces: unknown field; did you mean "instances"?',
      'row /demo/web: spec.healthChecks[0].port: no port named "admin" in spec.ports; declared ports: http',
      'row /demo/web: labels["maracker.source"]: labels starting with "maracker." are reserved for maracker',
    ]);
    expect(problems[1]?.location).toEqual({ row: '/demo/web', jsonPath: 'spec.healthChecks[0].port' });
  });

  it('rejects a row id that is not a Marathon app id', () => {
    const { problems } = specToDesired('demo/Web', { cmd: 'true' }, null);
    expect(problems.map((p) => [p.code, p.location])).toEqual([['invalid-id', { row: 'demo/Web', jsonPath: 'id' }]]);
  });

  it("rejects a row id Marathon keeps for an app's sub-resources, and takes the name in a group", () => {
    for (const id of ['/demo/tasks', '/restart', '/demo/versions']) {
      expect(specToDesired(id, { cmd: 'true' }, null).problems.map(formatProblem), id).toEqual([
        `row ${id}: id: must not end with restart, tasks, versions: Marathon keeps these names for an app's sub-resources (/v2/apps/{id}/tasks)`,
      ]);
    }
    expect(specToDesired('/tasks/web', { cmd: 'sleep 10' }, null).problems).toEqual([]);
  });

  it('rejects a row id longer than 200 characters, whose tasks Mesos could never start, and takes one of 200', () => {
    const long = `/demo/${'a'.repeat(195)}`;
    expect(specToDesired(long, { cmd: 'true' }, null).problems.map(formatProblem)).toEqual([
      `row ${long}: id: is 201 characters long: the tasks of an app id longer than 200 never start on Mesos (a task's id is the app's and 52 characters more, and names a folder on the agent, at most 255)`,
    ]);
    expect(specToDesired(long.slice(0, 200), { cmd: 'true' }, null).problems).toEqual([]);
  });

  it('refuses more instances than --max-instances, at spec.instances, and takes up to it', () => {
    expect(specToDesired('/demo/web', { cmd: 'sleep 10', instances: 1_000_000_000 }, null).problems.map(formatProblem)).toEqual([
      'row /demo/web: spec.instances: more than 1000 instances (--max-instances); not applied',
    ]);
    expect(specToDesired('/demo/web', { cmd: 'sleep 10', instances: 1000 }, null).problems).toEqual([]);
    const limits = { ...DEFAULT_INPUT_LIMITS, maxInstances: 2 };
    expect(specToDesired('/demo/web', { cmd: 'sleep 10', instances: 3 }, null, { limits }).problems.map((p) => p.code)).toEqual(['limit-exceeded']);
  });

  it('refuses Traefik labels in a row unless --row-traefik-labels allows them: expose routes a row', () => {
    const labels = { 'traefik.http.routers.x.rule': 'Host(`portal.example`)' };
    const spec = { cmd: 'sleep 10', labels: { 'traefik.enable': 'true' } };
    expect(specToDesired('/demo/web', spec, labels).problems.map(formatProblem)).toEqual([
      'row /demo/web: labels["traefik.http.routers.x.rule"]: a row may not set Traefik labels: spec.expose routes its app (a label could route the host of another app to this one; --row-traefik-labels allows them)',
      'row /demo/web: spec.labels["traefik.enable"]: a row may not set Traefik labels: spec.expose routes its app (a label could route the host of another app to this one; --row-traefik-labels allows them)',
    ]);
    expect(specToDesired('/demo/web', spec, labels, { rowTraefikLabels: true }).problems).toEqual([]);
    const exposed = specToDesired('/demo/web', { cmd: 'sleep 10', ports: [{ name: 'http' }], expose: { host: 'web.example' } }, null);
    expect(exposed.problems).toEqual([]);
    expect(exposed.app?.definition.labels).toMatchObject({ 'traefik.enable': 'true' });
  });

  it('refuses more ports than --max-ports: each takes one of the service ports the whole cluster shares', () => {
    const ports = Array.from({ length: 101 }, () => ({}));
    expect(specToDesired('/demo/web', { cmd: 'sleep 10', ports }, null).problems.map(formatProblem)).toEqual([
      'row /demo/web: spec.ports: more than 100 ports (--max-ports); not applied',
    ]);
    expect(specToDesired('/demo/web', { cmd: 'sleep 10', ports: ports.slice(1) }, null).problems).toEqual([]);
  });

  it('refuses more health checks than --max-health-checks: Marathon runs each on every task', () => {
    const healthChecks = Array.from({ length: 11 }, () => ({ protocol: 'TCP' }));
    expect(specToDesired('/demo/web', { cmd: 'sleep 10', healthChecks }, null).problems.map(formatProblem)).toEqual([
      'row /demo/web: spec.healthChecks: more than 10 health checks (--max-health-checks); not applied',
    ]);
    expect(specToDesired('/demo/web', { cmd: 'sleep 10', healthChecks: healthChecks.slice(1) }, null).problems).toEqual([]);
  });

  it('rejects a spec that is not an object', () => {
    expect(specToDesired('/demo/web', 'cmd: x', null).problems.map(formatProblem)).toEqual(['row /demo/web: spec: must be a mapping, got a string']);
  });

  it('takes row labels as app labels and resolves dependencies from the id', () => {
    const { app } = specToDesired('/mip/web', { cmd: 'true', dependencies: ['db'] }, { team: 'mip' }, { adopt: true });
    expect(app?.definition.labels?.team).toBe('mip');
    expect(app?.definition.dependencies).toEqual(['/mip/db']);
    expect(app?.adopt).toBe(true);
  });

  it('generates Traefik labels with the requested grammar', () => {
    const { app } = specToDesired('/demo/web', { cmd: 'true', expose: { host: 'web.localhost' } }, null, { traefik: 'v1' });
    expect(app?.definition.labels?.['traefik.demo-web-s.frontend.rule']).toBe('Host:web.localhost');
    expect(app?.url).toBe('http://web.localhost');
  });

  it('refuses a spec nested deeper than --max-row-depth before anything recursive runs', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = { a: deep };
    const { problems } = specToDesired('/demo/web', { cmd: 'true', marathon: { check: deep } }, null);
    expect(problems.map(formatProblem)).toEqual(['row /demo/web: spec: nested deeper than 64 levels (--max-row-depth); not read']);
    expect(problems[0]?.code).toBe('limit-exceeded');
  });

  it('refuses a row whose spec and labels are over --max-row-bytes (the reader did not parse it)', () => {
    const { problems } = rowToDesired({ id: '/demo/web', spec: null, labels: null, bytes: 300_000 });
    expect(problems.map(formatProblem)).toEqual(['row /demo/web: spec: spec and labels are larger than 262144 bytes as JSON text (--max-row-bytes); not read']);
  });

  it('turns a throw while handling the row into a problem of that row, naming the failure, not its message', () => {
    const spec = { cmd: 'true' };
    Object.defineProperty(spec, 'mem', {
      enumerable: true,
      get: () => {
        throw new TypeError('SECRET from the row');
      },
    });
    const { app, problems } = specToDesired('/demo/web', spec, null);
    expect(app).toBeUndefined();
    expect(problems).toEqual([
      { code: 'internal-error', message: 'maracker failed while reading this input (TypeError); not applied', location: { row: '/demo/web' } },
    ]);
  });
});
