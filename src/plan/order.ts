// Dependency order for a batch of actions. Marathon starts an app's dependencies before the
// app (app.raml `dependencies`), so creates and updates go dependencies first and deletes go
// dependents first. Ties, and everything unrelated, go by id so a plan reads the same twice.

import type { AppId } from '../model/app-id.js';

/**
 * `ids` ordered so that each comes after every id in `before(id)` that is also in `ids`
 * (ids outside the batch impose nothing). Kahn's algorithm, always taking the smallest ready
 * id. A cycle cannot be ordered: when nothing is ready, the smallest id left is taken as if
 * its remaining predecessors were done, and ordering resumes from there. Marathon rejects
 * cyclic dependencies anyway; the point is to terminate with a usable, stable order.
 */
export function dependencyOrder(ids: readonly AppId[], before: (id: AppId) => readonly AppId[]): AppId[] {
  const sorted = [...new Set(ids)].sort(compareIds);
  const members = new Set(sorted);
  const waitingOn = new Map<AppId, number>();
  const successors = new Map<AppId, AppId[]>();
  for (const id of sorted) {
    let count = 0;
    for (const pred of new Set(before(id))) {
      if (pred === id || !members.has(pred)) continue;
      count++;
      const list = successors.get(pred);
      if (list) list.push(id);
      else successors.set(pred, [id]);
    }
    waitingOn.set(id, count);
  }

  const ready = new MinHeap();
  for (const id of sorted) if (waitingOn.get(id) === 0) ready.push(id);
  const done = new Set<AppId>();
  const out: AppId[] = [];
  let scan = 0; // position in `sorted` of the smallest id that may still be pending
  while (out.length < sorted.length) {
    let next = ready.pop();
    if (next === undefined) {
      // Cycle: fall back to id order for the smallest pending id.
      while (done.has(sorted[scan] as AppId)) scan++;
      next = sorted[scan] as AppId;
    }
    if (done.has(next)) continue;
    done.add(next);
    out.push(next);
    for (const succ of successors.get(next) ?? []) {
      const left = (waitingOn.get(succ) as number) - 1;
      waitingOn.set(succ, left);
      if (left === 0 && !done.has(succ)) ready.push(succ);
    }
  }
  return out;
}

export function compareIds(a: AppId, b: AppId): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A binary min-heap of ids (the ready set can hold thousands of unrelated apps). */
class MinHeap {
  readonly #items: AppId[] = [];

  push(id: AppId): void {
    const items = this.#items;
    items.push(id);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((items[parent] as AppId) <= id) break;
      items[i] = items[parent] as AppId;
      i = parent;
    }
    items[i] = id;
  }

  pop(): AppId | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && (items[right] as AppId) < (items[left] as AppId) ? right : left;
      if ((items[child] as AppId) >= last) break;
      items[i] = items[child] as AppId;
      i = child;
    }
    items[i] = last;
    return top;
  }
}
