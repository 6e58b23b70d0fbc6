// PUT/PATCH partial updates (AppConversion.appUpdateRamlReader): the deprecated fields of the
// update are migrated on their own (AppNormalization.forDeprecatedUpdates), then every field the
// update names replaces the app's field wholesale; the result is normalised like a new app.

import type { JsonObject, JsonValue } from '../model/marathon.js';
import { Problems, validateUpdateNetworking } from './app-validate.js';
import { objectNotValid } from './errors.js';

function obj(v: JsonValue | undefined): JsonObject | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
}

/** AppValidation.validateCanonicalAppUpdateAPI: `version` (a rollback) may only come with `id`. */
export function checkRollbackUpdate(update: JsonObject): void {
  if (update.version === undefined) return;
  const others = Object.keys(update).filter((k) => k !== 'version' && k !== 'id' && update[k] !== undefined);
  if (others.length > 0) throw objectNotValid([{ path: '/', errors: ["The 'version' field may only be combined with the 'id' field."] }]);
}

function migrateUpdate(update: JsonObject): JsonObject {
  const out: JsonObject = { ...update };
  if (Array.isArray(update.uris) && update.fetch === undefined) {
    out.fetch = (update.uris as string[]).map((uri) => ({ uri }));
  }
  delete out.uris;
  if (Array.isArray(update.ports) && update.portDefinitions === undefined) {
    out.portDefinitions = (update.ports as number[]).map((port) => ({ port }));
  }
  delete out.ports;
  const container = obj(update.container);
  const docker = obj(container?.docker);
  if (container && docker) {
    const network = docker.network;
    const d: JsonObject = { ...docker };
    delete d.network;
    delete d.portMappings;
    const c: JsonObject = { ...container, docker: d };
    if (Array.isArray(docker.portMappings) && (c.portMappings === undefined || (c.portMappings as JsonValue[]).length === 0)) {
      c.portMappings = docker.portMappings;
    }
    out.container = c;
    if (update.networks === undefined) {
      if (network === 'BRIDGE') out.networks = [{ mode: 'container/bridge' }];
      else if (network === 'HOST') out.networks = [{ mode: 'host' }];
      else if (network === 'USER') out.networks = [{ mode: 'container' }];
    }
  }
  delete out.id;
  delete out.version;
  delete out.versionInfo;
  return out;
}

/** The App body resulting from applying `update` to the current definition. */
export function mergeUpdate(current: JsonObject, update: JsonObject): JsonObject {
  const migrated = migrateUpdate(update);
  const problems = new Problems();
  validateUpdateNetworking(migrated, problems);
  problems.throwIfAny();
  const merged: JsonObject = { ...current };
  for (const [k, v] of Object.entries(migrated)) if (v !== undefined) merged[k] = v;
  return merged;
}
