// How deep a parsed value nests, measured without recursion: a database row can hold a
// spec nested 10,000 levels deep (PostgreSQL accepts it, JSON.parse too), and every
// recursive step after it (validation, translation, hashing, cloning) would overflow the
// stack. Checked before any of them runs.

/** True when `value` has more than `max` nested objects and arrays. */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}
