// Checks one composed YAML document before it is turned into data, in one iterative pass
// (no recursion: the document may be as deep as the stream check let through):
//
// - duplicate keys, with a Set per mapping: linear, where the yaml library's own check is
//   quadratic. Same rule as the library's: two scalar keys with the same value;
// - what the document becomes once its aliases are expanded: how deep, how many mapping
//   entries and list items. Sizes are computed per node and reused for every alias to it,
//   so a "billion laughs" chain is refused by arithmetic, never by building it;
// - the number of aliases, and an alias inside the node it names (it would expand forever).

import { isAlias, isMap, isPair, isScalar, isSeq, type Document } from 'yaml';
import { limitSuffix, type InputLimits } from './limits.js';
import { bareToken } from './quote.js';
import type { YamlRefusal } from './yaml-stream.js';

export interface TreeCheck {
  /** Offsets of keys already present in their mapping. */
  duplicateKeys: number[];
  /** Set when the document is over a limit: it must not be converted. */
  refusal?: YamlRefusal;
}

interface Size {
  /** Mapping entries and list items below and including this node, aliases expanded. */
  nodes: number;
  /** Nested mappings and lists, this one included; 0 for a scalar. */
  depth: number;
}

interface Frame {
  node: object;
  children: readonly unknown[];
  next: number;
  nodes: number;
  childDepth: number;
  /** 1 for a mapping or list, 0 for a pair (a pair is an entry, not a level). */
  level: number;
  /** 1 for a list: each item is an entry (a mapping's entries are its pairs). */
  perChild: number;
}

const LEAF: Size = { nodes: 0, depth: 0 };

function offsetOf(node: unknown): number {
  const range = (node as { range?: unknown } | null)?.range;
  return Array.isArray(range) && typeof range[0] === 'number' ? range[0] : 0;
}

function anchorOf(node: unknown): string | undefined {
  const a = (node as { anchor?: unknown } | null)?.anchor;
  return typeof a === 'string' ? a : undefined;
}

export function checkYamlTree(doc: Document.Parsed, limits: InputLimits): TreeCheck {
  const duplicateKeys: number[] = [];
  const sizes = new Map<object, Size>();
  const anchors = new Map<string, object>();
  const open = new Set<object>();
  let aliases = 0;
  const stack: Frame[] = [];
  let refusal: YamlRefusal | undefined;
  const refuse = (node: unknown, message: string): void => {
    refusal ??= { offset: offsetOf(node), message };
  };

  const checkKeys = (map: { items: readonly unknown[] }): void => {
    const seen = new Set<unknown>();
    for (const pair of map.items) {
      const key = isPair(pair) ? pair.key : undefined;
      if (!isScalar(key)) continue;
      const v = key.value;
      if (typeof v === 'number' && Number.isNaN(v)) continue; // NaN !== NaN for the library too
      if (seen.has(v)) duplicateKeys.push(offsetOf(key));
      else seen.add(v);
    }
  };

  /** The size of a leaf or alias, or undefined after pushing a frame for a collection or pair. */
  const enter = (node: unknown): Size | undefined => {
    if (node === null || node === undefined || typeof node !== 'object') return LEAF;
    const anchor = anchorOf(node);
    if (anchor !== undefined) anchors.set(anchor, node);
    if (isAlias(node)) {
      if (++aliases > limits.maxYamlAliases) {
        refuse(node, `more than ${limits.maxYamlAliases} aliases in one document ${limitSuffix('maxYamlAliases')}`);
        return LEAF;
      }
      const target = anchors.get(node.source);
      if (target === undefined) return LEAF; // unresolved: the conversion reports it
      if (open.has(target)) {
        refuse(node, `alias *${bareToken(node.source)} is inside the node it names: it would expand without end`);
        return LEAF;
      }
      return sizes.get(target) ?? LEAF;
    }
    if (isScalar(node)) return LEAF;
    if (isMap(node)) {
      checkKeys(node);
      push(node, node.items, { nodes: 0, level: 1, perChild: 0 });
    } else if (isSeq(node)) {
      push(node, node.items, { nodes: 0, level: 1, perChild: 1 });
    } else if (isPair(node)) {
      push(node, [node.key, node.value], { nodes: 1, level: 0, perChild: 0 });
    } else {
      return LEAF;
    }
    return undefined;
  };

  const push = (node: object, children: readonly unknown[], f: Pick<Frame, 'nodes' | 'level' | 'perChild'>): void => {
    stack.push({ node, children, next: 0, childDepth: 0, ...f });
    open.add(node);
  };

  const add = (frame: Frame, size: Size): void => {
    frame.nodes += size.nodes + frame.perChild;
    if (size.depth > frame.childDepth) frame.childDepth = size.depth;
    if (frame.nodes > limits.maxYamlNodes) {
      refuse(frame.node, `more than ${limits.maxYamlNodes} mapping entries and list items in one document, aliases expanded ${limitSuffix('maxYamlNodes')}`);
    }
  };

  enter(doc.contents);
  while (stack.length > 0 && refusal === undefined) {
    const frame = stack[stack.length - 1] as Frame;
    if (frame.next < frame.children.length) {
      const size = enter(frame.children[frame.next++]);
      if (size) add(frame, size);
      continue;
    }
    stack.pop();
    open.delete(frame.node);
    const size: Size = { nodes: frame.nodes, depth: frame.childDepth + frame.level };
    if (size.depth > limits.maxYamlDepth) {
      refuse(frame.node, `nested deeper than ${limits.maxYamlDepth} levels, aliases followed ${limitSuffix('maxYamlDepth')}`);
    }
    sizes.set(frame.node, size);
    const parent = stack[stack.length - 1];
    if (parent) add(parent, size);
  }
  return refusal ? { duplicateKeys, refusal } : { duplicateKeys };
}
