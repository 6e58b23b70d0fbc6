// startSandbox: a server that behaves like Marathon 1.10 over HTTP, for developing, testing and
// benchmarking maracker without a Mesos cluster. See engine.ts for the semantics, server.ts for
// the HTTP front, admin.ts for the /sandbox/ API mirrored by the in-process methods below.

import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject, MarathonApp, MarathonAppDefinition, MarathonDeployment, MarathonEvent } from '../model/marathon.js';
import { silentLogger, type Logger } from '../base/log.js';
import { AppsApi, type ApiRequest } from './api-apps.js';
import { GroupsApi } from './api-groups.js';
import { MiscApi } from './api-misc.js';
import { PodsApi } from './api-pods.js';
import { handleAdmin, type SandboxConfig } from './admin.js';
import { DeploymentManager } from './deployments.js';
import { Engine, type AppRecord, type Embed } from './engine.js';
import { SandboxOptionsError } from './errors.js';
import { EventBus } from './events.js';
import { ExecRuntime } from './exec-runtime.js';
import { Faults, type Fault, type FaultSpec } from './faults.js';
import { PortPool, type PortRange } from './ports.js';
import { RequestLog, type RequestLogEntry } from './request-log.js';
import type { TaskRuntime } from './runtime.js';
import { loadSeed } from './seed.js';
import { SandboxServer } from './server.js';
import { preloadApp, seededTask } from './preload.js';
import { SimRuntime, type SimAgent } from './sim-runtime.js';
import { systemClock, VersionStamper, type Clock } from './time.js';

export interface SandboxOptions {
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Port to listen on; 0 picks a free one (default 0). */
  port?: number;
  /** How long a deployment takes at least, in ms (default 1000). */
  deploymentDurationMs?: number;
  /**
   * How long each write (POST/PUT/PATCH/DELETE under /v2/apps, /v2/groups, /v2/deployments,
   * /v2/pods) takes to answer, in ms; writes are answered one after another and take effect
   * when answered, as Marathon's root group updates (default 0: at once).
   */
  writeLatencyMs?: number;
  /** Run apps that have a cmd and no container as local processes (default false). */
  exec?: boolean;
  /** A GET /v2/apps response to serve verbatim. */
  seedFile?: string;
  /** Work dir for --exec task sandboxes and logs (default: a temporary dir, logs discarded). */
  workDir?: string;
  /** Marathon's --max_running_deployments (default 100). */
  maxRunningDeployments?: number;
  /** Marathon's --local_port_min/--local_port_max (default 10000-20000). */
  servicePortRange?: PortRange;
  /** Ports the simulated agent offers (default 31000-32000, the Mesos agent default). */
  hostPortRange?: PortRange;
  /** Seed of the fault-injection PRNG (default 1). */
  randomSeed?: number;
  /** Host name tasks report (default 127.0.0.1). */
  agentHost?: string;
  /**
   * Simulated Mesos agents, each offering hostPortRange (default 1). Tasks go to the first agent
   * with the ports they need; the first reports agentHost, the others unresolvable names
   * (agent-2.sandbox.invalid, ...): nothing runs behind a simulated task anyway. More than one
   * is for fleets whose tasks need more host ports than one agent has (30,000 apps).
   */
  agents?: number;
  /**
   * Tasks the simulated cluster holds at once, all apps together, those waiting for an offer
   * included (default 50,000; 256 with exec, each task a process). Beyond it an app's other
   * instances wait in the launch queue (GET /v2/queue), as on a cluster without the resources
   * to place them, and its deployment does not finish: an app asking for a billion instances
   * waits, where it would otherwise take the process's memory (or its process table).
   */
  maxTasks?: number;
  /** Base environment of --exec tasks (default: PATH only). */
  taskEnv?: Record<string, string>;
  /** SIGTERM-to-SIGKILL grace of --exec tasks without taskKillGracePeriodSeconds (default 3000). */
  killGraceMs?: number;
  /** SSE heartbeat period (default 10000, Jetty's EventSourceServlet). */
  heartbeatMs?: number;
  /** Request log entries kept (default 100000). */
  requestLogLimit?: number;
  /** Marathon's --default_network_name: the name of a container network that names none (default: none, so such an app is refused). */
  defaultNetworkName?: string;
  /** Marathon's --enable_features, e.g. ['secrets', 'gpu_resources'] (default: none, as Marathon). */
  features?: readonly string[];
  clock?: Clock;
  logger?: Logger;
}

