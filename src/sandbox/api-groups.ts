// /v2/groups (GroupsResource of Marathon 1.10; raml-master/v2/groups.raml): the group tree,
// group writes and group versions. A group write is one deployment of every app it changes:
// POST creates a group (409 when it exists), PUT replaces the apps and groups it names (or
// scales them with `scaleBy`), DELETE removes the group with everything below it. App ids in a
// group body are relative to the group; an absolute id outside it is refused, as Marathon does
// ("identifier /app is not child of /group. Hint: use relative paths.").

import type { JsonObject, JsonValue } from '../model/marathon.js';
import { resolveEmbed, type ApiRequest } from './api-apps.js';
import type { PodsApi } from './api-pods.js';
import { APP_SCHEMA } from './app-schema.js';
import { normalizeApp } from './app-normalize.js';
import type { AppChange, CommitResult, Engine } from './engine.js';
import { groupNotFound, invalidJson, MarathonApiError, objectNotValid } from './errors.js';
import { buildTree, findGroup, groupJson } from './groups.js';
import { boolParam, json, parseJsonBody, rawJson, type Reply } from './http-util.js';
import { errorList, readJson, type ReadErrors, type Schema } from './json-reads.js';
import { canonicalId, isUnder, RAML_PATH_ID, segmentsOf } from './path-id.js';

/** group.raml GroupUpdate (apps are full App bodies, read with APP_SCHEMA without the required id). */
const GROUP_UPDATE: Schema = {
  t: 'object',
  props: {
    id: { t: 'string', pattern: RAML_PATH_ID },
    apps: { t: 'array', items: { t: 'any' } },
    groups: { t: 'array', items: { t: 'any' } },
    dependencies: { t: 'array', items: { t: 'string', pattern: RAML_PATH_ID } },
    scaleBy: { t: 'number', min: 0 },
    version: { t: 'string' },
    enforceRole: { t: 'boolean' },
  },
};

function obj(v: JsonValue | undefined): JsonObject | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
}

function deploymentReply(result: CommitResult, status: number, headers: Record<string, string> = {}): Reply {
  return json(status, { version: result.version, deploymentId: result.deployment.id }, { 'Marathon-Deployment-Id': result.deployment.id, ...headers });
}

interface Planned {
  changes: AppChange[];
  groups: string[];
}

export class GroupsApi {
  readonly #engine: Engine;
  readonly #pods: PodsApi;

  constructor(engine: Engine, pods: PodsApi) {
    this.#engine = engine;
    this.#pods = pods;
  }

  handle(req: ApiRequest): Reply | undefined {
    const { method, path } = req;
    if (path !== '/v2/groups' && !path.startsWith('/v2/groups/')) return undefined;
    let rest = path.slice('/v2/groups'.length);
    if (rest.endsWith('/versions') && method === 'GET') return this.#versions(canonicalId(rest.slice(0, -'/versions'.length)));
    if (rest.endsWith('/')) rest = rest.slice(0, -1);
    const id = canonicalId(rest);
    switch (method) {
      case 'GET':
        return this.#show(req, id);
      case 'POST':
        return this.#create(req, id);
      case 'PUT':
        return this.#update(req, id);
      case 'PATCH':
        return this.#patch(req, id);
      case 'DELETE':
        return this.#remove(req, id);
      default:
        return undefined;
    }
  }

  #show(req: ApiRequest, id: string): Reply {
    const root = buildTree(this.#engine.sortedApps(), [...this.#engine.explicitGroups, ...this.#pods.groups()]);
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
    return rawJson(
      200,
      groupJson(
        node,
        embed,
        this.#engine.rootVersion,
        (r) => this.#engine.appInfo(r, appEmbed),
        (g) => this.#pods.statusesIn(g),
      ),
    );
  }

  #versions(id: string): Reply {
    if (!this.#engine.groupExists(id)) throw groupNotFound(id);
    return json(200, this.#engine.groupVersionsOf(id));
  }

  #readUpdate(req: ApiRequest): JsonObject {
    const value = parseJsonBody(req.body);
    const errors: ReadErrors = new Map();
    const read = readJson(GROUP_UPDATE, value, '', errors) as JsonObject | undefined;
    if (errors.size > 0 || !read) throw invalidJson(errorList(errors));
    return read;
  }

  /** The apps and groups a GroupUpdate declares under `groupId`, with every id made absolute. */
  #plan(body: JsonObject, groupId: string, path: string, out: Planned, problems: Array<{ path: string; errors: string[] }>): void {
    out.groups.push(groupId);
    (Array.isArray(body.apps) ? body.apps : []).forEach((raw, i) => {
      const here = `${path}/apps(${i})`;
      const app = obj(raw);
      if (!app || typeof app.id !== 'string') {
        problems.push({ path: `${here}/id`, errors: ['error.path.missing'] });
        return;
      }
      const id = canonicalId(app.id, segmentsOf(groupId));
      if (!isUnder(id, groupId) || id === groupId) {
        problems.push({ path: `${here}/id`, errors: [`identifier ${app.id} is not child of ${groupId}. Hint: use relative paths.`] });
        return;
      }
      const errors: ReadErrors = new Map();
      const read = readJson(APP_SCHEMA, { ...app, id } as JsonValue, here, errors) as JsonObject | undefined;
      if (errors.size > 0 || !read) throw invalidJson(errorList(errors));
      const def = normalizeApp(read, this.#engine.appConfig);
      out.changes.push({ kind: 'put', id, def });
    });
    (Array.isArray(body.groups) ? body.groups : []).forEach((raw, i) => {
      const group = obj(raw);
      if (!group || typeof group.id !== 'string') {
        problems.push({ path: `${path}/groups(${i})/id`, errors: ['error.path.missing'] });
        return;
      }
      const sub = canonicalId(group.id, segmentsOf(groupId));
      if (!isUnder(sub, groupId) || sub === groupId) {
        problems.push({ path: `${path}/groups(${i})/id`, errors: [`identifier ${group.id} is not child of ${groupId}. Hint: use relative paths.`] });
        return;
      }
      this.#plan(group, sub, `${path}/groups(${i})`, out, problems);
    });
  }

