// /v2/pods (PodsResource of Marathon 1.10; raml-master/v2/pods.raml): pods are kept, versioned,
// listed and deleted with Marathon's shapes and status codes, but never run: the sandbox stands
// for Marathon's apps, and a client that lists pods or walks a group must get Marathon's
// answers, not a 404 "URI not found". A pod's status says DEGRADED while it wants instances.

import type { JsonObject, JsonValue } from '../model/marathon.js';
import type { Engine } from './engine.js';
import { invalidJson, MarathonApiError } from './errors.js';
import { json, parseJsonBody, rawJson, type Reply } from './http-util.js';
import { canonicalId, parentOf, RAML_PATH_ID } from './path-id.js';
import type { ApiRequest } from './api-apps.js';

interface PodRecord {
  id: string;
  def: JsonObject;
  version: string;
  versions: Map<string, JsonObject>;
  since: string;
}

export function podNotFound(id: string): MarathonApiError {
  return new MarathonApiError(404, { message: `Pod '${id}' does not exist` });
}

function obj(v: JsonValue | undefined): JsonObject | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
}

/** The RAML Pod's required shape (pod.raml: id, containers with name and resources). */
function readPod(body: Buffer, id?: string): JsonObject {
  const value = parseJsonBody(body);
  const pod = obj(value);
  if (!pod) throw invalidJson([{ path: '/', errors: ['error.expected.jsobject'] }]);
  const problems: Array<{ path: string; errors: string[] }> = [];
  const podId = id ?? pod.id;
  if (typeof podId !== 'string') problems.push({ path: '/id', errors: ['error.path.missing'] });
  else if (!RAML_PATH_ID.test(podId)) problems.push({ path: '/id', errors: ['error.pattern'] });
  const containers = pod.containers;
  if (!Array.isArray(containers)) problems.push({ path: '/containers', errors: ['error.path.missing'] });
  else if (containers.length === 0) problems.push({ path: '/containers', errors: ['error.minLength'] });
  else {
    containers.forEach((c, i) => {
      const container = obj(c);
      if (typeof container?.name !== 'string') problems.push({ path: `/containers(${i})/name`, errors: ['error.path.missing'] });
      if (!obj(container?.resources)) problems.push({ path: `/containers(${i})/resources`, errors: ['error.path.missing'] });
    });
  }
  if (problems.length > 0) throw invalidJson(problems);
  return pod;
}

export class PodsApi {
  readonly #pods = new Map<string, PodRecord>();

  readonly #engine: Engine;

  constructor(engine: Engine) {
    this.#engine = engine;
  }

  has(id: string): boolean {
    return this.#pods.has(id);
  }

  /** PodStatus JSON of the pods directly in a group (GroupInfo.pods). */
  statusesIn(groupId: string): string[] {
    return [...this.#pods.values()].filter((p) => parentOf(p.id) === groupId).map((p) => JSON.stringify(this.#status(p)));
  }

  /** The groups pods live in (a group exists while something lives in it). */
  groups(): string[] {
    return [...new Set([...this.#pods.keys()].map(parentOf))];
  }

  get size(): number {
    return this.#pods.size;
  }

  reset(): void {
    this.#pods.clear();
  }

  #podJson(p: PodRecord): JsonObject {
    return { ...p.def, version: p.version };
  }

  #wanted(p: PodRecord): number {
    const scaling = obj(p.def.scaling);
    return typeof scaling?.instances === 'number' ? scaling.instances : 1;
  }

  #status(p: PodRecord): JsonObject {
    return {
      id: p.id,
      spec: this.#podJson(p),
      status: this.#wanted(p) > 0 ? 'DEGRADED' : 'STABLE',
      statusSince: p.since,
      instances: [],
      terminationHistory: [],
      lastUpdated: p.since,
      lastChanged: p.version,
    };
  }

  #record(id: string): PodRecord {
    const pod = this.#pods.get(id);
    if (!pod) throw podNotFound(id);
    return pod;
  }