export interface ResolvedSandboxOptions {
  readonly host: string;
  readonly port: number;
  readonly deploymentDurationMs: number;
  readonly writeLatencyMs: number;
  readonly exec: boolean;
  readonly seedFile: string | undefined;
  readonly workDir: string | undefined;
  readonly maxRunningDeployments: number;
  readonly servicePortRange: PortRange;
  readonly hostPortRange: PortRange;
  readonly randomSeed: number;
  readonly agentHost: string;
  readonly agents: number;
  readonly maxTasks: number;
  readonly taskEnv: Readonly<Record<string, string>>;
  readonly killGraceMs: number;
  readonly heartbeatMs: number;
  readonly requestLogLimit: number;
  readonly defaultNetworkName: string | undefined;
  readonly features: readonly string[];
}

export interface SandboxFaults {
  add(spec: FaultSpec): Fault;
  remove(id: string): boolean;
  clear(): void;
  list(): Fault[];
  reseed(seed: number): void;
}

export interface Sandbox {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly options: ResolvedSandboxOptions;
  readonly faults: SandboxFaults;
  /** Stops serving, kills every task process, resolves when all is gone. */
  close(): Promise<void>;
  requestLog(since?: number): RequestLogEntry[];
  clearRequestLog(): void;
  /** Every app as GET /v2/apps?embed=apps.tasks&embed=apps.lastTaskFailure shows it. */
  apps(): MarathonApp[];
  app(id: string): MarathonApp | undefined;
  deployments(): MarathonDeployment[];
  /** Observes every published event; returns the unsubscribe function. */
  onEvent(listener: (event: MarathonEvent) => void): () => void;
  config(): SandboxConfig;
  setDeploymentDuration(ms: number): void;
  setMaxRunningDeployments(n: number): void;
  /** Drops every app, task and deployment. */
  reset(): Promise<void>;
  /** Adds apps that are already deployed and running (no deployment, no events). */
  preload(definitions: readonly MarathonAppDefinition[]): void;
  /** Resolves once no deployment runs; rejects after timeoutMs. */
  waitForDeployments(timeoutMs?: number): Promise<void>;
  /** Pids of live child processes: --exec task process groups first, the reaper last. */
  pids(): number[];
}

function checkRange(name: string, r: PortRange | undefined, problems: string[]): void {
  if (r === undefined) return;
  if (!Number.isInteger(r.min) || !Number.isInteger(r.max) || r.min < 1 || r.max > 65535 || r.min > r.max) {
    problems.push(`${name}: expected integers 1 <= min <= max <= 65535, got ${JSON.stringify(r)}`);
  }
}

function nonNegative(name: string, v: number | undefined, problems: string[], min = 0): void {
  if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < min))
    problems.push(`${name}: expected a number from ${min} and up, got ${JSON.stringify(v)}`);
}

