// After start-up, how far V8 lets the heap grow before a full collection. By default it
// grows the old generation to a few times what survived the last full collection: over 100
// idle passes at 10,000 apps, back to back, a daemon whose live heap stayed at 160 MiB grew
// from 490 to 810 MiB resident, because each pass's listing leaves structures that live
// through the pass in the old generation. V8's --heap-growing-percent bounds the growth to
// that share of the live heap; set once the first full sync is done, so that the start-up's
// parsing (a heap growing fast, most of it kept) is not collected again and again.
//
// An operator who passed the flag to node (`node --heap-growing-percent=N`, the flag V8
// reads) keeps their own: it is left alone then. NODE_OPTIONS cannot carry it.

import { setFlagsFromString } from 'node:v8';

/** The old generation grows to at most 1.2 times the live heap between full collections. */
export const HEAP_GROWTH_PERCENT = 20;

const FLAG = /^--heap[-_]growing[-_]percent(=|$)/;

/** Bounds the heap's growth (see above). Returns whether it did: false when node was given the flag. */
export function limitHeapGrowth(percent = HEAP_GROWTH_PERCENT, execArgv: readonly string[] = process.execArgv, setFlags = setFlagsFromString): boolean {
  if (!Number.isInteger(percent) || percent < 1) throw new TypeError(`Expected \`percent\` to be an integer from 1 and up, got \`${percent}\``);
  if (execArgv.some((a) => FLAG.test(a))) return false;
  setFlags(`--heap-growing-percent=${percent}`);
  return true;
}
