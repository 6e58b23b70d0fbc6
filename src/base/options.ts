// A component checks its options once, at construction, with a message that names the option
// and the bad value (p-queue's way: "Expected `concurrency` to be an integer from 1 and up,
// got `0`"). The check every component needs, worded once.

/** Throws a TypeError naming `name` unless `value` is an integer from `min` up. */
export function checkInteger(name: string, value: unknown, min: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TypeError(`Expected \`${name}\` to be an integer from ${min} and up, got \`${String(value)}\``);
  }
}

/** `value`, or `fallback` when it is undefined; otherwise checked as by checkInteger. */
export function integerOption(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  checkInteger(name, value, min);
  return value;
}
