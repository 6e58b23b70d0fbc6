// CPU time of one full plan: 10,000 declared apps against the 10,000 Marathon returns, the
// size of a resync on a large cluster. Goal (issue 2): at most 250 ms, so a resync never
// holds the event loop long enough to stall the status endpoint or the event stream.
//
// The apps are realistic: Docker apps on bridge networks and command apps on host
// networking, named ports, health checks, Traefik and ownership labels, env, constraints;
// Marathon's side has every default printed, service ports assigned, sets reordered, task
// state embedded. 1% of the apps drifted (image, instances or a hand edit). The bench checks
// that the plan finds exactly those, so a fast wrong answer cannot pass.
//
// Run: npm run build && node dist/bench/plan.js

import { pathToFileURL } from 'node:url';
import type { DesiredApp } from '../src/model/desired.js';
import { fileSourceLabel, LABEL_MANAGED_BY, LABEL_SOURCE, LABEL_SPEC_HASH, LEGACY_MANAGED_BY } from '../src/model/labels.js';
import type { MarathonApp, MarathonAppDefinition } from '../src/model/marathon.js';
import { plan } from '../src/plan/plan.js';
import { median, type BenchRecord } from './record.js';

const APPS = 10_000;
const DRIFT_EVERY = 100; // 1%
const WARMUP_RUNS = 3;
const MEASURED_RUNS = 7;

interface Fleet {
  desired: DesiredApp[];
  actual: MarathonApp[];
  drifted: number;
}

function labelsOf(i: number, name: string): Record<string, string> {
  return {
    'traefik.enable': 'true',
    [`traefik.http.routers.${name}.rule`]: `Host(\`${name}.mip.example.org\`)`,
    [`traefik.http.services.${name}.loadbalancer.server.port`]: '8080',
    team: `team-${i % 17}`,
    [LABEL_MANAGED_BY]: LEGACY_MANAGED_BY,
    [LABEL_SOURCE]: fileSourceLabel(`apps/${name}.yaml`),
    [LABEL_SPEC_HASH]: `sha256:${(i * 2654435761).toString(16)}`,
  };
}

/** What the translator produces: only user fields plus labels. */
function declared(i: number): MarathonAppDefinition {
  const name = `app-${String(i).padStart(5, '0')}`;
  const id = `/mip/group-${i % 50}/${name}`;
  const common = {
    id,
    instances: 1 + (i % 3),
    cpus: 0.25,
    mem: 512,
    env: { LOG_LEVEL: 'info', APP_NAME: name },
    labels: labelsOf(i, name),
    ...(i % 5 === 0
      ? {
          constraints: [
            ['hostname', 'UNIQUE'],
            ['rack', 'GROUP_BY', '3'],
          ],
        }
      : {}),
  };
  if (i % 10 < 7) {
    return {
      ...common,
      container: {
        type: 'DOCKER',
        docker: { image: `registry.example.org/mip/${name}:1.${i % 9}` },
        portMappings: [
          { containerPort: 8080, name: 'http' },
          { containerPort: 9090, name: 'metrics' },
        ],
      },
      networks: [{ mode: 'container/bridge' }],
      healthChecks: [
        { protocol: 'MESOS_HTTP', path: '/health', portIndex: 0, gracePeriodSeconds: 60 },
        { protocol: 'MESOS_TCP', portIndex: 1 },
      ],
    };
  }
  return {
    ...common,
    cmd: `python3 -m http.server $PORT0 --directory /srv/${name}`,
    portDefinitions: [{ port: 0, name: 'http' }],
    healthChecks: [{ protocol: 'HTTP', path: '/', portIndex: 0 }],
    fetch: [{ uri: `https://artifacts.example.org/${name}.tgz` }],
  };
}

