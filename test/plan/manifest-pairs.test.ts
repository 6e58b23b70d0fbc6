// The target of the diff: zero changes between each real Marathon response we have and a
// manifest describing the same app, read through the real manifest parser and translator.
// Marathon's defaults, assigned ports, legacy (pre-1.5) JSON and list order must all read
// as "no change"; and one edit to the manifest must read as exactly that change.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseManifestText } from '../../src/manifest/parse.js';
import { LABEL_MANAGED_BY, LABEL_SOURCE, LABEL_SPEC_HASH } from '../../src/model/labels.js';
import type { DesiredApp } from '../../src/model/desired.js';
import type { MarathonApp } from '../../src/model/marathon.js';
import { planApp } from '../../src/plan/plan.js';
import { loadFixtureApp } from './real-response-pairs.js';

const MANIFESTS = fileURLToPath(new URL('../fixtures/manifests/real-responses/', import.meta.url));

function desiredFrom(file: string, id: string, edit: (text: string) => string = (t) => t): DesiredApp {
  const result = parseManifestText(edit(readFileSync(MANIFESTS + file, 'utf8')), file);
  expect(result.problems).toEqual([]);
  const app = result.apps.find((a) => a.id === id);
  if (!app) throw new Error(`${file} declares no ${id}`);
  return app;
}

/**
 * The real app as it would look had maracker deployed it: plus maracker's own labels, and the
 * `traefik.enable: false` it writes on an app that declares no expose.
 */
function deployedByMaracker(actual: MarathonApp, desired: DesiredApp): MarathonApp {
  const ours = desired.definition.labels ?? {};
  const own = Object.fromEntries(
    [LABEL_MANAGED_BY, LABEL_SOURCE, LABEL_SPEC_HASH, 'traefik.enable'].filter((k) => k in ours).map((k) => [k, ours[k] as string]),
  );
  return { ...actual, labels: { ...(actual.labels ?? {}), ...own } };
}

const PAIRS = [
  { manifest: 'pywebserver.yaml', fixture: 'marathon-lb/marathon15_apps.json', id: '/pywebserver', server: '1.5.0' },
  {
    manifest: 'nginx-zdd.yaml',
    fixture: 'marathon-lb/zdd_app_blue_marathon1.5.json',
    id: '/nginx-green',
    server: '1.5.0',
    edit: (t: string) => t.replace('protocol: HTTP', 'protocol: MESOS_HTTP'),
  },
  { manifest: 'nginx-zdd.yaml', fixture: 'marathon-lb/zdd_apps.json', id: '/nginx-green', server: 'pre-1.5' },
  { manifest: 'nginx-zdd.yaml', fixture: 'marathon-lb/zdd_apps.json', id: '/nginx-blue', server: 'pre-1.5' },
  { manifest: 'nginx-zdd.yaml', fixture: 'marathon-lb/zdd_app_blue.json', id: '/nginx-green', server: 'pre-1.5' },
  { manifest: 'maracker-2017.yaml', fixture: 'maracker-2017/nginx.json', id: '/nginx', server: '1.4.5' },
  { manifest: 'maracker-2017.yaml', fixture: 'maracker-2017/whoami.json', id: '/whoami', server: '1.4.5' },
  { manifest: 'maracker-2017.yaml', fixture: 'maracker-2017/python-simple-http.json', id: '/test', server: '1.4.5' },
];

describe('manifests against real Marathon responses', () => {
  for (const p of PAIRS) {
    it(`finds no change between ${p.manifest} and ${p.id} as Marathon ${p.server} returns it (${p.fixture})`, () => {
      const desired = desiredFrom(p.manifest, p.id, p.edit);
      const action = planApp(desired, deployedByMaracker(loadFixtureApp(p.fixture, p.id), desired));
      expect(action.kind === 'update' ? action.changes : []).toEqual([]);
      expect(action.kind).toBe('noop');
    });
  }

  it('sees a memory edit in the manifest as exactly that change, with a restart', () => {
    const base = desiredFrom('pywebserver.yaml', '/pywebserver');
    const actual = deployedByMaracker(loadFixtureApp('marathon-lb/marathon15_apps.json', '/pywebserver'), base);
    const edited = desiredFrom('pywebserver.yaml', '/pywebserver', (t) => t.replace('cpus: 0.1', 'cpus: 0.1\n  mem: 256'));
    const action = planApp(edited, { ...actual, labels: { ...actual.labels, [LABEL_SPEC_HASH]: edited.specHash } });
    expect(action).toMatchObject({ kind: 'update', mode: 'restart', changes: [{ path: 'mem', before: 128, after: 256 }] });
  });

  it('sees an instances edit as a scale without restart', () => {
    const base = desiredFrom('nginx-zdd.yaml', '/nginx-green');
    const actual = deployedByMaracker(loadFixtureApp('marathon-lb/zdd_apps.json', '/nginx-green'), base);
    const scaled = desiredFrom('nginx-zdd.yaml', '/nginx-green', (t) => t.replace('instances: 3', 'instances: 5'));
    expect(scaled.specHash).toBe(base.specHash);
    expect(planApp(scaled, actual)).toMatchObject({ kind: 'update', mode: 'scale', changes: [{ path: 'instances', before: 3, after: 5 }] });
  });
});
