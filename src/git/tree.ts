// The entries below a folder of a commit, recursively, with blob sizes: what
// `git ls-tree -r -l <commit>:<path>` prints, read out of the tree objects through the clone's
// long-lived cat-file (./cat-file.ts) instead of a process per commit.
//
// Objects are content-addressed: a tree id names its whole content, a blob id its size. So the
// listing of a subtree whose id did not change since the last commit read is taken again as
// it was, and only the trees a push changed (the folders on the way to the changed files) are
// read: a commit changing one file of a thousand, in one folder of fifty, reads three or four
// small objects. What is kept is the previous listing only (replaced at each walk).

import type { CatFile } from './cat-file.js';

export interface TreeEntry {
  /** "100644", "100755", "120000" (symbolic link), "160000" (submodule), "040000". */
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  oid: string;
  /** Bytes of a blob; undefined for anything else. */
  size: number | undefined;
  /** Relative to the tree listed, '/' separated. */
  path: string;
}

export type Listing = { ok: true; entries: TreeEntry[] } | { ok: false; reason: string; missing?: boolean };

/** More entries than `ls-tree` was allowed to print (64 MiB of listing): not a manifests folder. */
export const MAX_TREE_ENTRIES = 500_000;
/** Folders nested deeper than this are refused (the walk recurses once per level). */
export const MAX_TREE_DEPTH = 1_000;
/** A tree object larger than this is refused. */
const MAX_TREE_BYTES = 64 * 1024 * 1024;

/** One entry of a tree object, as stored. */
export interface RawTreeEntry {
  mode: string;
  type: TreeEntry['type'];
  name: string;
  oid: string;
}

/** `<octal mode> SP <name> NUL <raw id>` per entry; `oidBytes` 20 (SHA-1) or 32 (SHA-256). */
export function parseTreeObject(buf: Buffer, oidBytes: number): RawTreeEntry[] | undefined {
  const out: RawTreeEntry[] = [];
  let at = 0;
  while (at < buf.length) {
    const sp = buf.indexOf(0x20, at);
    const nul = sp < 0 ? -1 : buf.indexOf(0x00, sp + 1);
    if (sp < 0 || nul < 0 || nul + 1 + oidBytes > buf.length) return undefined;
    const octal = buf.subarray(at, sp).toString('latin1');
    if (!/^[0-7]{1,6}$/.test(octal)) return undefined;
    // ls-tree prints modes on six digits: trees are stored as "40000".
    const mode = octal.padStart(6, '0');
    const type = mode === '040000' ? 'tree' : mode === '160000' ? 'commit' : 'blob';
    out.push({ mode, type, name: buf.subarray(sp + 1, nul).toString('utf8'), oid: buf.subarray(nul + 1, nul + 1 + oidBytes).toString('hex') });
    at = nul + 1 + oidBytes;
  }
  return out;
}

export class TreeLister {
  readonly #cat: CatFile;
  /** The recursive listing of each tree of the last walk, relative to that tree. */
  #listings = new Map<string, TreeEntry[]>();
  /** The size of each blob of the last walk. */
  #sizes = new Map<string, number>();
  /** Trees read from git (not reused) since this lister was made: for tests. */
  treesRead = 0;

  constructor(cat: CatFile) {
    this.#cat = cat;
  }

