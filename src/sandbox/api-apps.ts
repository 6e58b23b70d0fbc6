// /v2/apps and /v2/tasks, as AppsResource, AppTasksResource and TasksResource of Marathon 1.10.

import type { JsonObject, JsonValue } from '../model/marathon.js';
import { APP_SCHEMA, APP_UPDATE_SCHEMA } from './app-schema.js';
import { checkRollbackUpdate, mergeUpdate } from './app-update.js';
import { normalizeApp } from './app-normalize.js';
import type { AppChange, AppRecord, CommitResult, Embed, Engine } from './engine.js';
import { appNotFound, groupNotFound, illegalArgument, invalidJson, MarathonApiError } from './errors.js';
import { boolParam, json, parseJsonBody, rawJson, type Reply } from './http-util.js';
import { errorList, readJson, type ReadErrors, type Schema } from './json-reads.js';
import { matchesSelectors, parseLabelSelector } from './label-selector.js';
import { canonicalId, isUnder } from './path-id.js';
import { isAlive, taskJson, type Task } from './tasks.js';

export interface ApiRequest {
  method: string;
  /** Decoded path, e.g. "/v2/apps/mip/web". */
  path: string;
  query: Record<string, string[]>;
  body: Buffer;
  remoteAddress: string;
  /** Host header, for Location. */
  host: string;
}

/** InfoEmbedResolver.resolveApp: prefixes "apps.", "app.", "group.apps." or none. */
export function resolveEmbed(values: readonly string[]): Set<Embed> {
  const out = new Set<Embed>();
  for (const raw of values) {
    const v = raw.replace(/^(group\.apps\.|apps\.|app\.)/, '');
    if (v === 'tasks') out.add('tasks').add('deployments');
    else if (v === 'failures') out.add('tasks').add('lastTaskFailure').add('deployments');
    else if (v === 'deployments') out.add('deployments');
    else if (v === 'lastTaskFailure') out.add('lastTaskFailure');
    else if (v === 'counts') out.add('counts');
    else if (v === 'readiness') out.add('readiness');
    else if (v === 'taskStats') out.add('taskStats');
    // unknown values are ignored
  }
  return out;
}

function readBody(req: ApiRequest, schema: Schema, inject?: JsonObject): JsonObject {
  const value = parseJsonBody(req.body);
  const errors: ReadErrors = new Map();
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidJson([{ path: '/', errors: ['error.expected.jsobject'] }]);
  }
  const read = readJson(schema, { ...value, ...(inject ?? {}) }, '', errors);
  if (errors.size > 0) throw invalidJson(errorList(errors));
  return read as JsonObject;
}

const LIST_OPEN = Buffer.from('{"apps":[');
const LIST_CLOSE = Buffer.from(']}');
const COMMA = Buffer.from(',');

function deploymentReply(result: CommitResult, status = 200, headers: Record<string, string> = {}): Reply {
  return json(status, { deploymentId: result.deployment.id, version: result.version }, { 'Marathon-Deployment-Id': result.deployment.id, ...headers });
}

function appIdOf(rest: string): string {
  return canonicalId(rest);
}

export class AppsApi {
  /** Recent listings by query, valid while engine.revision is unchanged and no task's health result has aged. */
  readonly #listings = new Map<string, { revision: number; until: number; body: Buffer }>();

  readonly #engine: Engine;

  constructor(engine: Engine) {
    this.#engine = engine;
  }

