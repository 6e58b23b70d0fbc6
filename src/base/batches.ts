// Cutting a list into runs bounded in size (bytes to read at once) and, when asked, in count:
// the git source's blob reads and the folder rescan's reads in its worker thread. Pure.

/**
 * `items` in order, cut into runs whose `size` adds up to at most `max` and that hold at most
 * `maxItems` items (an item over `max` makes a run of its own).
 */
export function batches<T>(items: readonly T[], size: (item: T) => number, max: number, maxItems = Number.POSITIVE_INFINITY): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const n = size(item);
    if (current.length > 0 && (current.length >= maxItems || bytes + n > max)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += n;
  }
  if (current.length > 0) out.push(current);
  return out;
}