  /**
   * Every entry below `path` ('' for the root) of the commit whose root tree is `rootTree`,
   * recursively (blobs and submodules, not the folders themselves), in git's order.
   */
  async list(rootTree: string, path: string, commitLabel: string): Promise<Listing> {
    const oidBytes = rootTree.length / 2;
    const trees = new Map<string, RawTreeEntry[]>();
    const read = async (oids: string[]): Promise<string | undefined> => {
      const fresh = [...new Set(oids)].filter((o) => !trees.has(o));
      if (fresh.length === 0) return undefined;
      const got = await this.#cat.contents(fresh, MAX_TREE_BYTES);
      if (!got.ok) return got.overflow ? `the tree of ${path || 'the root'} has too many entries` : got.reason;
      for (const a of got.answers) {
        if ('missing' in a || a.type !== 'tree') return `tree ${a.oid.slice(0, 12)} is missing from the clone`;
        const entries = parseTreeObject(a.content, oidBytes);
        if (!entries) return `tree ${a.oid.slice(0, 12)} is malformed`;
        trees.set(a.oid, entries);
        this.treesRead++;
      }
      return undefined;
    };

    // The folder asked for, one level at a time (as `<commit>:<path>` resolves it: no link followed).
    let at = rootTree;
    const above = new Set<string>();
    const parts = path.split('/').filter((p) => p !== '');
    for (const [i, name] of parts.entries()) {
      const failed = await read([at]);
      if (failed) return { ok: false, reason: failed };
      const entry = (trees.get(at) as RawTreeEntry[]).find((e) => e.name === name);
      if (entry?.type !== 'tree') {
        const what = entry ? `a ${entry.type}` : 'missing';
        return { ok: false, missing: true, reason: `${parts.slice(0, i + 1).join('/')} is ${what} in commit ${commitLabel}, not a folder` };
      }
      above.add(at);
      at = entry.oid;
    }

    // Every tree below it not listed last time, a level at a time (one request per level).
    const listings = new Map<string, TreeEntry[]>();
    let level = [at];
    for (let depth = 0; level.length > 0; depth++) {
      if (depth > MAX_TREE_DEPTH) return { ok: false, reason: `the tree of ${path || 'the root'} is nested deeper than ${MAX_TREE_DEPTH} folders` };
      const failed = await read(level.filter((o) => !this.#listings.has(o)));
      if (failed) return { ok: false, reason: failed };
      const next: string[] = [];
      for (const o of level) {
        const kept = this.#listings.get(o);
        if (kept) listings.set(o, kept);
        else for (const e of trees.get(o) as RawTreeEntry[]) if (e.type === 'tree' && !listings.has(e.oid) && !trees.has(e.oid)) next.push(e.oid);
      }
      level = [...new Set(next)];
    }

    // Sizes of the blobs of the trees just read: known from the last walk, or asked in one request.
    const sizes = new Map<string, number>();
    const unsized = new Set<string>();
    for (const [o, entries] of trees)
      if (!listings.has(o) && !above.has(o))
        for (const e of entries)
          if (e.type === 'blob') {
            const known = this.#sizes.get(e.oid);
            if (known !== undefined) sizes.set(e.oid, known);
            else unsized.add(e.oid);
          }
    const info = await this.#cat.info([...unsized]);
    if (!info.ok) return { ok: false, reason: info.reason };
    for (const a of info.objects) {
      if ('missing' in a) return { ok: false, reason: `blob ${a.oid.slice(0, 12)} is missing from the clone` };
      sizes.set(a.oid, a.size);
    }

    // Counted before anything is built: subtrees shared many times over could list billions.
    const counts = new Map<string, number>();
    const count = (o: string): number => {
      const known = counts.get(o) ?? listings.get(o)?.length;
      if (known !== undefined) return known;
      let n = 0;
      for (const e of trees.get(o) as RawTreeEntry[]) n = Math.min(MAX_TREE_ENTRIES + 1, n + (e.type === 'tree' ? count(e.oid) : 1));
      counts.set(o, n);
      return n;
    };
    if (count(at) > MAX_TREE_ENTRIES) return { ok: false, reason: `the tree of ${path || 'the root'} has too many entries` };

    const build = (o: string): TreeEntry[] => {
      const known = listings.get(o);
      if (known) return known;
      const out: TreeEntry[] = [];
      for (const e of trees.get(o) as RawTreeEntry[]) {
        if (e.type === 'tree') for (const sub of build(e.oid)) out.push({ ...sub, path: `${e.name}/${sub.path}` });
        else out.push({ mode: e.mode, type: e.type, oid: e.oid, size: e.type === 'blob' ? sizes.get(e.oid) : undefined, path: e.name });
      }
      listings.set(o, out);
      return out;
    };
    const entries = build(at);
    // Kept for the next walk: what this commit holds, nothing older.
    this.#listings = listings;
    this.#sizes = new Map(entries.flatMap((e) => (e.size !== undefined ? [[e.oid, e.size] as const] : [])));
    return { ok: true, entries };
  }
}
