// Reading JSON a registry sent. A body that is not what was asked for raises a ShapeError,
// which the client turns into MRK_REGISTRY_BAD_RESPONSE with the image it was reading.

import { isObject } from '../model/json.js';

/** A body that is not the expected shape. Internal: surfaced as RegistryBadResponseError. */
export class ShapeError extends Error {}

export function parseJsonObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
  } catch (err) {
    throw new ShapeError(`${what} is not valid JSON (${(err as Error).message}; ${bytes.length} bytes)`);
  }
  if (!isObject(value)) throw new ShapeError(`${what} is not a JSON object`);
  return value;
}
