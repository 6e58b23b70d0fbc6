import { describe, expect, it } from 'vitest';
import { DEFAULT_INPUT_LIMITS } from '../../src/manifest/limits.js';
import { parseManifestText } from '../../src/manifest/parse.js';
import { formatProblem } from '../../src/model/problem.js';
import { doc, yamlOf } from './builders.js';

/** The formatted problems of a text, as the user reads them. */
function problemsOf(text: string, file = 'web.yaml'): string[] {
  return parseManifestText(text, file).problems.map(formatProblem);
}

const lines = (...l: string[]): string => `${l.join('\n')}\n`;

const HEADER = ['apiVersion: maracker/v1', 'kind: App', 'metadata:', '  name: web', '  group: demo'];

describe('parseManifestText: problems with exact positions', () => {
  it('reports a YAML syntax error at its line and column', () => {
    const text = lines(...HEADER, 'spec:', '  cmd: sleep: 1000', '  mem: 64');
    expect(problemsOf(text)).toEqual(['web.yaml:7:8: YAML syntax error: Nested mappings are not allowed in compact mappings']);
  });

  it('rejects a typo such as instaces with its line and column and a did-you-mean hint', () => {
    const text = lines(...HEADER, 'spec:', '  cmd: sleep 1000', '  instaces: 2');
    expect(problemsOf(text)).toEqual(['web.yaml:8:3: spec.instaces: unknown field; did you mean "instances"?']);
  });

  it('reports a value of the wrong type at the value', () => {
    const text = lines(...HEADER, 'spec:', '  cmd: sleep 1000', '  instances: three');
    expect(problemsOf(text)).toEqual(['web.yaml:8:14: spec.instances: must be an integer, got a string']);
  });

  it('reports a missing required field at the parent mapping', () => {
    const text = lines('apiVersion: maracker/v1', 'kind: App', 'metadata:', '  group: demo', 'spec:', '  cmd: sleep 1000');
    expect(problemsOf(text)).toEqual(['web.yaml:4:3: metadata: missing required field "name"']);
  });

  it('reports a missing top-level section at the start of the document', () => {
    const text = lines('apiVersion: maracker/v1', 'kind: App', 'metadata:', '  name: web');
    expect(problemsOf(text)).toEqual(['web.yaml:1:1: missing required field "spec"']);
  });

  it('rejects a name that is not a Marathon id segment', () => {
    const text = lines('apiVersion: maracker/v1', 'kind: App', 'metadata:', '  name: Web_App', 'spec:', '  cmd: sleep 1000');
    expect(problemsOf(text)).toEqual([
      `web.yaml:4:9: metadata.name: "Web_App" is not a valid app name: one Marathon id segment: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit`,
    ]);
  });

  it("rejects a name Marathon keeps for an app's sub-resources, where the name is; takes it as a group", () => {
    const text = lines('apiVersion: maracker/v1', 'kind: App', 'metadata:', '  name: versions', '  group: demo', 'spec:', '  cmd: sleep 1000');
    expect(problemsOf(text)).toEqual([
      "web.yaml:4:9: metadata.name: must not end with restart, tasks, versions: Marathon keeps these names for an app's sub-resources (/v2/apps/{id}/tasks)",
    ]);
    const group = lines('apiVersion: maracker/v1', 'kind: App', 'metadata:', '  name: web', '  group: demo/tasks', 'spec:', '  cmd: sleep 1000');
    expect(problemsOf(group)).toEqual([]);
  });

  it('rejects a name and group making an app id longer than 200 characters (its tasks never start on Mesos), at the name', () => {
    const group = `${'g'.repeat(60)}/${'h'.repeat(60)}/${'i'.repeat(60)}`;
    const tooLong = lines('apiVersion: maracker/v1', 'kind: App', 'metadata:', `  name: ${'w'.repeat(17)}`, `  group: ${group}`, 'spec:', '  cmd: sleep 1000');
    expect(problemsOf(tooLong)).toEqual([
      `web.yaml:4:9: metadata.name: the app id is 201 characters long: the tasks of an app id longer than 200 never start on Mesos (a task's id is the app's and 52 characters more, and names a folder on the agent, at most 255)`,
    ]);
    const fits = lines('apiVersion: maracker/v1', 'kind: App', 'metadata:', `  name: ${'w'.repeat(16)}`, `  group: ${group}`, 'spec:', '  cmd: sleep 1000');
    expect(problemsOf(fits)).toEqual([]);
  });

  it('refuses more instances than --max-instances where instances is, with every other problem', () => {
    const text = lines('apiVersion: maracker/v1', 'kind: App', 'metadata:', '  name: web', 'spec:', '  cmd: sleep 1000', '  instances: 5000');
    expect(problemsOf(text)).toEqual(['web.yaml:7:14: spec.instances: more than 1000 instances (--max-instances); not applied']);
    const reserved = lines('apiVersion: maracker/v1', 'kind: App', 'metadata:', '  name: tasks', 'spec:', '  cmd: sleep 1000', '  instances: 5000');
    expect(problemsOf(reserved)).toHaveLength(2);
    const limits = { ...DEFAULT_INPUT_LIMITS, maxInstances: 5000 };
    expect(parseManifestText(text, 'web.yaml', { limits }).problems).toEqual([]);
  });

  it('rejects a group path with an empty segment', () => {
    const text = lines('apiVersion: maracker/v1', 'kind: App', 'metadata:', '  name: web', '  group: mip//prod', 'spec:', '  cmd: sleep 1000');
    expect(problemsOf(text)[0]).toMatch(/^web\.yaml:5:10: metadata\.group: "mip\/\/prod" is not a valid group path/);
  });

  it('rejects reserved labels in metadata.labels and spec.labels at their keys', () => {
    const text = lines(...HEADER, '  labels:', '    maracker.managed-by: me', 'spec:', '  cmd: sleep 1000', '  labels:', '    maracker.source: x');
    expect(problemsOf(text)).toEqual([
      'web.yaml:7:5: metadata.labels["maracker.managed-by"]: labels starting with "maracker." are reserved for maracker',
      'web.yaml:11:5: spec.labels["maracker.source"]: labels starting with "maracker." are reserved for maracker',
    ]);
  });

  it('reports a health check port name that no port declares, with a hint', () => {
    const text = lines(...HEADER, 'spec:', '  cmd: sleep 1000', '  ports:', '    - name: http', '  healthChecks:', '    - protocol: HTTP', '      port: htp');
    expect(problemsOf(text)).toEqual(['web.yaml:12:13: spec.healthChecks[0].port: no port named "htp" in spec.ports; did you mean "http"?']);
  });

  it('reports a port name when the app declares no ports at all', () => {
    const text = lines(...HEADER, 'spec:', '  cmd: sleep 1000', '  expose:', '    host: web.localhost', '    port: http');
    expect(problemsOf(text)).toEqual([
      `web.yaml:10:11: spec.expose.port: no port named "http": spec.ports declares no ports (omit port to use the app's single default port)`,
    ]);
  });

  it('reports cmd and args together as mutually exclusive at args', () => {
    const text = lines(...HEADER, 'spec:', '  cmd: sleep 1000', '  args: [sleep, "1000"]');
    expect(problemsOf(text)).toEqual(['web.yaml:8:3: spec.args: cmd and args are mutually exclusive (Marathon runs one or the other)']);
  });

  it('asks for image, cmd or args when the spec has none', () => {
    const text = lines(...HEADER, 'spec:', '  mem: 64');
    expect(problemsOf(text)).toEqual(['web.yaml:7:3: spec: needs at least one of image, cmd or args']);
  });

  it('reports a duplicate key in a mapping at the second key', () => {
    const text = lines(...HEADER, 'spec:', '  cmd: sleep 1000', '  mem: 64', '  mem: 128');
    expect(problemsOf(text)).toEqual(['web.yaml:9:3: duplicate key mem (keys of a mapping must be unique)']);
  });

  it('suggests quoting a number given where a string is expected', () => {
    const text = lines(...HEADER, 'spec:', '  cmd: sleep 1000', '  env:', '    DEBUG: 1');
    expect(problemsOf(text)).toEqual(['web.yaml:9:12: spec.env.DEBUG: must be a string, got 1 (quote it: "1")']);
  });

  it('reports every problem of a document, not only the first', () => {
    const text = lines(...HEADER, 'spec:', '  cmd: sleep 1000', '  instaces: 2', '  cpus: lots', '  network: overlay');
    expect(problemsOf(text)).toEqual([
      'web.yaml:8:3: spec.instaces: unknown field; did you mean "instances"?',
      'web.yaml:9:9: spec.cpus: must be a number, got a string',
      'web.yaml:10:12: spec.network: must be one of host, bridge, container; got "overlay"',
    ]);
  });

  it('points into the anchor when a problem comes from an alias', () => {
    const text = lines(
      'apiVersion: maracker/v1',
      'kind: App',
      'x-check: &check',
      '  protocol: HTTP',
      '  port: admin',
      'metadata:',
      '  name: web',
      'spec:',
      '  cmd: sleep 1000',
      '  ports: [{name: http}]',
      '  healthChecks:',
      '    - *check',
    );
    expect(problemsOf(text)).toEqual(['web.yaml:5:9: spec.healthChecks[0].port: no port named "admin" in spec.ports; declared ports: http']);
  });
});

