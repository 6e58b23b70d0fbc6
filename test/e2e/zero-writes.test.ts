// End-to-end: the real daemon over many resync passes writes each app once and then never
// again, for manifests across every field (test/fidelity/generate.ts) and those whose fields
// Marathon 1.10 rewrites. A phantom diff is a write on every pass: the MESOS_HTTP +
// ignoreHttp1xx manifest made 482 PUTs in 25 s, each one a deployment and a rolling restart on
// a real Marathon. Counted by the sandbox's request log after passes the daemon reports, never
// after a sleep.

import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { eventually, startDaemonProcess } from '../helpers/daemon-process.js';
import { gitRepo } from '../helpers/git-repo.js';
import { appWrites, describeWrites, sandbox } from '../helpers/sandbox.js';
import { generateApp, Random } from '../fidelity/generate.js';

const APPS = Number(process.env['MARACKER_FIDELITY_DAEMON_APPS'] ?? 24);
const PASSES = 8;

/** Apps whose fields Marathon 1.10 rewrites on the way in or prints otherwise on GET. */
const REWRITTEN = `apiVersion: maracker/v1
kind: App
metadata: {name: rewritten, group: fidelity}
spec:
  image: nginx:1.25
  instances: 1
  network: container            # no networkName: Marathon's --default_network_name
  ports: [{name: web, containerPort: 80}]
  healthChecks:
    - {protocol: MESOS_HTTP, port: web, delaySeconds: 3}
    - {protocol: HTTP}            # no port: the translation writes portIndex 0
    - {protocol: TCP, delaySeconds: 15}
    - {protocol: COMMAND, command: "true"}
  constraints: [[hostname, UNIQUE], [rack, CLUSTER], [hostname, UNIQUE]]
  dependencies: [db]
  upgradeStrategy: {minimumHealthCapacity: 0.5}
  fetch: [{uri: "https://example.org/run.sh"}]
  expose: {host: rewritten.localhost}
  marathon:
    readinessChecks: [{portName: web}]
    executorResources: {cpus: 0.2}
    unreachableStrategy: {expungeAfterSeconds: 60}
---
apiVersion: maracker/v1
kind: App
metadata: {name: command, group: fidelity}
spec:
  cmd: sleep 1000
  instances: 1
  network: bridge
  marathon:
    check: {tcp: {portIndex: 0}}
    requirePorts: false
`;

describe('the daemon over many resync passes', () => {
  it(`writes each of ${APPS + 2} apps once, then nothing in ${PASSES} passes`, { timeout: 180_000 }, async () => {
    const repo = await gitRepo();
    const r = new Random(7);
    const names: string[] = [];
    for (let n = 0; n < APPS; n++) {
      const g = generateApp(r, n);
      // a light load for a shared machine: one task at most
      const spec = { ...g.spec, instances: Math.min(g.spec.instances ?? 1, 1) };
      const metadata = { name: g.name, group: g.group, ...(g.labels ? { labels: g.labels } : {}) };
      await repo.write(`gen/${n}.yaml`, stringify({ apiVersion: 'maracker/v1', kind: 'App', metadata, spec }));
      names.push(`/${g.group}/${g.name}`);
    }
    await repo.write('rewritten.yaml', REWRITTEN);
    repo.commit('apps across every field');
    const marathon = await sandbox({ deploymentDurationMs: 20, defaultNetworkName: 'dcos' });
    // v2 labels: what the generator makes under any grammar is valid there
    const daemon = await startDaemonProcess({ marathonUrl: marathon.url, manifests: repo.manifests, args: ['--resync-interval', '1', '--traefik', 'v2'] });
    const total = APPS + 2;
    let notSynced: string[] = [];
    const status = await eventually(
      async () => {
        const s = await daemon.status();
        notSynced = s.apps.filter((a) => a.sync !== 'Synced').map((a) => `${a.id}: ${a.sync} ${a.lastError?.message ?? ''}`);
        return s.apps.length === total && notSynced.length === 0 ? s : undefined;
      },
      `all ${total} apps Synced`,
      120_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\nnot synced:\n${notSynced.join('\n')}`);
    });
    expect(status.apps.filter((a) => a.sync !== 'Synced')).toEqual([]);
    const writesBefore = appWrites(marathon).length;
    expect(describeWrites(appWrites(marathon))).toEqual(Array.from({ length: total }, () => 'POST /v2/apps'));

    const since = marathon.requestLog().at(-1)?.seq ?? 0;
    await daemon.afterPasses(PASSES, 120_000);
    const later = appWrites(marathon, undefined, since);
    expect(describeWrites(later), 'writes after every app was in sync').toEqual([]);
    expect(appWrites(marathon)).toHaveLength(writesBefore);
    expect(names).toHaveLength(APPS);
  });
});
