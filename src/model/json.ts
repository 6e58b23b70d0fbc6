// JSON read from outside (Marathon's answers, a registry's, a Docker config file): the one
// test of "is this a JSON object?" that every reader starts from.

/** A JSON object: not null, not an array. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
