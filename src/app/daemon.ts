// Assembles the daemon from a validated configuration: status first (so /status and
// /healthz answer within a second even when Marathon and the database are down), then the
// Marathon client, the sources and the controller.

import { tmpdir } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { configSecrets, marathonClientOptions, type DaemonConfig } from '../config/daemon.js';
import { derivedInstallation } from '../config/installation.js';
import { MarackerError } from '../base/errors.js';
import { createLogger, type Logger } from '../base/log.js';
import { INLINE_PARSER, type InputParser } from '../manifest/input-parser.js';
import { createRegistryClient } from './registry-client.js';
import { ImageMetadata } from '../sources/image-metadata.js';
import { MarathonClient } from '../marathon/client.js';
import { createScrubber } from '../secrets/scrubber.js';
import type { Installation } from '../model/installation.js';
import type { Role } from '../model/status.js';
import { Controller, type ControllerObserver } from '../reconcile/controller.js';
import { ALWAYS_LEADER, type Leadership } from '../model/leadership.js';
import type { PruneLedger } from '../prune/ledger.js';
import { FolderSource } from '../sources/folder.js';
import { GitSource } from '../sources/git-repo.js';
import { GitHook } from '../status/git-hook.js';
import { GitMirror } from '../git/mirror.js';
import { SshReuse } from '../git/ssh-reuse.js';
import { passwordFileCredentials } from '../git/password-file.js';
import type { Source } from '../sources/source.js';
import { createDaemonMetrics, type DaemonMetrics } from '../status/daemon-metrics.js';
import { metricsObserver } from '../status/metrics-observer.js';
import { startStatusServer, type StatusServer } from '../status/server.js';
import { StatusStore } from '../status/store.js';
import { RouteMemory } from '../status/route-memory.js';
import { systemTimers } from '../base/timers.js';
import { VERSION } from '../base/version.js';

/**
 * The folder's watcher starts at the first full sync, or this long after start at the latest:
 * until it runs, a change to a file is seen only by a full read (the first sync re-reads the
 * sources when it begins late, src/reconcile/controller.ts), so a long first sync (thousands
 * of creates) would otherwise write what files said when it began.
 */
const WATCH_AT_LATEST_MS = 5000;

export interface DaemonExtras {
  logger?: Logger;
  /** Extra sources (the database source is added by its own module). */
  sources?: Source[];
  leadership?: Leadership;
  role?: Role;
  /** The installation stored in the database, when no --installation is given. */
  installation?: Promise<Installation | undefined>;
  /** Extra hooks (the safety harness). */
  observer?: Partial<ControllerObserver>;
  /** Where manifest files are parsed (a worker pool for large ones). Default: in this thread. */
  parser?: InputParser;
  /** Where the prune guard keeps the deletions it counts (the database's). Default: memory only. */
  pruneLedger?: PruneLedger;
  /** Writes a row's instances (the dashboard's actions on database apps). Default: none (503). */
  setRowInstances?: (id: string, instances: number) => Promise<boolean>;
  /** Called once the daemon stops, to release what the extras started. */
  onStop?: () => Promise<void>;
}

export interface Daemon {
  readonly config: DaemonConfig;
  readonly status: StatusStore;
  readonly metrics: DaemonMetrics;
  readonly controller: Controller;
  readonly statusServer: StatusServer;
  readonly marathon: MarathonClient;
  readonly logger: Logger;
  /** Stops triggers and sources, lets in-flight work finish within the deadline. */
  stop(): Promise<void>;
}

/**
 * --installation when given; else the name stored in the database; else one derived from the
 * manifests folder and the Marathon URL, which a second installation could share by accident:
 * say so at every start.
 */
function resolveInstallation(config: DaemonConfig, extras: DaemonExtras, logger: Logger): Installation | Promise<Installation | undefined> {
  if (config.installation !== null) {
    const named: Installation = { name: config.installation, origin: 'option' };
    logger.info({ installation: named.name }, `installation "${named.name}" (--installation)`);
    return named;
  }
  if (extras.installation) return extras.installation;
  const derived = derivedInstallation(config.manifests ?? config.git?.remote.display ?? '', config.marathon.url);
  logger.warn(
    { installation: derived.name, manifests: config.manifests, marathon: config.marathon.url },
    `installation "${derived.name}", derived from the manifests folder and the Marathon URL: set --installation (MARACKER_INSTALLATION) to a name of your own, so that it survives moving either and cannot match another installation's on this Marathon`,
  );
  return derived;
}

