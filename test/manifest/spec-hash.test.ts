import { describe, expect, it } from 'vitest';
import { canonicalJson, specHash } from '../../src/manifest/spec-hash.js';
import type { MarathonAppDefinition } from '../../src/model/marathon.js';
import { parseManifestText } from '../../src/manifest/parse.js';
import { spec, translateSpec } from './builders.js';

const definition = (overrides: Partial<MarathonAppDefinition> = {}): MarathonAppDefinition => ({
  id: '/demo/web',
  cmd: 'sleep 1000',
  instances: 1,
  labels: { team: 'mip', 'maracker.managed-by': 'maracker' },
  ...overrides,
});

describe('canonicalJson', () => {
  it('sorts keys at every level and leaves out undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ y: 1, x: 2 }], c: undefined } })).toBe('{"a":{"d":[{"x":2,"y":1}]},"b":1}');
  });
});

describe('specHash', () => {
  it('is 16 hex characters and the same for the same definition written in another key order', () => {
    const a = definition();
    const b: MarathonAppDefinition = { labels: { 'maracker.managed-by': 'maracker', team: 'mip' }, instances: 1, cmd: 'sleep 1000', id: '/demo/web' };
    expect(specHash(a)).toMatch(/^[0-9a-f]{16}$/);
    expect(specHash(b)).toBe(specHash(a));
  });

  it('does not change when only instances changes', () => {
    expect(specHash(definition({ instances: 5 }))).toBe(specHash(definition({ instances: 0 })));
    expect(specHash(definition({ instances: undefined }))).toBe(specHash(definition()));
  });

  it('ignores the spec-hash label itself', () => {
    const labelled = definition({ labels: { team: 'mip', 'maracker.managed-by': 'maracker', 'maracker.spec-hash': 'whatever' } });
    expect(specHash(labelled)).toBe(specHash(definition()));
  });

  it('changes when anything else changes', () => {
    expect(specHash(definition({ cmd: 'sleep 2000' }))).not.toBe(specHash(definition()));
    expect(specHash(definition({ labels: { team: 'other' } }))).not.toBe(specHash(definition()));
  });

  it('is what translation writes to the label and to DesiredApp.specHash, unchanged by scaling', () => {
    const one = translateSpec(spec({ instances: 1 })).app;
    const three = translateSpec(spec({ instances: 3 })).app;
    expect(one?.definition.labels?.['maracker.spec-hash']).toBe(one?.specHash);
    expect(three?.specHash).toBe(one?.specHash);
    expect(translateSpec(spec({ mem: 128 })).app?.specHash).not.toBe(one?.specHash);
  });

  it('is the same for two manifests that list the same fields in another order', () => {
    const a = 'apiVersion: maracker/v1\nkind: App\nmetadata: {name: web}\nspec:\n  cmd: sleep 1\n  mem: 64\n  env: {A: "1", B: "2"}\n';
    const b = 'kind: App\nspec:\n  env: {B: "2", A: "1"}\n  mem: 64\n  cmd: sleep 1\nmetadata: {name: web}\napiVersion: maracker/v1\n';
    const hashA = parseManifestText(a, 'web.yaml').apps[0]?.specHash;
    expect(hashA).toMatch(/^[0-9a-f]{16}$/);
    expect(parseManifestText(b, 'web.yaml').apps[0]?.specHash).toBe(hashA);
  });
});
