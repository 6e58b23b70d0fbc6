// Zero phantom diffs, generatively: for any manifest `maracker validate` accepts, what Marathon
// 1.10 makes of its definition (the sandbox: POST, then GET, its rewrite) is no change to the
// plan. A difference here is a redeploy on every pass on a real Marathon (the MESOS_HTTP +
// ignoreHttp1xx manifest made 482 PUTs in 25 s). The generator (generate.ts) covers every field
// of the format and of the `marathon` pass-through.
//
// `npm test` runs MARACKER_FIDELITY_CASES (default 150) manifests from MARACKER_FIDELITY_SEED
// (default 14); for a longer hunt:
//   MARACKER_FIDELITY_CASES=5000 MARACKER_FIDELITY_SEED=$RANDOM npx vitest run test/fidelity/zero-diff.test.ts
// A failure prints the seed, the case number and the manifest, so it can be replayed.

import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifestText } from '../../src/manifest/parse.js';
import type { DesiredApp } from '../../src/model/desired.js';
import type { MarathonApp } from '../../src/model/marathon.js';
import { formatProblem } from '../../src/model/problem.js';
import { planApp } from '../../src/plan/plan.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { call } from '../sandbox/helpers.js';
import { generateApp, Random, type GeneratedApp } from './generate.js';

const CASES = Number(process.env['MARACKER_FIDELITY_CASES'] ?? 150);
const SEED = Number(process.env['MARACKER_FIDELITY_SEED'] ?? 14);

function manifestOf(g: GeneratedApp): string {
  const metadata: Record<string, unknown> = { name: g.name, group: g.group };
  if (g.labels) metadata.labels = g.labels;
  return stringify({ apiVersion: 'maracker/v1', kind: 'App', metadata, spec: g.spec });
}

let sandbox: Sandbox;
beforeAll(async () => {
  // container networks may leave their name to Marathon's --default_network_name
  sandbox = await startSandbox({ deploymentDurationMs: 0, defaultNetworkName: 'dcos' });
});
afterAll(async () => {
  await sandbox?.close();
});

describe(`zero phantom diffs (seed ${SEED}, ${CASES} manifests)`, () => {
  it('sees no change between every valid manifest and what Marathon makes of it', { timeout: 600_000 }, async () => {
    const r = new Random(SEED);
    const fields = new Set<string>();
    for (let n = 0; n < CASES; n++) {
      const g = generateApp(r, n);
      const text = manifestOf(g);
      const where = `seed ${SEED}, case ${n}, --traefik ${g.traefik}:\n${text}`;
      const parsed = parseManifestText(text, `g${n}.yaml`, { traefik: g.traefik });
      expect(parsed.problems.map(formatProblem), `validate refuses a generated manifest (${where})`).toEqual([]);
      const desired = parsed.apps[0] as DesiredApp;
      for (const key of Object.keys(g.spec)) fields.add(key);
      for (const key of Object.keys(g.spec.marathon ?? {})) fields.add(`marathon.${key}`);

      const created = await call(sandbox, 'POST', '/v2/apps', desired.definition as never);
      expect(created.status, `Marathon refuses what validate accepts: ${created.text} (${where})`).toBe(201);
      const actual = (await call(sandbox, 'GET', `/v2/apps${desired.id}`)).json.app as MarathonApp;
      const action = planApp(desired, actual);
      expect(action.kind === 'update' ? action.changes : [], `phantom diff (${where})`).toEqual([]);
      expect(action.kind).toBe('noop');
      // the same definition written again is no change to Marathon either: it keeps its version
      const again = await call(sandbox, 'PUT', `/v2/apps${desired.id}?partialUpdate=false`, desired.definition as never);
      expect(again.status, again.text).toBe(200);
      expect((await call(sandbox, 'GET', `/v2/apps${desired.id}`)).json.app.version, `Marathon saw a change (${where})`).toBe(actual.version);
      await call(sandbox, 'DELETE', `/v2/apps${desired.id}`);
    }
    // the generator reaches every field of the format and of the pass-through
    if (CASES >= 150) {
      expect([...fields].sort()).toEqual(
        expect.arrayContaining([
          'args',
          'cmd',
          'constraints',
          'cpus',
          'dependencies',
          'disk',
          'docker',
          'env',
          'expose',
          'fetch',
          'healthChecks',
          'image',
          'instances',
          'labels',
          'marathon',
          'mem',
          'network',
          'networkName',
          'ports',
          'upgradeStrategy',
          'user',
          'volumes',
          'marathon.acceptedResourceRoles',
          'marathon.backoffFactor',
          'marathon.backoffSeconds',
          'marathon.check',
          'marathon.executor',
          'marathon.executorResources',
          'marathon.gpus',
          'marathon.killSelection',
          'marathon.maxLaunchDelaySeconds',
          'marathon.readinessChecks',
          'marathon.requirePorts',
          'marathon.resourceLimits',
          'marathon.role',
          'marathon.taskKillGracePeriodSeconds',
          'marathon.tty',
          'marathon.unreachableStrategy',
        ]),
      );
    }
  });
});