export async function startDaemon(config: DaemonConfig, extras: DaemonExtras = {}): Promise<Daemon> {
  // Secrets leave by no door: logs, status records (and so app_status and metrics), HTTP replies.
  const scrubber = createScrubber(configSecrets(config));
  const logger = extras.logger ?? createLogger({ level: config.logLevel, format: config.logFormat, scrubber });
  const status = new StatusStore({ instance: config.instance, marathonUrl: config.marathon.url, role: extras.role ?? 'standalone', scrubber });
  const metrics = createDaemonMetrics({
    store: status,
    processMetrics: true,
    onProbeError: (metric, err) => logger.debug({ metric, err }, 'metric probe failed'),
  });

  let controller: Controller | undefined;
  const setRow = extras.setRowInstances;
  // Made after the status server, which the webhook reaches it through.
  let gitSource: GitSource | undefined;
  const statusServer = await startStatusServer({
    host: config.listen.host,
    port: config.listen.port,
    store: status,
    metrics,
    token: config.statusToken,
    scrubber,
    limits: config.statusLimits,
    traefikV3: config.traefik === 'v3',
    traefikToken: config.traefikToken,
    ...(config.git?.webhookSecret ? { gitHook: new GitHook({ secret: config.git.webhookSecret, trigger: () => void gitSource?.sync() }) } : {}),
    approvePrune: (request) => {
      // Approvals live in the memory of the daemon that deletes: the leader.
      if (status.role === 'follower')
        throw new MarackerError('MRK_NOT_LEADER', 'this daemon is a follower: approve on the leader (see role in GET /status of each daemon)');
      return controller?.approvePrune(request) ?? { approved: [], episode: null, message: 'the daemon is still starting' };
    },
    requestSync: (request) => {
      if (status.role === 'follower')
        throw new MarackerError('MRK_NOT_LEADER', 'this daemon is a follower: ask the leader to sync (see role in GET /status of each daemon)');
      return controller?.requestSync(request.apps, request.by) ?? { queued: [], unknown: [], message: 'the daemon is still starting' };
    },
    ...(setRow ? { setRowInstances: ({ id, instances }) => setRow(id, instances) } : {}),
    maxInstances: config.limits.maxInstances,
    logger: logger.child({ component: 'status' }),
    readyCheck: () =>
      status.stopping
        ? { ready: false, message: 'shutting down' }
        : controller?.began
          ? { ready: true }
          : { ready: false, message: 'waiting for sources and Marathon' },
  });

  const marathon = new MarathonClient({
    ...marathonClientOptions(config.marathon),
    logger: logger.child({ component: 'marathon' }),
    onRequest: metrics.recordMarathonRequest,
    // Names this daemon in Marathon's access log (and in the sandbox's request log).
    userAgent: `maracker/${VERSION} (instance ${config.instance.replace(/[^\x20-\x7e]/g, '_')})`,
  });

  // The folder's watcher starts after the first full sync (its walk would delay it), or at
  // the latest WATCH_AT_LATEST_MS after start (a long first sync, or one that waits for
  // Marathon, the database or leadership).
  let firstSyncDone = (): void => undefined;
  const firstSync = new Promise<void>((resolve) => {
    firstSyncDone = resolve;
  });
  const watchAfter = Promise.race([firstSync, delay(WATCH_AT_LATEST_MS, undefined, { ref: false })]);

  const sources: Source[] = [];
  if (config.manifests !== null) {
    sources.push(
      new FolderSource({
        watchAfter,
        dir: config.manifests,
        // Status names files relative to the manifests folder, as the maracker.source label does.
        displayRoot: '',
        translate: { traefik: config.traefik },
        limits: config.limits,
        parser: extras.parser ?? INLINE_PARSER,
        settleMs: config.settleMs,
        git: { env: config.gitEnv, uid: process.geteuid?.() },
        logger,
      }),
    );
  }
  if (config.git !== null) {
    const g = config.git;
    const sshReuse = g.sshReuseMs > 0 ? await SshReuse.create({ maxAgeMs: g.sshReuseMs, env: config.gitEnv }) : undefined;
    if (g.sshReuseMs > 0 && sshReuse === undefined)
      logger.warn({ tmpdir: tmpdir() }, 'the temporary folder is not a short plain path: every ssh fetch logs in (no shared connection)');
    gitSource = new GitSource({
      mirror: new GitMirror({
        dir: g.cloneDir,
        remote: g.remote,
        ref: g.ref,
        env: config.gitEnv,
        ...(g.passwordFile ? { credentials: passwordFileCredentials(g.passwordFile.path, g.passwordFile.username) } : {}),
        ...(sshReuse ? { sshReuse } : {}),
      }),
      url: g.remote.display,
      ref: g.ref,
      path: g.path,
      intervalMs: g.intervalMs,
      translate: { traefik: config.traefik },
      limits: config.limits,
      parser: extras.parser ?? INLINE_PARSER,
      logger,
    });
    sources.push(gitSource);
  }
  sources.push(...(extras.sources ?? []));

  // Read only for apps that leave a resource to their image (or --pin-images): a daemon whose
  // specs are explicit never talks to a registry.
  const registry = config.images.enabled ? await createRegistryClient(config.images.registry, { tagTtlMs: 0 }) : undefined;
  const images = registry
    ? {
        metadata: new ImageMetadata({
          inspector: registry,
          logger: logger.child({ component: 'images' }),
          refreshMs: config.images.refreshMs,
        }),
        pin: config.images.pin,
      }
    : undefined;

  // Read before the first reconcile: it gives the routes of apps whose declarations are broken.
  const routes = new RouteMemory({ path: config.routeMemory, logger: logger.child({ component: 'route-memory' }), timers: systemTimers });
  await routes.load();

  controller = new Controller({
    sources,
    installation: resolveInstallation(config, extras, logger),
    marathon,
    marathonUrl: config.marathon.url,
    status,
    leadership: extras.leadership ?? ALWAYS_LEADER,
    logger,
    observer: metricsObserver(metrics, {
      ...extras.observer,
      firstSync: () => {
        firstSyncDone();
        extras.observer?.firstSync?.();
      },
    }),
    ...(extras.pruneLedger ? { pruneLedger: extras.pruneLedger } : {}),
    ...(images ? { images } : {}),
    routes,
    options: {
      resyncIntervalMs: config.resyncIntervalMs,
      concurrency: config.concurrency,
      maxDeployments: config.maxDeployments,
      deploymentTimeoutMs: config.deploymentTimeoutMs,
      olderTasksGraceMs: config.olderTasksGraceMs,
      writeRatePerSecond: config.writeRatePerSecond,
      force: config.force,
      prune: config.prune,
      pruneGuard: config.pruneGuard,
      events: config.marathon.events,
      eventMaxBytes: config.marathon.eventMaxBytes,
    },
  });
  const c = controller;
  metrics.setProbes({
    queueDepth: () => c.queueDepth,
    deploymentsInFlight: () => c.deploymentsInFlight,
    pruneBlocked: () => status.prune.blocked,
    sources: () => sources.map((s) => ({ name: s.name, up: s.snapshot().state === 'Ready' })),
  });
  if (config.pruneGuard.disabled) logger.warn('prune guard disabled (--allow-mass-prune): mass deletions will not be held back');
  if (config.force) logger.warn('--force: writes override running deployments');
  if (config.traefikToken !== null && config.statusToken === null)
    logger.warn('--traefik-token without --status-token protects nothing: the status server, /traefik/v3 included, is open');
  if (config.traefikToken !== null && config.traefik !== 'v3') logger.warn('--traefik-token is set but maracker does not serve Traefik v3 (--traefik v3)');

  logger.info({ marathon: config.marathon.url, manifests: config.manifests, status: statusServer.url, instance: config.instance }, 'maracker starting');
  await controller.start();

  let stopping: Promise<void> | undefined;
  return {
    config,
    status,
    metrics,
    controller,
    statusServer,
    marathon,
    logger,
    stop() {
      stopping ??= (async () => {
        logger.info('stopping');
        const finished = await c.stop(config.shutdownTimeoutMs);
        if (!finished) logger.warn({ deadlineMs: config.shutdownTimeoutMs }, 'in-flight reconciles did not finish before the shutdown deadline');
        await routes.close();
        await extras.onStop?.();
        await statusServer.close();
        await marathon.close();
        await registry?.close();
        logger.info('stopped');
      })();
      return stopping;
    },
  };
}
