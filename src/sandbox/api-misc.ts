// The smaller Marathon endpoints: /ping, /v2/info, /v2/leader, /v2/deployments, /v2/groups.

import type { Engine } from './engine.js';
import { DeploymentManager } from './deployments.js';
import { deploymentNotFound, groupNotFound } from './errors.js';
import type { ApiRequest } from './api-apps.js';
import { resolveEmbed } from './api-apps.js';
import { buildTree, findGroup, groupJson } from './groups.js';
import { boolParam, json, rawJson, type Reply } from './http-util.js';
import { infoJson } from './info.js';
import { canonicalId } from './path-id.js';
import type { PortRange } from './ports.js';

export interface MiscApiOptions {
  leader: () => string;
  frameworkId: string;
  servicePortRange: PortRange;
  defaultNetworkName: string | undefined;
  features: readonly string[];
}

export class MiscApi {
  constructor(
    private readonly engine: Engine,
    private readonly options: MiscApiOptions,
  ) {}

  handle(req: ApiRequest): Reply | undefined {
    const { method, path } = req;
    if (path === '/ping' && method === 'GET') return { status: 200, body: 'pong', contentType: 'text/plain' };
    if (path === '/v2/info' && method === 'GET') return json(200, infoJson(this.options.leader(), this.options.frameworkId, this.options.servicePortRange, { defaultNetworkName: this.options.defaultNetworkName, features: this.options.features }));
    if (path === '/v2/leader' && method === 'GET') return json(200, { leader: this.options.leader() });
    if (path === '/v2/deployments' || path === '/v2/deployments/') {
      if (method === 'GET') return json(200, this.engine.deployments.list().map((d) => DeploymentManager.json(d)));
      return undefined;
    }
    if (path.startsWith('/v2/deployments/') && method === 'DELETE') return this.cancel(req, path.slice('/v2/deployments/'.length));
    if ((path === '/v2/groups' || path.startsWith('/v2/groups/')) && method === 'GET') return this.group(req, path.slice('/v2/groups'.length));
    return undefined;
  }

  private cancel(req: ApiRequest, id: string): Reply {
    const deployment = this.engine.deployments.get(id);
    if (!deployment) throw deploymentNotFound(id);
    const force = boolParam(req.query, 'force', false);
    const result = this.engine.cancelDeployment(deployment, force);
    // force: cancelled without a rollback deployment, 202 and no body
    if (!result) return { status: 202 };
    return json(200, { deploymentId: result.deployment.id, version: result.version }, { 'Marathon-Deployment-Id': result.deployment.id });
  }

  private group(req: ApiRequest, rest: string): Reply {
    const id = canonicalId(rest);
    const root = buildTree(this.engine.sortedApps());
    const node = findGroup(root, id);
    if (!node) throw groupNotFound(id);
    const embedParams = req.query.embed ?? [];
    const groupEmbeds = embedParams.filter((e) => e === 'group.groups' || e === 'group.apps');
    const appEmbed = resolveEmbed(embedParams.filter((e) => e.startsWith('group.apps.')));
    const embed = {
      groups: groupEmbeds.length === 0 || groupEmbeds.includes('group.groups'),
      apps: groupEmbeds.length === 0 || groupEmbeds.includes('group.apps'),
      appEmbed,
    };
    return rawJson(200, groupJson(node, embed, this.engine.rootVersion, (r) => this.engine.appInfo(r, appEmbed)));
  }
}
