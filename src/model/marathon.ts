// Shapes of Marathon 1.5+ REST objects as maracker reads and writes them.
// Only the fields maracker reasons about are typed; everything else passes through
// untouched (`[key: string]: unknown`), because Marathon grows fields across releases and
// an app definition must round-trip without loss.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface MarathonPortMapping {
  containerPort?: number;
  hostPort?: number;
  servicePort?: number;
  protocol?: string;
  name?: string;
  labels?: Record<string, string>;
  networkNames?: string[];
  [key: string]: unknown;
}

export interface MarathonPortDefinition {
  port?: number;
  protocol?: string;
  name?: string;
  labels?: Record<string, string>;
  [key: string]: unknown;
}

export interface MarathonNetwork {
  mode?: 'container' | 'container/bridge' | 'host';
  name?: string;
  labels?: Record<string, string>;
  [key: string]: unknown;
}

export interface MarathonContainer {
  type?: 'DOCKER' | 'MESOS';
  docker?: {
    image: string;
    forcePullImage?: boolean;
    privileged?: boolean;
    parameters?: Array<{ key: string; value: string }>;
    [key: string]: unknown;
  };
  volumes?: Array<Record<string, unknown>>;
  portMappings?: MarathonPortMapping[];
  [key: string]: unknown;
}

export interface MarathonHealthCheck {
  protocol?: string;
  path?: string;
  portIndex?: number;
  port?: number;
  command?: { value: string };
  gracePeriodSeconds?: number;
  intervalSeconds?: number;
  timeoutSeconds?: number;
  maxConsecutiveFailures?: number;
  delaySeconds?: number;
  ignoreHttp1xx?: boolean;
  ipProtocol?: string;
  [key: string]: unknown;
}

/** An app definition as sent to `POST /v2/apps` or `PUT /v2/apps/{id}`. */
export interface MarathonAppDefinition {
  id: string;
  cmd?: string;
  args?: string[];
  instances?: number;
  cpus?: number;
  mem?: number;
  disk?: number;
  gpus?: number;
  env?: Record<string, string | { secret: string }>;
  labels?: Record<string, string>;
  container?: MarathonContainer;
  networks?: MarathonNetwork[];
  portDefinitions?: MarathonPortDefinition[];
  requirePorts?: boolean;
  healthChecks?: MarathonHealthCheck[];
  constraints?: string[][];
  dependencies?: string[];
  upgradeStrategy?: { minimumHealthCapacity?: number; maximumOverCapacity?: number };
  fetch?: Array<{ uri: string; executable?: boolean; extract?: boolean; cache?: boolean; destPath?: string }>;
  user?: string;
  [key: string]: unknown;
}

export interface MarathonTask {
  id: string;
  appId: string;
  host?: string;
  ports?: number[];
  state?: string;
  stagedAt?: string;
  startedAt?: string;
  version?: string;
  healthCheckResults?: Array<{ alive: boolean; [key: string]: unknown }>;
  [key: string]: unknown;
}

/** An app as returned by `GET /v2/apps` (AppInfo): the definition plus server-side state. */
export interface MarathonApp extends MarathonAppDefinition {
  version?: string;
  versionInfo?: { lastScalingAt?: string; lastConfigChangeAt?: string };
  tasksStaged?: number;
  tasksRunning?: number;
  tasksHealthy?: number;
  tasksUnhealthy?: number;
  deployments?: Array<{ id: string }>;
  tasks?: MarathonTask[];
  lastTaskFailure?: { message?: string; state?: string; timestamp?: string; [key: string]: unknown };
}

/**
 * The fields of an AppInfo that Marathon computes rather than stores from a definition: the
 * version stamps of every AppDefinition (AppConversion.appWriter), the task counts, and what
 * the `embed` values add (app.raml AppInfo; apps.raml `embed`). They are never part of what a
 * source declares, so the plan never compares them, and never sent back: `version` in a PUT
 * body makes Marathon roll the app back to that version instead of applying the body.
 * `tasksStats` is the AppInfo field of `embed=apps.taskStats` since 1.x (app.raml); `taskStats`
 * is how the 0.x changelog spelled it, kept so that an old server's answer is not compared.
 * One list, read by the client (src/marathon/definition.ts) and the plan (src/plan/normalize.ts);
 * the sandbox keeps its own on purpose, so that it cannot share a mistake with them.
 */
export const SERVER_ONLY_FIELDS = [
  'version',
  'versionInfo',
  'tasksStaged',
  'tasksRunning',
  'tasksHealthy',
  'tasksUnhealthy',
  'deployments',
  'tasks',
  'lastTaskFailure',
  'readinessCheckResults',
  'tasksStats',
  'taskStats',
] as const;

/** What every Marathon write returns: the deployment it started. */
export interface DeploymentRef {
  deploymentId: string;
  version: string;
}

export interface MarathonDeployment {
  id: string;
  version: string;
  affectedApps: string[];
  affectedPods?: string[];
  steps?: unknown[];
  currentActions?: Array<{ action: string; app?: string; [key: string]: unknown }>;
  currentStep?: number;
  totalSteps?: number;
  [key: string]: unknown;
}

/** One event from `/v2/events`, as parsed from its SSE `data:` line. */
export interface MarathonEvent {
  eventType: string;
  timestamp?: string;
  appId?: string;
  [key: string]: unknown;
}