  #planned(body: JsonObject, groupId: string): Planned {
    const out: Planned = { changes: [], groups: [] };
    const problems: Array<{ path: string; errors: string[] }> = [];
    this.#plan(body, groupId, '', out, problems);
    if (problems.length > 0) throw objectNotValid(problems);
    if (this.#engine.apps.has(groupId) || this.#pods.has(groupId))
      throw objectNotValid([{ path: '/', errors: ['Groups and Applications may not have the same identifier.'] }]);
    return out;
  }

  #commit(planned: Planned, force: boolean): CommitResult {
    const created = planned.groups.filter((g) => g !== '/' && !this.#engine.explicitGroups.has(g));
    const result = this.#engine.commit(planned.changes, force, () => {
      for (const g of created) this.#engine.explicitGroups.add(g);
    });
    for (const g of planned.groups) this.#engine.stampGroup(g, result.version);
    return result;
  }

  #create(req: ApiRequest, pathId: string): Reply {
    const body = this.#readUpdate(req);
    const groupId = typeof body.id === 'string' ? canonicalId(body.id, segmentsOf(pathId)) : pathId;
    if (this.#engine.groupExists(groupId) && (groupId === '/' || this.#engine.explicitGroups.has(groupId) || this.#childrenOf(groupId).length > 0)) {
      throw new MarathonApiError(409, { message: `Group ${groupId} is already created. Use PUT to change this group.` });
    }
    const result = this.#commit(this.#planned(body, groupId), boolParam(req.query, 'force', false));
    return deploymentReply(result, 201, { Location: `http://${req.host}/v2/groups${groupId === '/' ? '' : groupId}` });
  }

  #childrenOf(groupId: string): string[] {
    return this.#engine
      .sortedApps()
      .filter((r) => isUnder(r.id, groupId))
      .map((r) => r.id);
  }

  #update(req: ApiRequest, pathId: string): Reply {
    const body = this.#readUpdate(req);
    const groupId = typeof body.id === 'string' ? canonicalId(body.id, segmentsOf(pathId)) : pathId;
    const force = boolParam(req.query, 'force', false);
    if (typeof body.version === 'string') {
      throw new MarathonApiError(404, { message: `Group '${groupId}' does not exist in version ${body.version}` });
    }
    if (typeof body.scaleBy === 'number') {
      // every app below the group scaled by the factor (GroupManager.scaleBy: ceil of instances × factor)
      const factor = body.scaleBy;
      if (!this.#engine.groupExists(groupId)) throw groupNotFound(groupId);
      const changes: AppChange[] = this.#engine
        .sortedApps()
        .filter((r) => isUnder(r.id, groupId))
        .map((r) => ({ kind: 'put', id: r.id, def: { ...r.def, instances: Math.ceil(Number(r.def.instances) * factor) } }));
      return deploymentReply(this.#commit({ changes, groups: [groupId] }, force), 200);
    }
    const planned = this.#planned(body, groupId);
    // what the body names replaces what the group holds: apps it leaves out are removed
    // (when it names apps), and so are groups it leaves out (when it names groups)
    const kept = new Set(planned.changes.map((c) => c.id));
    const keptGroups = new Set(planned.groups);
    const removals: AppChange[] = [];
    for (const r of this.#engine.sortedApps()) {
      if (!isUnder(r.id, groupId) || kept.has(r.id)) continue;
      const parent = `/${segmentsOf(r.id).slice(0, -1).join('/')}`;
      const direct = parent === groupId;
      const inNamedGroup = [...keptGroups].some((g) => g !== groupId && isUnder(r.id, g));
      if (direct && Array.isArray(body.apps)) removals.push({ kind: 'delete', id: r.id });
      else if (!direct && Array.isArray(body.groups) && !inNamedGroup) removals.push({ kind: 'delete', id: r.id });
    }
    const existed = this.#engine.groupExists(groupId);
    const result = this.#commit({ changes: [...planned.changes, ...removals], groups: planned.groups }, force);
    return deploymentReply(result, existed ? 200 : 201);
  }

  #patch(req: ApiRequest, groupId: string): Reply {
    const body = this.#readUpdate(req);
    if (!this.#engine.groupExists(groupId)) throw groupNotFound(groupId);
    if (segmentsOf(groupId).length !== 1) {
      throw objectNotValid([{ path: '/', errors: ['enforceRole can only be set for top-level groups'] }]);
    }
    void body;
    const result = this.#commit({ changes: [], groups: [groupId] }, boolParam(req.query, 'force', false));
    return deploymentReply(result, 200);
  }

  #remove(req: ApiRequest, groupId: string): Reply {
    if (!this.#engine.groupExists(groupId)) throw groupNotFound(groupId);
    const changes: AppChange[] = this.#childrenOf(groupId).map((id) => ({ kind: 'delete', id }));
    const result = this.#engine.commit(changes, boolParam(req.query, 'force', false), () => {
      for (const g of [...this.#engine.explicitGroups]) if (isUnder(g, groupId)) this.#engine.explicitGroups.delete(g);
    });
    this.#engine.stampGroup(groupId, result.version);
    return deploymentReply(result, 200);
  }
}