  #record(id: string): AppRecord {
    const record = this.#engine.apps.get(id);
    if (!record) throw appNotFound(id);
    return record;
  }

  /** Routes /v2/apps[...]; undefined when the path is not an apps route. */
  handle(req: ApiRequest): Reply | undefined {
    const { method, path } = req;
    if (path === '/v2/apps' || path === '/v2/apps/') {
      if (method === 'GET') return this.#index(req);
      if (method === 'POST') return this.#create(req);
      if (method === 'PUT' || method === 'PATCH') return this.#updateMultiple(req, method === 'PUT');
      return undefined;
    }
    if (!path.startsWith('/v2/apps/')) return undefined;
    const segs = path.slice('/v2/apps/'.length).split('/');
    const last = segs[segs.length - 1];
    const beforeLast = segs[segs.length - 2];
    // Jersey prefers the sub-resources with literal segments: {id}/tasks, {id}/tasks/{taskId},
    // {id}/versions[/{v}], {id}/restart, then {id:.+} itself.
    if (last === 'tasks' && segs.length > 1) return this.#tasksOf(req, appIdOf(segs.slice(0, -1).join('/')));
    if (beforeLast === 'tasks' && segs.length > 2) return this.#taskOf(req, appIdOf(segs.slice(0, -2).join('/')), last as string);
    if (last === 'versions' && segs.length > 1 && method === 'GET') return this.#versions(appIdOf(segs.slice(0, -1).join('/')));
    if (beforeLast === 'versions' && segs.length > 2 && method === 'GET') return this.#version(appIdOf(segs.slice(0, -2).join('/')), last as string);
    if (last === 'restart' && segs.length > 1 && method === 'POST') return this.#restart(req, appIdOf(segs.slice(0, -1).join('/')));
    const rest = segs.join('/');
    switch (method) {
      case 'GET':
        return this.#show(req, rest);
      case 'PUT':
        return this.#update(req, appIdOf(rest), boolParam(req.query, 'partialUpdate', true), true);
      case 'PATCH':
        return this.#update(req, appIdOf(rest), true, false);
      case 'DELETE':
        // AppsResource.delete defaults force to true
        return deploymentReply(this.#engine.commit([{ kind: 'delete', id: appIdOf(rest) }], boolParam(req.query, 'force', true)));
      default:
        return undefined;
    }
  }

  #filtered(req: ApiRequest): AppRecord[] {
    const cmd = req.query.cmd?.[0];
    const id = req.query.id?.[0];
    const label = req.query.label?.[0];
    const selectors = label !== undefined ? parseLabelSelector(label) : undefined;
    const apps = this.#engine.sortedApps();
    if (cmd === undefined && id === undefined && selectors === undefined) return apps;
    const cmdLower = cmd?.toLowerCase();
    const idLower = id?.toLowerCase();
    return apps.filter((r) => {
      if (cmdLower !== undefined && !(typeof r.def.cmd === 'string' && r.def.cmd.toLowerCase().includes(cmdLower))) return false;
      if (idLower !== undefined && !r.id.toLowerCase().includes(idLower)) return false;
      if (selectors && !matchesSelectors(selectors, r.def.labels as Record<string, string> | undefined)) return false;
      return true;
    });
  }

  #index(req: ApiRequest): Reply {
    const embed = resolveEmbed(req.query.embed ?? []);
    embed.add('counts').add('deployments');
    // a listing of an unchanged sandbox is served from its encoded bytes: daemons poll this
    const key = JSON.stringify([[...embed].sort(), req.query.cmd?.[0], req.query.id?.[0], req.query.label?.[0]]);
    const cached = this.#listings.get(key);
    if (cached && cached.revision === this.#engine.revision && this.#engine.now() < cached.until) return rawJson(200, cached.body);
    const parts: Buffer[] = [LIST_OPEN];
    let until = Number.POSITIVE_INFINITY;
    for (const r of this.#filtered(req)) {
      if (parts.length > 1) parts.push(COMMA);
      const info = this.#engine.appInfoBytes(r, embed);
      parts.push(info.bytes);
      until = Math.min(until, info.until);
    }
    parts.push(LIST_CLOSE);
    const body = Buffer.concat(parts);
    this.#listings.delete(key);
    this.#listings.set(key, { revision: this.#engine.revision, until, body });
    if (this.#listings.size > 8) this.#listings.delete(this.#listings.keys().next().value as string);
    return rawJson(200, body);
  }

  #show(req: ApiRequest, rest: string): Reply {
    const embed = resolveEmbed(req.query.embed ?? []);
    embed.add('counts').add('tasks').add('lastTaskFailure').add('deployments');
    const list = /^((?:.+\/)|)\*$/.exec(rest);
    if (list) {
      const groupId = canonicalId(list[1] ?? '');
      const apps = this.#engine.sortedApps().filter((r) => isUnder(r.id, groupId));
      if (groupId !== '/' && apps.length === 0) throw groupNotFound(groupId);
      return rawJson(200, `{"*":[${apps.map((r) => this.#engine.appInfo(r, embed)).join(',')}]}`);
    }
    const record = this.#record(appIdOf(rest));
    return rawJson(200, `{"app":${this.#engine.appInfo(record, embed)}}`);
  }

  #create(req: ApiRequest): Reply {
    const input = readBody(req, APP_SCHEMA);
    const def = normalizeApp(input, this.#engine.appConfig);
    const result = this.#engine.createApp(def, boolParam(req.query, 'force', false), { clientIp: req.remoteAddress, uri: req.path });
    // AppsResource answers with the app as posted: service ports not yet assigned, no versionInfo
    const body: JsonObject = {};
    for (const [k, v] of Object.entries(def)) {
      if (k === 'killSelection') body.version = result.version;
      body[k] = v as JsonValue;
    }
    Object.assign(body, { tasksStaged: 0, tasksRunning: 0, tasksHealthy: 0, tasksUnhealthy: 0, deployments: [{ id: result.deployment.id }] });
    return json(201, body, { Location: `http://${req.host}/v2/apps${def.id as string}`, 'Marathon-Deployment-Id': result.deployment.id });
  }

  /** The definition a PUT/PATCH leads to, or a rollback target. */
  #target(id: string, input: JsonObject, partial: boolean, allowCreation: boolean): JsonObject {
    const existing = this.#engine.apps.get(id);
    if (typeof input.version === 'string') {
      checkRollbackUpdate(input);
      if (!existing) throw appNotFound(id);
      const old = this.#engine.appVersion(id, input.version);
      if (!old) throw appNotFound(id);
      return old;
    }
    if (!existing) {
      if (!allowCreation) throw appNotFound(id);
      return normalizeApp({ ...input, id }, this.#engine.appConfig);
    }
    return partial ? normalizeApp({ ...mergeUpdate(existing.def, input), id }, this.#engine.appConfig) : normalizeApp({ ...input, id }, this.#engine.appConfig);
  }

  #update(req: ApiRequest, id: string, partial: boolean, allowCreation: boolean): Reply {
    const existing = this.#engine.apps.get(id);
    const full = !partial || !existing;
    const input = full ? readBody(req, APP_SCHEMA, { id }) : readBody(req, APP_UPDATE_SCHEMA);
    const def = this.#target(id, input, partial, allowCreation);
    const change: AppChange = { kind: 'put', id, def, postEvent: { clientIp: req.remoteAddress, uri: req.path } };
    const result = this.#engine.commit([change], boolParam(req.query, 'force', false));
    if (existing) return deploymentReply(result);
    return deploymentReply(result, 201, { Location: `http://${req.host}/v2/apps${id}` });
  }

  #updateMultiple(req: ApiRequest, allowCreation: boolean): Reply {
    const partial = req.method === 'PATCH' || boolParam(req.query, 'partialUpdate', true);
    const value = parseJsonBody(req.body);
    if (!Array.isArray(value)) throw invalidJson([{ path: '/', errors: ['error.expected.jsarray'] }]);
    const changes: AppChange[] = value.map((item, i) => {
      const errors: ReadErrors = new Map();
      const input = readJson(partial ? APP_UPDATE_SCHEMA : APP_SCHEMA, item, `(${i})`, errors) as JsonObject | undefined;
      if (errors.size > 0 || !input) throw invalidJson(errorList(errors));
      if (typeof input.id !== 'string') throw illegalArgument('App Update must have app id set');
      const id = canonicalId(input.id);
      const def = this.#target(id, input, partial, allowCreation);
      return { kind: 'put', id, def, postEvent: { clientIp: req.remoteAddress, uri: req.path } };
    });
    return deploymentReply(this.#engine.commit(changes, boolParam(req.query, 'force', false)));
  }

  #restart(req: ApiRequest, id: string): Reply {
    this.#record(id);
    return deploymentReply(this.#engine.commit([{ kind: 'restart', id }], boolParam(req.query, 'force', false)));
  }

  #versions(id: string): Reply {
    this.#record(id);
    return json(200, { versions: this.#engine.appVersions(id) });
  }

  #version(id: string, version: string): Reply {
    this.#record(id);
    const def = this.#engine.appVersion(id, version);
    if (!def) throw appNotFound(id, version);
    const record = this.#record(id);
    return json(200, record.version === version ? this.#engine.definitionJson(record) : { ...def, version });
  }

  #tasksOf(req: ApiRequest, id: string): Reply | undefined {
    const record = this.#record(id);
    const tasks = this.#engine.tasks.liveTasks(record);
    if (req.method === 'GET') return rawJson(200, `{"tasks":[${tasks.map((t) => taskJson(t, this.#engine.now())).join(',')}]}`);
    if (req.method !== 'DELETE') return undefined;
    const host = req.query.host?.[0];
    const selected = tasks.filter((t) => !t.killRequested && (host === undefined || t.host === host));
    return this.#kill(req, record, selected, true);
  }

  #taskOf(req: ApiRequest, id: string, taskId: string): Reply | undefined {
    if (req.method !== 'DELETE') return undefined;
    const record = this.#record(id);
    const task = record.tasks.get(taskId);
    if (!task) throw new MarathonApiError(404, { message: `Task '${taskId}' does not exist` });
    return this.#kill(req, record, [task], false);
  }

  #kill(req: ApiRequest, record: AppRecord, tasks: Task[], many: boolean): Reply {
    const scale = boolParam(req.query, 'scale', false);
    const wipe = boolParam(req.query, 'wipe', false);
    const force = boolParam(req.query, 'force', false);
    if (scale) return deploymentReply(this.#engine.killAndScale(record, tasks, force));
    const killed = tasks.map((t) => {
      const before = taskJson(t, this.#engine.now());
      this.#engine.tasks.killAndReplace(record, t, wipe);
      return before;
    });
    return rawJson(200, many ? `{"tasks":[${killed.join(',')}]}` : `{"task":${killed[0] ?? 'null'}}`);
  }

  /** GET /v2/tasks and POST /v2/tasks/delete (TasksResource). */
  handleTasks(req: ApiRequest): Reply | undefined {
    if (req.path === '/v2/tasks' && req.method === 'GET') {
      const status = req.query.status?.[0];
      const wanted = status === 'running' ? 'TASK_RUNNING' : status === 'staging' ? 'TASK_STAGING' : undefined;
      const tasks = this.#engine.tasks
        .allTasks(this.#engine.sortedApps())
        .filter(({ task }) => wanted === undefined || task.state === wanted)
        .map(({ task }) => taskJson(task, this.#engine.now()));
      return rawJson(200, `{"tasks":[${tasks.join(',')}]}`);
    }
    if (req.path === '/v2/tasks/delete' && req.method === 'POST') {
      const value = parseJsonBody(req.body);
      const errors: ReadErrors = new Map();
      const read = readJson({ t: 'object', required: ['ids'], props: { ids: { t: 'array', items: { t: 'string' } } } }, value, '', errors) as
        | JsonObject
        | undefined;
      if (errors.size > 0 || !read) throw invalidJson(errorList(errors));
      const found = (read.ids as string[]).map((id) => this.#engine.tasks.findTask(id)).filter((f) => f !== undefined);
      const byApp = new Map<AppRecord, Task[]>();
      for (const f of found) if (isAlive(f.task)) byApp.set(f.record, [...(byApp.get(f.record) ?? []), f.task]);
      let last: Reply = json(200, { tasks: [] });
      for (const [record, tasks] of byApp) last = this.#kill(req, record, tasks, true);
      return last;
    }
    return undefined;
  }
}
