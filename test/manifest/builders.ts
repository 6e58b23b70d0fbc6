// Builders for manifest tests: a valid app with only the fields a test cares about.

import { stringify } from 'yaml';
import { translate, type TranslateResult } from '../../src/manifest/translate.js';
import type { AppSpec, TraefikGrammar } from '../../src/manifest/types.js';
import { groupOf } from '../../src/manifest/app-path.js';

/** A small valid command app spec. */
export function spec(overrides: Partial<AppSpec> = {}): AppSpec {
  return { cmd: 'python3 -m http.server $PORT0', cpus: 0.1, mem: 64, ...overrides };
}

export interface DocOptions {
  name?: string;
  group?: string;
  labels?: Record<string, string>;
  adopt?: boolean;
  spec?: Partial<AppSpec>;
}

/** One manifest document as a plain object. */
export function doc(opts: DocOptions = {}): Record<string, unknown> {
  const metadata: Record<string, unknown> = { name: opts.name ?? 'web' };
  if (opts.group !== undefined) metadata.group = opts.group;
  if (opts.labels !== undefined) metadata.labels = opts.labels;
  if (opts.adopt !== undefined) metadata.adopt = opts.adopt;
  return { apiVersion: 'maracker/v1', kind: 'App', metadata, spec: spec(opts.spec) };
}

/** YAML text of several documents separated by ---. */
export function yamlOf(...docs: Array<Record<string, unknown>>): string {
  return docs.map((d) => stringify(d)).join('---\n');
}

export interface TranslateSpecOptions {
  id?: string;
  traefik?: TraefikGrammar;
  labels?: Record<string, string>;
}

/** Translates a spec as a file app (/demo/web by default) from web.yaml. */
export function translateSpec(s: AppSpec, opts: TranslateSpecOptions = {}): TranslateResult {
  const id = opts.id ?? '/demo/web';
  return translate(
    {
      id,
      spec: s,
      ...(opts.labels ? { outerLabels: opts.labels } : {}),
      outerLabelsPath: ['metadata', 'labels'],
      specPath: ['spec'],
      group: groupOf(id),
      source: { kind: 'file', path: 'web.yaml', line: 1, column: 1 },
      adopt: false,
    },
    opts.traefik ? { traefik: opts.traefik } : {},
  );
}

/** The Marathon definition of a spec, failing the test if translation reports issues. */
export function definitionOf(s: AppSpec, opts: TranslateSpecOptions = {}): NonNullable<TranslateResult['app']>['definition'] {
  const r = translateSpec(s, opts);
  if (!r.app) throw new Error(`translation failed: ${JSON.stringify(r.issues)}`);
  return r.app.definition;
}