describe('parseManifestText: documents', () => {
  it('reads several documents and ignores empty ones', () => {
    const text = `---\n# nothing here\n---\n${yamlOf(doc({ name: 'a', group: 'g' }), doc({ name: 'b', group: 'g' }))}---\n`;
    const result = parseManifestText(text, 'apps.yaml');
    expect(result.problems).toEqual([]);
    expect(result.apps.map((a) => a.id)).toEqual(['/g/a', '/g/b']);
    expect(result.declaredIds).toEqual(['/g/a', '/g/b']);
  });

  it('records the file and the line of each document as the source', () => {
    const result = parseManifestText(yamlOf(doc({ name: 'a' }), doc({ name: 'b' })), 'sub/apps.yaml');
    expect(result.apps[0]?.source).toEqual({ kind: 'file', path: 'sub/apps.yaml', line: 1, column: 1 });
    expect(result.apps[1]?.source).toMatchObject({ kind: 'file', path: 'sub/apps.yaml', line: 10 });
  });

  it('reports problems with the display path and records the relative path in the source label', () => {
    const bad = parseManifestText(lines(...HEADER, 'spec:', '  cmd: sleep 1', '  bogus: 1'), 'web.yaml', { displayPath: 'manifests/web.yaml' });
    expect(bad.problems.map(formatProblem)[0]).toMatch(/^manifests\/web\.yaml:8:3: spec\.bogus: unknown field \(allowed: image, cmd, /);
    const good = parseManifestText(yamlOf(doc()), 'sub/web.yaml', { displayPath: 'manifests/sub/web.yaml' });
    expect(good.apps[0]?.definition.labels?.['maracker.source']).toBe('file:sub/web.yaml');
  });

  it('keeps the valid documents of a file whose other document is invalid', () => {
    const broken = lines('apiVersion: maracker/v1', 'kind: App', 'metadata:', '  name: b', 'spec:', '  instances: -1', '  cmd: sleep 1');
    const result = parseManifestText(`${yamlOf(doc({ name: 'a' }))}---\n${broken}`, 'apps.yaml');
    expect(result.apps.map((a) => a.id)).toEqual(['/a']);
    expect(result.problems.map(formatProblem)).toEqual(['apps.yaml:15:14: spec.instances: must be >= 0, got -1']);
  });

  it('declares the id of an invalid document whenever its name can still be read', () => {
    const text = lines('apiVersion: maracker/v1', 'kind: App', 'metadata:', '  name: web', '  group: demo', 'spec:', '  image: [not, a, string]');
    const result = parseManifestText(text, 'web.yaml');
    expect(result.apps).toEqual([]);
    expect(result.declaredIds).toEqual(['/demo/web']);
    expect(result.declarations).toEqual([{ id: '/demo/web', location: { file: 'web.yaml', line: 4, column: 9 } }]);
  });

  it('declares the id even when the document has a YAML error after the name', () => {
    const text = lines(...HEADER, 'spec:', '  cmd: "half written');
    const result = parseManifestText(text, 'web.yaml');
    expect(result.declaredIds).toEqual(['/demo/web']);
    expect(result.problems).toHaveLength(1);
  });

  it('applies YAML merge keys and aliases', () => {
    const text = lines(
      'apiVersion: maracker/v1',
      'kind: App',
      'x-small: &small',
      '  cpus: 0.1',
      '  mem: 32',
      'metadata:',
      '  name: web',
      'spec:',
      '  <<: *small',
      '  mem: 64',
      '  cmd: sleep 1000',
    );
    const result = parseManifestText(text, 'web.yaml');
    expect(result.problems).toEqual([]);
    expect(result.apps[0]?.definition).toMatchObject({ cpus: 0.1, mem: 64, cmd: 'sleep 1000' });
  });

  it('locates a problem in a field that comes from a merge key', () => {
    const text = lines(
      'apiVersion: maracker/v1',
      'kind: App',
      'x-small: &small',
      '  cpus: none',
      'metadata:',
      '  name: web',
      'spec:',
      '  <<: *small',
      '  cmd: sleep 1000',
    );
    expect(problemsOf(text)).toEqual(['web.yaml:4:9: spec.cpus: must be a number, got a string']);
  });

  it('takes metadata.adopt into DesiredApp.adopt', () => {
    const [adopted] = parseManifestText(yamlOf(doc({ adopt: true })), 'web.yaml').apps;
    const [plain] = parseManifestText(yamlOf(doc()), 'web.yaml').apps;
    expect(adopted?.adopt).toBe(true);
    expect(plain?.adopt).toBe(false);
  });

  it('rejects a wrong apiVersion and kind', () => {
    const text = lines('apiVersion: maracker/v2', 'kind: Pod', 'metadata:', '  name: web', 'spec:', '  cmd: sleep 1');
    expect(problemsOf(text)).toEqual(['web.yaml:1:13: apiVersion: must be "maracker/v1", got "maracker/v2"', 'web.yaml:2:7: kind: must be "App", got "Pod"']);
  });
});

describe('parseManifestText: limits', () => {
  const limits = { ...DEFAULT_INPUT_LIMITS, maxYamlNodes: 30 };

  it('refuses a document whose aliases expand over a limit and still declares its id, so its app stays protected', () => {
    const big = lines(
      ...HEADER,
      'x-labels: &labels',
      ...Array.from({ length: 10 }, (_, i) => `  k${i}: v`),
      'spec:',
      '  cmd: sleep 1',
      '  labels: *labels',
      '  env: *labels',
    );
    const result = parseManifestText(`${yamlOf(doc({ name: 'ok' }))}---\n${big}`, 'apps.yaml', { limits });
    expect(result.problems.map(formatProblem)).toEqual([
      'apps.yaml:10:1: more than 30 mapping entries and list items in one document, aliases expanded (--max-yaml-nodes); the document is not applied',
    ]);
    expect(result.apps.map((a) => a.id)).toEqual(['/ok']);
    expect(result.declaredIds).toEqual(['/ok', '/demo/web']);
  });

  it('stops reading a file at the first document with more entries than the limit', () => {
    const big = lines(...HEADER, 'spec:', '  cmd: sleep 1', '  labels:', ...Array.from({ length: 40 }, (_, i) => `    k${i}: v`));
    const result = parseManifestText(`${yamlOf(doc({ name: 'ok' }))}---\n${big}`, 'apps.yaml', { limits });
    expect(result.problems.map(formatProblem)).toEqual([
      'apps.yaml:40:8: more than 30 mapping entries and list items in one document (--max-yaml-nodes); the file is not applied',
    ]);
    expect(result.apps).toEqual([]);
  });

  it('refuses a whole file that is larger than --max-file-bytes', () => {
    const result = parseManifestText(yamlOf(doc()), 'web.yaml', { limits: { ...DEFAULT_INPUT_LIMITS, maxFileBytes: 50 } });
    expect(result.problems.map(formatProblem)).toEqual(['web.yaml: file is larger than 50 bytes (--max-file-bytes); not read']);
    expect(result.declaredIds).toEqual([]);
  });

  it('never quotes a document that is not a mapping: a file of another kind is named by type', () => {
    const text = 'HOME=/root\u0000DATABASE_URL=postgres://u:secret@db/x\n';
    expect(problemsOf(text).join('\n')).not.toContain('secret');
    expect(problemsOf('just some text with a password=hunter2\n')).toEqual(['web.yaml:1:1: must be a mapping, got a string']);
  });

  it('cuts a long duplicate key to the offending token', () => {
    const key = 'k'.repeat(1000);
    const [problem] = problemsOf(`${key}: 1\n${key}: 2\n`);
    expect(problem).toBe(`web.yaml:2:1: duplicate key ${'k'.repeat(127)}… (keys of a mapping must be unique)`);
  });
});