  /** A pod write: a deployment of its own (with no app step), versions kept. */
  #write(id: string, def: JsonObject, existing: PodRecord | undefined): { record: PodRecord; headers: Record<string, string> } {
    if (!existing && (this.#engine.apps.has(id) || this.#engine.groupExists(id))) {
      throw new MarathonApiError(422, {
        message: 'Object is not valid',
        details: [{ path: '/', errors: ['Groups and Applications may not have the same identifier.'] }],
      });
    }
    const { version, deployment } = this.#engine.commit([], false);
    const normalized: JsonObject = { ...def, id };
    delete normalized.version;
    const record: PodRecord = existing ?? { id, def: normalized, version, versions: new Map(), since: version };
    record.def = normalized;
    record.version = version;
    record.versions.set(version, normalized);
    this.#pods.set(id, record);
    this.#engine.stampGroup(parentOf(id), version);
    return { record, headers: { 'Marathon-Deployment-Id': deployment.id } };
  }

  handle(req: ApiRequest): Reply | undefined {
    const { method, path } = req;
    if (path === '/v2/pods' || path === '/v2/pods/') {
      if (method === 'HEAD') return { status: 200 };
      if (method === 'GET') return rawJson(200, `[${[...this.#pods.values()].map((p) => JSON.stringify(this.#podJson(p))).join(',')}]`);
      if (method === 'POST') {
        const pod = readPod(req.body);
        const id = canonicalId(String(pod.id));
        if (this.#pods.has(id)) throw new MarathonApiError(409, { message: `Pod ${id} already exists` });
        const { record, headers } = this.#write(id, pod, undefined);
        return json(201, this.#podJson(record), { Location: `http://${req.host}/v2/pods${id}`, ...headers });
      }
      return undefined;
    }
    if (path === '/v2/pods/::status' && method === 'GET')
      return json(
        200,
        [...this.#pods.values()].map((p) => this.#status(p)),
      );
    if (!path.startsWith('/v2/pods/')) return undefined;
    const rest = path.slice('/v2/pods'.length);
    const m = /^(.*?)::(status|versions|instances)(?:\/(.+))?$/.exec(rest);
    if (m) {
      const pod = this.#record(canonicalId(m[1] as string));
      const [, , what, arg] = m;
      if (what === 'status' && method === 'GET' && arg === undefined) return json(200, this.#status(pod));
      if (what === 'versions' && method === 'GET') {
        if (arg === undefined) return json(200, [...pod.versions.keys()].reverse());
        const def = pod.versions.get(arg);
        if (!def) throw podNotFound(pod.id);
        return json(200, { ...def, version: arg });
      }
      if (what === 'instances' && method === 'DELETE') {
        // no instance ever runs
        if (arg === undefined) return json(200, []);
        throw new MarathonApiError(404, { message: `No instance with ${arg}` });
      }
      return undefined;
    }
    const id = canonicalId(rest);
    switch (method) {
      case 'GET':
        return json(200, this.#podJson(this.#record(id)));
      case 'PUT': {
        const pod = readPod(req.body, id);
        if (typeof pod.id === 'string' && canonicalId(pod.id) !== id) {
          throw new MarathonApiError(400, { message: `Pod id in the body (${pod.id}) does not match the path (${id})` });
        }
        const existing = this.#pods.get(id);
        const { record, headers } = this.#write(id, pod, existing);
        return json(existing ? 200 : 201, this.#podJson(record), headers);
      }
      case 'DELETE': {
        this.#record(id);
        const { version, deployment } = this.#engine.commit([], req.query.force?.[0] === 'true');
        this.#pods.delete(id);
        this.#engine.stampGroup(parentOf(id), version);
        return { status: 202, headers: { 'Marathon-Deployment-Id': deployment.id } };
      }
      default:
        return undefined;
    }
  }
}