/** Marathon 1.10's answer for a declared app: defaults printed, ports assigned, state attached. */
function deployed(def: MarathonAppDefinition, i: number): MarathonApp {
  const servicePort = 10_000 + 2 * i;
  const bridge = def.container !== undefined;
  const app: MarathonApp = {
    ...def,
    backoffFactor: 1.15,
    backoffSeconds: 1,
    maxLaunchDelaySeconds: 300,
    disk: 0,
    gpus: 0,
    executor: '',
    requirePorts: false,
    killSelection: 'YOUNGEST_FIRST',
    unreachableStrategy: { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 },
    upgradeStrategy: { maximumOverCapacity: 1, minimumHealthCapacity: 1 },
    role: 'mip',
    networks: def.networks ?? [{ mode: 'host' }],
    constraints: def.constraints ? [...def.constraints].reverse() : undefined,
    healthChecks: [...(def.healthChecks ?? [])].reverse().map((hc) => ({
      gracePeriodSeconds: 300,
      intervalSeconds: 60,
      timeoutSeconds: 20,
      maxConsecutiveFailures: 3,
      delaySeconds: 15,
      ipProtocol: 'IPv4',
      ...hc,
      ...(hc.protocol === 'HTTP' ? { ignoreHttp1xx: false } : {}),
    })),
    version: '2024-05-01T12:00:00.000Z',
    versionInfo: { lastScalingAt: '2024-05-01T12:00:00.000Z', lastConfigChangeAt: '2024-05-01T12:00:00.000Z' },
    tasksStaged: 0,
    tasksRunning: def.instances ?? 1,
    tasksHealthy: def.instances ?? 1,
    tasksUnhealthy: 0,
    deployments: [],
    tasks: Array.from({ length: def.instances ?? 1 }, (_, t) => ({
      id: `${def.id.slice(1).replaceAll('/', '_')}.${t}`,
      appId: def.id,
      host: `10.0.${i % 250}.${t + 1}`,
      ports: [31000 + t, 32000 + t],
      state: 'TASK_RUNNING',
      healthCheckResults: [{ alive: true }],
    })),
  };
  if (bridge) {
    app.container = {
      ...def.container,
      docker: { forcePullImage: false, privileged: false, parameters: [], ...def.container?.docker, image: def.container!.docker!.image },
      volumes: [],
      portMappings: (def.container?.portMappings ?? []).map((m, p) => ({
        hostPort: 0,
        protocol: 'tcp',
        labels: {},
        ...m,
        servicePort: servicePort + p,
      })),
    };
  } else {
    app.portDefinitions = (def.portDefinitions ?? []).map((d, p) => ({ protocol: 'tcp', labels: {}, ...d, port: servicePort + p }));
    app.fetch = (def.fetch ?? []).map((f) => ({ extract: true, executable: false, cache: false, ...f }));
  }
  return app;
}

/** One of three kinds of drift: a new image, a new instance count, a hand edit. */
function drift(app: MarathonApp, i: number): MarathonApp {
  switch ((i / DRIFT_EVERY) % 3) {
    case 0:
      return { ...app, instances: (app.instances ?? 1) + 1 };
    case 1:
      return { ...app, backoffSeconds: 30 };
    default:
      return { ...app, labels: { ...app.labels, team: 'someone-else' } };
  }
}

export function buildFleet(count = APPS): Fleet {
  const desired: DesiredApp[] = [];
  const actual: MarathonApp[] = [];
  let drifted = 0;
  for (let i = 0; i < count; i++) {
    const definition = declared(i);
    desired.push({
      id: definition.id,
      source: { kind: 'file', path: `apps/app-${i}.yaml`, line: 1 },
      definition,
      specHash: definition.labels?.[LABEL_SPEC_HASH] ?? '',
      adopt: false,
    });
    const app = deployed(definition, i);
    if (i % DRIFT_EVERY === 0) {
      actual.push(drift(app, i));
      drifted++;
    } else {
      actual.push(app);
    }
  }
  // Marathon lists apps in its own order.
  actual.reverse();
  return { desired, actual, drifted };
}

function cpuMs(run: () => void): number {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

export async function benchPlan(): Promise<BenchRecord[]> {
  const fleet = buildFleet();
  const check = plan(fleet.desired, fleet.actual);
  const updates = check.actions.filter((a) => a.kind === 'update').length;
  const noops = check.actions.filter((a) => a.kind === 'noop').length;
  if (updates !== fleet.drifted || noops !== APPS - fleet.drifted) {
    throw new Error(`plan found ${updates} updates and ${noops} noops, expected ${fleet.drifted} and ${APPS - fleet.drifted}`);
  }
  for (let r = 0; r < WARMUP_RUNS; r++) plan(fleet.desired, fleet.actual);
  const samples: number[] = [];
  for (let r = 0; r < MEASURED_RUNS; r++) samples.push(cpuMs(() => plan(fleet.desired, fleet.actual)));
  const params = { desired: APPS, actual: APPS, drifted: fleet.drifted, runs: MEASURED_RUNS, warmup: WARMUP_RUNS };
  return [
    { name: 'plan.cpu_ms', value: round(median(samples)), unit: 'ms', params, goal: { op: '<=', value: 250 } },
    { name: 'plan.cpu_ms.max', value: round(Math.max(...samples)), unit: 'ms', params },
  ];
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const records = await benchPlan();
  for (const r of records) {
    const goal = r.goal ? `  (goal ${r.goal.op} ${r.goal.value} ${r.unit})` : '';
    console.log(`${r.name}: ${r.value} ${r.unit}${goal}  ${JSON.stringify(r.params)}`);
  }
}
