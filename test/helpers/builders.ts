// Builders for the shapes tests pass around. The defaults describe one app, /demo/web, from
// both sides: `desiredApp()` is what the manifest translator produces for it (only what the
// user wrote, plus labels), claimed for the installation TEST_INSTALLATION as the planner
// claims it, and `marathonApp()` is what Marathon 1.10 answers for that same app once that
// installation deployed it (defaults filled in, service port assigned, role and state
// attached). So `desiredApp()` against `marathonApp()` is in sync, and a test states only
// what differs.

import type { DesiredApp } from '../../src/model/desired.js';
import type { Installation } from '../../src/model/installation.js';
import { fileSourceLabel, LABEL_MANAGED_BY, LABEL_SOURCE, LABEL_SPEC_HASH, LEGACY_MANAGED_BY, managedByValue } from '../../src/model/labels.js';
import type { MarathonApp, MarathonAppDefinition } from '../../src/model/marathon.js';

export const DEMO_ID = '/demo/web';
export const DEMO_FILE = 'demo.yaml';
export const DEMO_SPEC_HASH = 'sha256:d0d0';

/** The installation the unit tests' daemon is. */
export const TEST_INSTALLATION = 'test';
export const TEST_INSTALLATION_OPTION: Installation = Object.freeze({ name: TEST_INSTALLATION, origin: 'option' });

/** maracker's ownership labels, as the installation TEST_INSTALLATION writes them. */
export function ownershipLabels(file = DEMO_FILE, specHash = DEMO_SPEC_HASH): Record<string, string> {
  return {
    [LABEL_MANAGED_BY]: managedByValue(TEST_INSTALLATION),
    [LABEL_SOURCE]: fileSourceLabel(file),
    [LABEL_SPEC_HASH]: specHash,
  };
}

/** The user's labels of /demo/web. */
export const DEMO_LABELS: Readonly<Record<string, string>> = Object.freeze({
  'traefik.enable': 'true',
  'traefik.http.routers.demo-web.rule': 'Host(`web.demo.example.org`)',
});

/** A translated definition: Docker, bridge network, one named port, one health check. */
export function appDefinition(overrides: Partial<MarathonAppDefinition> = {}): MarathonAppDefinition {
  return {
    id: DEMO_ID,
    container: {
      type: 'DOCKER',
      docker: { image: 'nginx:1.25' },
      portMappings: [{ containerPort: 80, name: 'http' }],
    },
    networks: [{ mode: 'container/bridge' }],
    cpus: 0.5,
    mem: 256,
    instances: 2,
    healthChecks: [{ protocol: 'MESOS_HTTP', path: '/health', portIndex: 0 }],
    labels: { ...DEMO_LABELS, ...ownershipLabels() },
    ...overrides,
  };
}

/** A desired app whose definition is `appDefinition(overrides)`; `meta` sets adopt, source, url. */
export function desiredApp(overrides: Partial<MarathonAppDefinition> = {}, meta: Partial<Omit<DesiredApp, 'id' | 'definition'>> = {}): DesiredApp {
  return desiredFrom(appDefinition(overrides), meta);
}

/** A desired app for exactly `definition` (none of /demo/web's fields). */
export function desiredFrom(definition: MarathonAppDefinition, meta: Partial<Omit<DesiredApp, 'id' | 'definition'>> = {}): DesiredApp {
  return {
    id: definition.id,
    source: { kind: 'file', path: DEMO_FILE, line: 1 },
    specHash: DEMO_SPEC_HASH,
    adopt: false,
    ...meta,
    definition,
  };
}

/** /demo/web as Marathon 1.10 returns it from `GET /v2/apps?embed=apps.tasks,apps.deployments`. */
export function marathonApp(overrides: Partial<MarathonApp> = {}): MarathonApp {
  const id = overrides.id ?? DEMO_ID;
  return {
    id,
    backoffFactor: 1.15,
    backoffSeconds: 1,
    container: {
      type: 'DOCKER',
      docker: { forcePullImage: false, image: 'nginx:1.25', parameters: [], privileged: false },
      volumes: [],
      portMappings: [{ containerPort: 80, hostPort: 0, labels: {}, name: 'http', protocol: 'tcp', servicePort: 10101 }],
    },
    cpus: 0.5,
    disk: 0,
    executor: '',
    healthChecks: [
      {
        gracePeriodSeconds: 300,
        intervalSeconds: 60,
        maxConsecutiveFailures: 3,
        path: '/health',
        portIndex: 0,
        protocol: 'MESOS_HTTP',
        ipProtocol: 'IPv4',
        timeoutSeconds: 20,
        delaySeconds: 15,
      },
    ],
    instances: 2,
    labels: { ...DEMO_LABELS, ...ownershipLabels() },
    maxLaunchDelaySeconds: 300,
    mem: 256,
    gpus: 0,
    networks: [{ mode: 'container/bridge' }],
    requirePorts: false,
    upgradeStrategy: { maximumOverCapacity: 1, minimumHealthCapacity: 1 },
    version: '2024-03-01T10:00:00.000Z',
    versionInfo: { lastScalingAt: '2024-03-01T10:00:00.000Z', lastConfigChangeAt: '2024-03-01T10:00:00.000Z' },
    killSelection: 'YOUNGEST_FIRST',
    unreachableStrategy: { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 },
    role: '*',
    tasksStaged: 0,
    tasksRunning: 2,
    tasksHealthy: 2,
    tasksUnhealthy: 0,
    deployments: [],
    tasks: [
      { id: `${id.slice(1).replaceAll('/', '_')}.1`, appId: id, host: '10.0.0.7', ports: [31001], state: 'TASK_RUNNING' },
      { id: `${id.slice(1).replaceAll('/', '_')}.2`, appId: id, host: '10.0.0.8', ports: [31002], state: 'TASK_RUNNING' },
    ],
    ...overrides,
  };
}

/** A Marathon app with the same definition but no maracker labels (someone else deployed it). */
export function unownedApp(overrides: Partial<MarathonApp> = {}): MarathonApp {
  return marathonApp({ labels: { ...DEMO_LABELS }, ...overrides });
}

/** /demo/web as a maracker before installations deployed it: `maracker.managed-by=maracker`. */
export function legacyApp(overrides: Partial<MarathonApp> = {}): MarathonApp {
  return marathonApp({ labels: { ...DEMO_LABELS, ...ownershipLabels(), [LABEL_MANAGED_BY]: LEGACY_MANAGED_BY }, ...overrides });
}

/** /demo/web as another installation deployed it. */
export function foreignApp(installation: string, overrides: Partial<MarathonApp> = {}): MarathonApp {
  return marathonApp({ labels: { ...DEMO_LABELS, ...ownershipLabels(), [LABEL_MANAGED_BY]: managedByValue(installation) }, ...overrides });
}

/** `app` with maracker's ownership labels added, as after maracker wrote or adopted it. */
export function owned<T extends MarathonAppDefinition>(app: T, file = DEMO_FILE, specHash = DEMO_SPEC_HASH): T {
  return { ...app, labels: { ...(app.labels ?? {}), ...ownershipLabels(file, specHash) } };
}
