// Zero phantom diffs for what apps take from their images: every generated manifest that runs
// an image, filled with an image's HTTP port and health path (and its resources), is accepted
// by Marathon 1.10 (the sandbox) and what Marathon makes of it plans as no change. A difference
// here would be a rolling restart of every app that leaves its port to its image, on every pass.

import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageMetadata } from '../../src/image/metadata.js';
import { parseManifestText } from '../../src/manifest/parse.js';
import type { DesiredApp } from '../../src/model/desired.js';
import type { MarathonApp } from '../../src/model/marathon.js';
import { formatProblem } from '../../src/model/problem.js';
import { planApp } from '../../src/plan/plan.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { fillFromImage, imageOf } from '../../src/sources/image-fill.js';
import { call } from '../sandbox/helpers.js';
import { generateApp, Random } from './generate.js';

const CASES = Number(process.env['MARACKER_FIDELITY_CASES'] ?? 150);
const SEED = Number(process.env['MARACKER_FIDELITY_SEED'] ?? 14);
const DIGEST = `sha256:${'b'.repeat(64)}`;

/** Two images: one that labels its port and health path, one that only exposes a port. */
const IMAGES = [
  imageMetadata({ 'org.maracker.http.port': '8080', 'org.maracker.health.path': '/health?ready=1', 'org.maracker.resources.mem': '256' }, []).derived,
  imageMetadata({ 'org.maracker.health.path': '/' }, ['80/tcp']).derived,
];

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ deploymentDurationMs: 0, defaultNetworkName: 'dcos' });
});
afterAll(async () => {
  await sandbox?.close();
});

describe(`zero phantom diffs of image fills (seed ${SEED}, ${CASES} manifests)`, () => {
  it('sees no change between every filled app and what Marathon makes of it', { timeout: 600_000 }, async () => {
    const r = new Random(SEED);
    const filledFields = new Set<string>();
    const portNetworks = new Set<string>();
    const checkedIndexes = new Set<number>();
    for (let n = 0; n < CASES; n++) {
      const g = generateApp(r, n);
      // an app that names only its image, and the generated one with its ports and checks dropped
      const image = IMAGES[n % IMAGES.length] as (typeof IMAGES)[number];
      const mapped = g.spec.network === 'bridge' || g.spec.network === 'container';
      const specs = [
        { image: 'registry.local:5000/lab/web:1', instances: 1 },
        { ...g.spec, ports: undefined, healthChecks: undefined, expose: undefined },
        g.spec,
        // declared ports, the image's last: its health check goes to that port's index
        ...(mapped
          ? [{ ...g.spec, healthChecks: undefined, ports: [...(g.spec.ports ?? []), { name: 'image-http', containerPort: image.http.port?.value }] }]
          : []),
      ];
      for (const [k, spec] of specs.entries()) {
        const metadata: Record<string, unknown> = { name: `${g.name}-${k}`, group: g.group };
        const text = stringify({ apiVersion: 'maracker/v1', kind: 'App', metadata, spec });
        const parsed = parseManifestText(text, `g${n}.yaml`, { traefik: g.traefik });
        if (parsed.problems.length > 0) {
          // changing ports can make a manifest invalid (a readiness check naming one): skipped
          expect(k, `the generated manifest itself is refused: ${parsed.problems.map(formatProblem).join('\n')}`).toBeOneOf([1, 3]);
          continue;
        }
        const declared = parsed.apps[0] as DesiredApp;
        if (imageOf(declared) === undefined) continue;
        const desired = fillFromImage(declared, { digest: DIGEST, metadata: image }, false);
        for (const f of Object.keys(desired.image?.filled ?? {})) filledFields.add(f);
        if (desired.image?.filled['container.portMappings'] !== undefined) portNetworks.add(String(desired.definition.networks?.[0]?.mode));
        if (desired.image?.filled['healthChecks'] !== undefined) checkedIndexes.add(desired.definition.healthChecks?.[0]?.portIndex ?? -1);
        const where = `seed ${SEED}, case ${n}.${k}, --traefik ${g.traefik}:\n${text}\nfilled: ${JSON.stringify(desired.definition)}`;
        const created = await call(sandbox, 'POST', '/v2/apps', desired.definition as never);
        expect(created.status, `Marathon refuses a filled app: ${created.text} (${where})`).toBe(201);
        const actual = (await call(sandbox, 'GET', `/v2/apps${desired.id}`)).json.app as MarathonApp;
        const action = planApp(desired, actual);
        expect(action.kind === 'update' ? action.changes : [], `phantom diff (${where})`).toEqual([]);
        expect(action.kind).toBe('noop');
        await call(sandbox, 'DELETE', `/v2/apps${desired.id}`);
      }
    }
    expect([...filledFields].sort()).toEqual(expect.arrayContaining(['container.portMappings', 'healthChecks', 'mem', 'networks']));
    // ports filled on both kinds of network that take them
    expect([...portNetworks].sort()).toEqual(['container', 'container/bridge']);
    expect(Math.max(...checkedIndexes), 'a check on a declared port after the first').toBeGreaterThan(0);
  });
});