export function resolveOptions(options: SandboxOptions): ResolvedSandboxOptions {
  const problems: string[] = [];
  nonNegative('port', options.port, problems);
  if (options.port !== undefined && (!Number.isInteger(options.port) || options.port > 65535))
    problems.push(`port: expected an integer from 0 to 65535, got ${options.port}`);
  nonNegative('deploymentDurationMs', options.deploymentDurationMs, problems);
  nonNegative('writeLatencyMs', options.writeLatencyMs, problems);
  nonNegative('agents', options.agents, problems, 1);
  if (options.agents !== undefined && !Number.isInteger(options.agents)) problems.push(`agents: expected an integer from 1 and up, got ${options.agents}`);
  nonNegative('maxRunningDeployments', options.maxRunningDeployments, problems, 1);
  nonNegative('maxTasks', options.maxTasks, problems, 1);
  if (options.maxTasks !== undefined && !Number.isInteger(options.maxTasks))
    problems.push(`maxTasks: expected an integer from 1 and up, got ${options.maxTasks}`);
  nonNegative('killGraceMs', options.killGraceMs, problems);
  nonNegative('heartbeatMs', options.heartbeatMs, problems, 1);
  nonNegative('requestLogLimit', options.requestLogLimit, problems, 1);
  checkRange('servicePortRange', options.servicePortRange, problems);
  checkRange('hostPortRange', options.hostPortRange, problems);
  if (options.defaultNetworkName !== undefined && !/^[a-z0-9]([-a-z0-9_]*[a-z0-9])?$/.test(options.defaultNetworkName)) {
    problems.push(`defaultNetworkName: expected a network name (lowercase letters, digits, '-' and '_'), got ${JSON.stringify(options.defaultNetworkName)}`);
  }
  for (const feature of options.features ?? []) {
    if (!KNOWN_FEATURES.includes(feature)) problems.push(`features: expected some of ${KNOWN_FEATURES.join(', ')}, got ${JSON.stringify(feature)}`);
  }
  if (problems.length > 0) throw new SandboxOptionsError(problems);
  return Object.freeze({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    deploymentDurationMs: options.deploymentDurationMs ?? 1000,
    writeLatencyMs: options.writeLatencyMs ?? 0,
    exec: options.exec ?? false,
    seedFile: options.seedFile,
    workDir: options.workDir,
    maxRunningDeployments: options.maxRunningDeployments ?? 100,
    servicePortRange: options.servicePortRange ?? { min: 10000, max: 20000 },
    hostPortRange: options.hostPortRange ?? { min: 31000, max: 32000 },
    randomSeed: options.randomSeed ?? 1,
    agentHost: options.agentHost ?? '127.0.0.1',
    agents: options.agents ?? 1,
    maxTasks: options.maxTasks ?? (options.exec === true ? 256 : 50_000),
    taskEnv: Object.freeze({ ...(options.taskEnv ?? { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' }) }),
    killGraceMs: options.killGraceMs ?? 3000,
    heartbeatMs: options.heartbeatMs ?? 10000,
    requestLogLimit: options.requestLogLimit ?? 100000,
    defaultNetworkName: options.defaultNetworkName,
    features: Object.freeze([...new Set(options.features ?? [])]),
  });
}

/** Marathon 1.10's --enable_features values (Features.scala). */
const KNOWN_FEATURES = ['vips', 'task_killing', 'external_volumes', 'secrets', 'gpu_resources', 'maintenance_mode'];

const SNAPSHOT_EMBED: ReadonlySet<Embed> = new Set<Embed>(['counts', 'deployments', 'tasks', 'lastTaskFailure']);

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const opts = resolveOptions(options);
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger();
  const stamper = new VersionStamper(clock);
  let deploymentDurationMs = opts.deploymentDurationMs;
  let maxRunningDeployments = opts.maxRunningDeployments;
  const events = new EventBus({ clock, heartbeatMs: opts.heartbeatMs, timestamp: () => stamper.timestamp() });
  const agentIdBase = randomUUID();
  const engine = new Engine({
    clock,
    stamper,
    events,
    logger,
    servicePortRange: opts.servicePortRange,
    agentHost: opts.agentHost,
    slaveId: `${agentIdBase}-S0`,
    deploymentDurationMs: () => deploymentDurationMs,
    maxRunningDeployments: () => maxRunningDeployments,
    maxTasks: opts.maxTasks,
    appConfig: { defaultNetworkName: opts.defaultNetworkName, features: new Set(opts.features) },
  });
  const agents: SimAgent[] = Array.from({ length: opts.agents }, (_, k) => ({
    host: k === 0 ? opts.agentHost : `agent-${k + 1}.sandbox.invalid`,
    slaveId: `${agentIdBase}-S${k}`,
    ports: new PortPool(opts.hostPortRange),
  }));
  const sim = new SimRuntime(
    clock,
    engine.tasks.hooks,
    agents,
    () => ({ stagingMs: deploymentDurationMs * 0.4, healthyMs: deploymentDurationMs * 0.3, killMs: deploymentDurationMs * 0.2 }),
    () => stamper.timestamp(),
  );

  let exec: ExecRuntime | undefined;
  let tempWorkDir: string | undefined;
  if (opts.exec) {
    const workDir = opts.workDir ?? (tempWorkDir = await mkdtemp(join(tmpdir(), 'maracker-sandbox-')));
    exec = new ExecRuntime({
      clock,
      hooks: engine.tasks.hooks,
      timestamp: () => stamper.timestamp(),
      workDir,
      keepLogs: opts.workDir !== undefined,
      scratchWorkDir: tempWorkDir !== undefined,
      baseEnv: { ...opts.taskEnv },
      defaultKillGraceMs: opts.killGraceMs,
      logger,
    });
  }
  // only apps with a cmd and no container really run; containers stay simulated even with --exec
  engine.tasks.runtimeFor = (def): TaskRuntime => (exec && typeof def.cmd === 'string' && def.container === undefined ? exec : sim);

  if (opts.seedFile) {
    for (const app of await loadSeed(opts.seedFile)) {
      const id = String(app.json.id);
      const tasks = (Array.isArray(app.json.tasks) ? (app.json.tasks as JsonObject[]) : []).map((t) => seededTask(t, id));
      engine.addSeeded(app.raw, app.json, tasks, sim);
    }
  }

  const faults = new Faults(opts.randomSeed);
  const log = new RequestLog(opts.requestLogLimit);
  const frameworkId = `${randomUUID()}-0000`;
  let leader = `${opts.host}:${opts.port}`;
  const appsApi = new AppsApi(engine);
  const podsApi = new PodsApi(engine);
  const groupsApi = new GroupsApi(engine, podsApi);
  const miscApi = new MiscApi(engine, {
    podCount: () => podsApi.size,
    startedAt: clock.now(),
    now: () => clock.now(),
    leader: () => leader,
    frameworkId,
    servicePortRange: opts.servicePortRange,
    defaultNetworkName: opts.defaultNetworkName,
    features: opts.features,
  });

  const snapshot = (record: AppRecord): MarathonApp => JSON.parse(engine.appInfo(record, SNAPSHOT_EMBED)) as MarathonApp;

  const reset = async (): Promise<void> => {
    engine.reset();
    podsApi.reset();
  };

  const config = (): SandboxConfig => ({ deploymentDurationMs, maxRunningDeployments });
  const configure = (changes: Partial<SandboxConfig>): SandboxConfig => {
    const problems: string[] = [];
    nonNegative('deploymentDurationMs', changes.deploymentDurationMs, problems);
    nonNegative('maxRunningDeployments', changes.maxRunningDeployments, problems, 1);
    if (problems.length > 0) throw new SandboxOptionsError(problems);
    if (changes.deploymentDurationMs !== undefined) deploymentDurationMs = changes.deploymentDurationMs;
    if (changes.maxRunningDeployments !== undefined) maxRunningDeployments = changes.maxRunningDeployments;
    return config();
  };
  const pids = (): number[] => exec?.pids() ?? [];

  const faultsApi: SandboxFaults = {
    add: (spec) => faults.add(spec),
    remove: (id) => faults.remove(id),
    clear: () => faults.clear(),
    list: () => faults.list(),
    reseed: (seed) => faults.reseed(seed),
  };

  const server = new SandboxServer({
    clock,
    logger,
    log,
    faults,
    timestamp: () => stamper.timestamp(),
    maxRunningDeployments: () => maxRunningDeployments,
    writeLatencyMs: () => opts.writeLatencyMs,
    api: (req: ApiRequest) => appsApi.handle(req) ?? appsApi.handleTasks(req) ?? groupsApi.handle(req) ?? podsApi.handle(req) ?? miscApi.handle(req),
    events: (req, res, types, remote) => events.attach(req, res, types, remote),
    admin: (req) =>
      handleAdmin(req, {
        requestLog: (since) => log.since(since),
        clearRequestLog: () => log.clear(),
        faults: faultsApi,
        reset,
        config,
        configure,
        pids,
      }),
  });
  const address = await server.listen(opts.host, opts.port);
  leader = `${address.host}:${address.port}`;
  const url = `http://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
  logger.info({ url, exec: opts.exec }, 'sandbox listening');

  let closing: Promise<void> | undefined;
  const sandbox: Sandbox = {
    url,
    host: address.host,
    port: address.port,
    options: { ...opts, port: address.port },
    faults: faultsApi,
    close: () =>
      (closing ??= (async () => {
        engine.beginClose();
        events.closeAll();
        await server.close();
        await sim.close();
        await exec?.close();
        if (tempWorkDir) await rm(tempWorkDir, { recursive: true, force: true });
      })()),
    requestLog: (since) => log.since(since),
    clearRequestLog: () => log.clear(),
    apps: () => engine.sortedApps().map(snapshot),
    app: (id) => {
      const record = engine.apps.get(id);
      return record ? snapshot(record) : undefined;
    },
    deployments: () => engine.deployments.list().map((d) => DeploymentManager.json(d) as unknown as MarathonDeployment),
    onEvent: (listener) => events.listen((e) => listener(e as MarathonEvent)),
    config,
    setDeploymentDuration: (ms) => void configure({ deploymentDurationMs: ms }),
    setMaxRunningDeployments: (n) => void configure({ maxRunningDeployments: n }),
    reset,
    preload: (definitions) => {
      for (const definition of definitions) preloadApp(engine, sim, stamper, clock, definition);
    },
    waitForDeployments: (timeoutMs = 30000) =>
      new Promise<void>((resolve, reject) => {
        const deadline = Date.now() + timeoutMs;
        const poll = (): void => {
          if (engine.deployments.size === 0) resolve();
          else if (Date.now() > deadline) reject(new Error(`deployments still running after ${timeoutMs} ms`));
          else setTimeout(poll, 10);
        };
        poll();
      }),
    pids,
  };
  return sandbox;
}
