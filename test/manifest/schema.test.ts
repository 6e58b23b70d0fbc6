import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODELLED_MARATHON_FIELDS, PASS_THROUGH_MARATHON_FIELDS } from '../../src/manifest/marathon-fields.js';
import { parseManifestText } from '../../src/manifest/parse.js';
import { findSchemaFile } from '../../src/manifest/schema-file.js';
import { schemaDocument, validateSpec } from '../../src/manifest/schema.js';
import { formatProblem } from '../../src/model/problem.js';
import { tempDir } from '../helpers/tmp.js';

const repoRoot = join(import.meta.dirname, '..', '..');

describe('findSchemaFile', () => {
  it('finds schemas/app.schema.json from the sources and from the compiled tree', () => {
    const expected = join(repoRoot, 'schemas', 'app.schema.json');
    expect(findSchemaFile(join(repoRoot, 'src', 'manifest'))).toBe(expected);
    expect(findSchemaFile(join(repoRoot, 'dist', 'src', 'manifest'))).toBe(expected);
  });

  it('fails with a stable code when the package has no schema', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'package.json'), '{}');
    await mkdir(join(dir, 'lib'));
    expect(() => findSchemaFile(join(dir, 'lib'))).toThrow(expect.objectContaining({ code: 'MRK_MANIFEST_SCHEMA_UNAVAILABLE' }));
  });
});

describe('the marathon pass-through', () => {
  const marathonDef = (): Record<string, unknown> => {
    const defs = schemaDocument().$defs as Record<string, { properties: Record<string, unknown> }>;
    return defs.marathon?.properties ?? {};
  };

  it('refuses in the schema exactly the fields the format models', () => {
    const refused = Object.entries(marathonDef())
      .filter(([, s]) => s === false)
      .map(([k]) => k);
    expect(refused.sort()).toEqual(Object.keys(MODELLED_MARATHON_FIELDS).sort());
  });

  it('allows in the schema exactly the pass-through fields', () => {
    const allowed = Object.entries(marathonDef())
      .filter(([, s]) => s !== false)
      .map(([k]) => k);
    expect(allowed.sort()).toEqual([...PASS_THROUGH_MARATHON_FIELDS].sort());
  });

  it('accepts real AppDefinition fields the format does not model', () => {
    expect(validateSpec({ cmd: 'true', marathon: { backoffSeconds: 5, unreachableStrategy: 'disabled', requirePorts: true, role: 'slave_public' } })).toEqual(
      [],
    );
    expect(validateSpec({ cmd: 'true', marathon: { unreachableStrategy: { inactiveAfterSeconds: 60, expungeAfterSeconds: 120 } } })).toEqual([]);
  });

  it('refuses id, modelled fields and unknown fields, each at its key', () => {
    const text = [
      'apiVersion: maracker/v1',
      'kind: App',
      'metadata:',
      '  name: web',
      'spec:',
      '  cmd: sleep 1',
      '  marathon:',
      '    id: /other',
      '    cmd: y',
      '    labels: {a: b}',
      '    version: "2024-01-01T00:00:00Z"',
      '    backofSeconds: 3',
      '    flavour: large',
      '    killSelection: RANDOM',
      '',
    ].join('\n');
    expect(parseManifestText(text, 'web.yaml').problems.map(formatProblem)).toEqual([
      'web.yaml:8:5: spec.marathon.id: modelled by the manifest format; use metadata.name and metadata.group instead',
      'web.yaml:9:5: spec.marathon.cmd: modelled by the manifest format; use spec.cmd instead',
      'web.yaml:10:5: spec.marathon.labels: modelled by the manifest format; use spec.labels or metadata.labels instead',
      'web.yaml:11:5: spec.marathon.version: modelled by the manifest format; do not set it (Marathon sets it, and sending it back would roll the app back)',
      'web.yaml:12:5: spec.marathon.backofSeconds: not a Marathon app field; did you mean "backoffSeconds"?',
      'web.yaml:13:5: spec.marathon.flavour: not a Marathon app field',
      'web.yaml:14:20: spec.marathon.killSelection: must be one of YOUNGEST_FIRST, OLDEST_FIRST; got "RANDOM"',
    ]);
  });

  it('points a Marathon field written directly in spec to its place', () => {
    const issues = validateSpec({ cmd: 'true', backoffSeconds: 3, portDefinitions: [] });
    expect(issues.map((i) => i.message)).toEqual([
      "unknown field; Marathon's backoffSeconds goes under spec.marathon",
      "unknown field; for Marathon's portDefinitions, use spec.ports instead",
    ]);
  });
});

describe('schema rules', () => {
  it('collapses a failed anyOf into one message when no form fits', () => {
    const issues = validateSpec({ cmd: 'true', expose: { host: 42 } });
    expect(issues).toEqual([{ code: 'invalid-value', path: ['spec', 'expose', 'host'], message: 'must be a host name or a list of host names, got 42' }]);
  });

  it('keeps the precise problem of the form that fits', () => {
    const issues = validateSpec({ cmd: 'true', expose: { host: ['ok.localhost', 'Bad Host'] } });
    expect(issues.map((i) => [i.path, i.message])).toEqual([
      [['spec', 'expose', 'host', 1], '"Bad Host" is not a valid host name: lowercase DNS labels separated by dots, such as whoami.localhost'],
    ]);
  });

  it('refuses a path prefix that would break a Traefik rule', () => {
    expect(validateSpec({ cmd: 'true', expose: { host: 'a.localhost', path: '/a`) || Host(`evil' } }).map((i) => i.code)).toEqual(['invalid-value']);
  });
});
