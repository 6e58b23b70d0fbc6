// The smaller Marathon endpoints: /ping, /metrics, /v2/info, /v2/leader, /v2/deployments,
// /v2/queue (raml-master/general/*.raml, v2/*.raml).

import type { Engine } from './engine.js';
import { DeploymentManager } from './deployments.js';
import { deploymentNotFound, MarathonApiError } from './errors.js';
import type { ApiRequest } from './api-apps.js';
import { boolParam, json, type Reply } from './http-util.js';
import type { JsonObject } from '../model/marathon.js';
import { infoJson } from './info.js';
import { canonicalId } from './path-id.js';
import type { PortRange } from './ports.js';

/** QueueResource.resetDelay's 404 for an app that does not exist. */
function notInQueue(id: string): MarathonApiError {
  return new MarathonApiError(404, { message: `Application ${id} not found in tasks queue.` });
}

export interface MiscApiOptions {
  leader: () => string;
  frameworkId: string;
  servicePortRange: PortRange;
  defaultNetworkName: string | undefined;
  features: readonly string[];
  /** Pods kept by /v2/pods, for the metrics. */
  podCount: () => number;
  startedAt: number;
  now: () => number;
}

export class MiscApi {
  readonly #engine: Engine;
  readonly #options: MiscApiOptions;

  constructor(engine: Engine, options: MiscApiOptions) {
    this.#engine = engine;
    this.#options = options;
  }

  handle(req: ApiRequest): Reply | undefined {
    const { method, path } = req;
    if (path === '/ping' && method === 'GET') return { status: 200, body: 'pong', contentType: 'text/plain' };
    if (path === '/v2/info' && method === 'GET')
      return json(
        200,
        infoJson(this.#options.leader(), this.#options.frameworkId, this.#options.servicePortRange, {
          defaultNetworkName: this.#options.defaultNetworkName,
          features: this.#options.features,
        }),
      );
    if (path === '/v2/leader' && method === 'GET') return json(200, { leader: this.#options.leader() });
    // Marathon exits to let another instance lead; the sandbox is its own successor
    if (path === '/v2/leader' && method === 'DELETE') return json(200, { message: 'Leadership abdicated' });
    if (path === '/metrics' && method === 'GET') return json(200, this.#metrics());
    if ((path === '/v2/queue' || path === '/v2/queue/') && method === 'GET') return json(200, this.#queue());
    if (path.startsWith('/v2/queue/') && path.endsWith('/delay') && method === 'DELETE') {
      const id = canonicalId(path.slice('/v2/queue'.length, -'/delay'.length));
      const record = this.#engine.apps.get(id);
      if (!record) throw notInQueue(id);
      this.#engine.resetDelay(record);
      return { status: 204 };
    }
    if (path === '/v2/deployments' || path === '/v2/deployments/') {
      if (method === 'GET')
        return json(
          200,
          this.#engine.deployments.list().map((d) => DeploymentManager.json(d)),
        );
      return undefined;
    }
    if (path.startsWith('/v2/deployments/') && method === 'DELETE') return this.#cancel(req, path.slice('/v2/deployments/'.length));
    return undefined;
  }

  /** GET /v2/queue (QueueResource; queue.raml QueueApp): what waits for the backoff or an offer. */
  #queue(): JsonObject {
    return {
      queue: this.#engine.queue().map(({ record, count, delayMs, since }) => ({
        count,
        role: String(record.def.role ?? '*'),
        delay: { timeLeftSeconds: Math.ceil(delayMs / 1000), overdue: delayMs === 0 },
        since,
        processedOffersSummary: { processedOffersCount: 0, unusedOffersCount: 0 },
        app: this.#engine.definitionJson(record),
      })),
    };
  }

  /** GET /metrics in Marathon 1.10's form (newMetrics.raml NewMetrics: Dropwizard's JSON). */
  #metrics(): JsonObject {
    const apps = this.#engine.sortedApps();
    const tasks = apps.flatMap((r) => this.#engine.tasks.liveTasks(r));
    const gauge = (value: number): JsonObject => ({ value });
    return {
      version: '4.0.0',
      gauges: {
        'marathon.apps.active.gauge': gauge(apps.length),
        'marathon.pods.active.gauge': gauge(this.#options.podCount()),
        'marathon.deployments.active.gauge': gauge(this.#engine.deployments.size),
        'marathon.instances.running.gauge': gauge(tasks.filter((t) => t.state === 'TASK_RUNNING').length),
        'marathon.instances.staged.gauge': gauge(tasks.filter((t) => t.state === 'TASK_STAGING').length),
        'marathon.uptime.gauge.seconds': gauge(Math.floor((this.#options.now() - this.#options.startedAt) / 1000)),
      },
      counters: {},
      histograms: {},
      meters: {},
      timers: {},
    };
  }

  #cancel(req: ApiRequest, id: string): Reply {
    const deployment = this.#engine.deployments.get(id);
    if (!deployment) throw deploymentNotFound(id);
    const force = boolParam(req.query, 'force', false);
    const result = this.#engine.cancelDeployment(deployment, force);
    // force: cancelled without a rollback deployment, 202 and no body
    if (!result) return { status: 202 };
    return json(200, { deploymentId: result.deployment.id, version: result.version }, { 'Marathon-Deployment-Id': result.deployment.id });
  }
}
