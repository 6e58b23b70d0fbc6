// The audit of docs/marathon-fidelity.md, row by row, in three places (test/fidelity/audit.ts):
//   1. `maracker validate` (the manifest parser) accepts what Marathon accepts, and refuses what
//      Marathon refuses or drops at the manifest position, saying what Marathon would say;
//   2. the sandbox does what Marathon 1.10 does with the definition maracker would send: 422 with
//      Marathon's message, or the field as GET returns it (its own implementation, src/sandbox/);
//   3. the plan sees no change between that definition and what the sandbox returns, including
//      for fields Marathon drops (the plan's normaliser, src/plan/, written apart from the sandbox).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifestText } from '../../src/manifest/parse.js';
import { translate } from '../../src/manifest/translate.js';
import type { AppSpec } from '../../src/manifest/types.js';
import type { DesiredApp } from '../../src/model/desired.js';
import type { MarathonApp } from '../../src/model/marathon.js';
import { formatProblem } from '../../src/model/problem.js';
import { planApp } from '../../src/plan/plan.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { doc, spec as withDefaults, yamlOf } from '../manifest/builders.js';
import { call } from '../sandbox/helpers.js';
import { ROWS, type Case } from './audit.js';

let plain: Sandbox;
let dcos: Sandbox;
beforeAll(async () => {
  plain = await startSandbox({ deploymentDurationMs: 0 });
  dcos = await startSandbox({ deploymentDurationMs: 0, defaultNetworkName: 'dcos' });
});
afterAll(async () => {
  await Promise.all([plain?.close(), dcos?.close()]);
});

const GROUP = 'audit';

/** The definition maracker would send for a case, whether validate accepts it or not. */
function unvalidated(name: string, c: Case): DesiredApp {
  const id = `/${GROUP}/${name}`;
  const result = translate({
    id,
    spec: withDefaults(c.spec) as AppSpec,
    ...(c.labels ? { outerLabels: c.labels } : {}),
    outerLabelsPath: ['metadata', 'labels'],
    specPath: ['spec'],
    group: GROUP,
    source: { kind: 'file', path: 'audit.yaml', line: 1, column: 1 },
    adopt: false,
  });
  if (!result.app) throw new Error(`translation failed: ${JSON.stringify(result.issues)}`);
  return result.app;
}

async function deploy(sandbox: Sandbox, desired: DesiredApp): Promise<{ status: number; text: string; app?: MarathonApp }> {
  const res = await call(sandbox, 'POST', '/v2/apps', desired.definition as never);
  if (res.status !== 201) return { status: res.status, text: res.text };
  const got = await call(sandbox, 'GET', `/v2/apps${desired.id}`);
  return { status: res.status, text: res.text, app: got.json.app as MarathonApp };
}

function expectNoChange(desired: DesiredApp, actual: MarathonApp): void {
  const action = planApp(desired, actual);
  expect(action.kind === 'update' ? action.changes : [], 'plan changes against what Marathon returns').toEqual([]);
  expect(action.kind).toBe('noop');
}

describe.each(ROWS.map((row, r) => [row.field, row, r] as const))('%s', (_field, row, r) => {
  it.each(row.cases.map((c, i) => [i, c] as const))(`case %i`, async (i, c) => {
    const name = `r${r}c${i}`;
    const sandbox = c.sandbox === 'dcos' ? dcos : plain;
    const parsed = parseManifestText(yamlOf(doc({ name, group: GROUP, spec: c.spec, ...(c.labels ? { labels: c.labels } : {}) })), 'audit.yaml');
    const problems = parsed.problems.map(formatProblem);

    if (c.kind === 'accepted') {
      // 1. validate accepts it
      expect(problems).toEqual([]);
      const desired = parsed.apps[0] as DesiredApp;
      // 2. the sandbox takes it and returns what Marathon returns
      const res = await deploy(sandbox, desired);
      expect(res.status, res.text).toBe(201);
      c.shows?.(res.app);
      // 3. the plan sees no change
      expectNoChange(desired, res.app as MarathonApp);
      return;
    }

    // 1. validate refuses it, at the manifest position, saying what Marathon would say
    expect(
      problems.some((p) => p.includes(` ${c.at}: `) && p.includes(c.says)),
      `${c.at}: ${c.says} in\n${problems.join('\n')}`,
    ).toBe(true);
    if (c.marathon === 'format') return;
    const desired = unvalidated(name, c);
    const res = await deploy(sandbox, desired);
    if (c.marathon === 'rejects') {
      // 2. Marathon answers 422 with its message
      expect(res.status, res.text).toBe(422);
      expect(res.text).toContain(c.marathonSays ?? c.says);
      return;
    }
    // 2. Marathon takes it and drops or rewrites the field
    expect(res.status, res.text).toBe(201);
    c.shows?.(res.app);
    // 3. which the plan reads as no change: no redeploy loop even past validation
    expectNoChange(desired, res.app as MarathonApp);
  });
});

describe('the audit itself', () => {
  it('tests every row in all three places: an accepted case, or a refused one Marathon answers', () => {
    for (const row of ROWS) {
      const accepted = row.cases.some((c) => c.kind === 'accepted');
      expect(accepted, row.field).toBe(true);
    }
  });
});
