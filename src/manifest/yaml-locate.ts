// Maps a path inside a YAML document (as the schema and checks see the parsed value) back
// to the line and column of the node in the text, following aliases and `<<` merge keys,
// so every problem points where the user has to edit.

import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from 'yaml';
import type { Path } from './issue.js';

export interface Position {
  line: number;
  column: number;
}

function resolve(node: unknown, doc: Document): unknown {
  let cur = node;
  for (let i = 0; i < 32 && isAlias(cur); i++) cur = cur.resolve(doc);
  return cur;
}

function isMergeKey(key: unknown): boolean {
  return isScalar(key) && (key.source === '<<' || typeof key.value === 'symbol');
}

/**
 * A map's own pairs by key (the first of each), built once per map: a document with
 * thousands of problems in one mapping is located in linear time, not quadratic.
 */
const ownPairs = new WeakMap<object, Map<string, Pair>>();

function ownPair(m: { items: Pair[] }, key: string): Pair | undefined {
  let index = ownPairs.get(m);
  if (!index) {
    index = new Map();
    for (const pair of m.items) {
      if (isMergeKey(pair.key) || !isScalar(pair.key)) continue;
      const k = String(pair.key.value);
      if (!index.has(k)) index.set(k, pair);
    }
    ownPairs.set(m, index);
  }
  return index.get(key);
}

/** The pair for `key` in a map, its own pairs first, then the maps merged in with `<<`. */
function findPair(map: unknown, key: string, doc: Document, depth = 0): Pair | undefined {
  const m = resolve(map, doc);
  if (!isMap(m) || depth > 16) return undefined;
  const own = ownPair(m as { items: Pair[] }, key);
  if (own) return own;
  for (const pair of m.items) {
    if (!isMergeKey(pair.key)) continue;
    const source = resolve(pair.value, doc);
    const sources = isSeq(source) ? source.items : [source];
    for (const s of sources) {
      const found = findPair(s, key, doc, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

function hasRange(node: unknown): node is Node & { range: [number, number, number] } {
  return typeof node === 'object' && node !== null && Array.isArray((node as Node).range);
}

/** An empty value (`key:` with nothing after it) has no text of its own: use its key. */
function isEmptyScalar(node: unknown): boolean {
  return isScalar(node) && node.value === null && hasRange(node) && node.range[0] === node.range[1];
}

/**
 * Position of the value at `path` (or of its key when `at` is 'key'). When the path goes
 * deeper than the document (a missing field), the deepest existing node is used.
 */
export function locate(doc: Document, lineCounter: LineCounter, path: Path, at: 'key' | 'value' = 'value'): Position {
  let node: unknown = doc.contents;
  let keyNode: unknown;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i] as string | number;
    const cur = resolve(node, doc);
    let next: unknown;
    let nextKey: unknown;
    if (isSeq(cur) && typeof seg === 'number') {
      next = cur.items[seg];
      nextKey = undefined;
    } else if (isMap(cur)) {
      const pair = findPair(cur, String(seg), doc);
      next = pair?.value;
      nextKey = pair?.key;
    }
    if (next === undefined && nextKey === undefined) break;
    node = next;
    keyNode = nextKey;
    if (i === path.length - 1 && at === 'key' && nextKey !== undefined) node = nextKey;
  }
  if ((node === undefined || node === null || isEmptyScalar(node)) && keyNode !== undefined) node = keyNode;
  if (isPair(node)) node = node.key;
  const offset = hasRange(node) ? node.range[0] : hasRange(doc.contents) ? doc.contents.range[0] : 0;
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}
