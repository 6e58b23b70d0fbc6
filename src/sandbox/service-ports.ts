// Service ports of an app definition and their assignment (GroupManagerImpl /
// AssignDynamicServiceLogic): every 0 gets a port, preferring ports the previous version of the
// same app held and no longer names explicitly ("if the app uses dynamic ports (0), it will get
// always the same ports assigned"), otherwise the lowest free port of the range.

import type { JsonObject, JsonValue } from '../model/marathon.js';
import { MarathonApiError } from './errors.js';
import type { PortPool } from './ports.js';

function list(v: JsonValue | undefined): JsonObject[] {
  return Array.isArray(v) ? (v as JsonObject[]) : [];
}

/** Host networking: portDefinitions[].port; otherwise container.portMappings[].servicePort. */
export function servicePortsOf(def: JsonObject): number[] {
  if (Array.isArray(def.portDefinitions)) return list(def.portDefinitions).map((p) => Number(p.port ?? 0));
  const container = def.container as JsonObject | undefined;
  return list(container?.portMappings).map((m) => Number(m.servicePort ?? 0));
}

function withServicePorts(def: JsonObject, ports: number[]): JsonObject {
  if (Array.isArray(def.portDefinitions)) {
    return { ...def, portDefinitions: list(def.portDefinitions).map((p, i) => ({ ...p, port: ports[i] as number })) };
  }
  const container = def.container as JsonObject | undefined;
  if (!container || !Array.isArray(container.portMappings)) return def;
  return {
    ...def,
    container: { ...container, portMappings: list(container.portMappings).map((m, i) => ({ ...m, servicePort: ports[i] as number })) },
  };
}

export interface PortAssignment {
  def: JsonObject;
  /** Reserved by this assignment: released again if the write is rejected. */
  reserved: number[];
  /** Held by the previous version: released once the write is applied. */
  previous: number[];
}

export function assignServicePorts(def: JsonObject, previous: JsonObject | undefined, pool: PortPool): PortAssignment {
  const wanted = servicePortsOf(def);
  const prev = previous ? servicePortsOf(previous) : [];
  const explicit = new Set(wanted.filter((p) => p !== 0));
  const reusable = prev.filter((p) => p !== 0 && p >= pool.range.min && p <= pool.range.max && !explicit.has(p));
  const reserved: number[] = [];
  const ports: number[] = [];
  for (const p of wanted) {
    let port = p;
    if (port === 0) {
      const reuse = reusable.shift();
      if (reuse !== undefined) {
        pool.reserve(reuse);
        port = reuse;
      } else {
        const allocated = pool.allocate();
        if (allocated === undefined) {
          for (const r of reserved) pool.release(r);
          throw new MarathonApiError(500, { message: `All ports in the range [${pool.range.min}-${pool.range.max}) are already in use` });
        }
        port = allocated;
      }
    } else pool.reserve(port);
    reserved.push(port);
    ports.push(port);
  }
  return { def: wanted.length > 0 ? withServicePorts(def, ports) : def, reserved, previous: prev };
}
