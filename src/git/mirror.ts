// maracker's own bare clone of a remote, in its data folder: fetched, never checked out.
// Manifests are read from a commit's objects (ls-tree, cat-file), so what is read is one
// commit, whole, and never a work tree half-way through an update. Nothing of the remote's
// configuration reaches this repository (a fetch transfers objects and refs only), and it
// has no work tree: a committed `.gitattributes` names no filter, a `.gitmodules` starts no
// clone, a committed `config` or `hooks/` is a blob like any other.
//
// Every command goes through runBareGit (./run.ts): hardened, bounded output, a timeout.

import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { GitCommit } from '../model/desired.js';
import type { Remote } from './remote.js';
import { runBareGit, type BareOutcome, type RunBareOptions } from './run.js';

/** Where the fetched commit is kept: a ref of maracker's own, so a gc never drops it. */
const TARGET_REF = 'refs/maracker/target';
const OID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
/** Lock files a fetch of this clone takes. */
const STALE_LOCKS = [`${TARGET_REF}.lock`, 'packed-refs.lock', 'shallow.lock', 'config.lock', 'HEAD.lock'];

export type CommitInfo = GitCommit;

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

export type Failure = { ok: false; reason: string };
export type Tree = { ok: true; entries: TreeEntry[] } | (Failure & { /** The path is not a folder in this commit. */ missing?: boolean });
export type Fetched =
  /** The ref names the commit in force, as at the last fetch. */
  | { ok: true; changed: false; commit: string }
  | {
      ok: true;
      changed: true;
      commit: string;
      info: CommitInfo;
      parents: readonly string[];
      previous: string | undefined;
      /** The new commit does not descend from the previous one (force-push). */
      rewritten: boolean;
      /** The listing of the path asked for, when it succeeded. */
      tree?: Extract<Tree, { ok: true }>;
    };

export interface GitMirrorOptions {
  /** The bare repository's folder (created when missing). */
  dir: string;
  remote: Remote;
  /** Branch, tag or full ref name to follow. */
  ref: string;
  /** gitEnvironment(). */
  env: Readonly<Record<string, string>>;
  /** A fetch may take this long. Default 120 s. */
  fetchTimeoutMs?: number;
  /** Any other command. Default 30 s. */
  timeoutMs?: number;
}

export class GitMirror {
  readonly #o: Required<GitMirrorOptions>;
  /** What the ref file held after the last fetch, and the commit it gave. */
  #last: { raw: string; commit: string } | undefined;

  constructor(o: GitMirrorOptions) {
    this.#o = { fetchTimeoutMs: 120_000, timeoutMs: 30_000, ...o };
  }

  get dir(): string {
    return this.#o.dir;
  }

  /** Creates the bare repository unless it exists; no template (no sample hooks, no info/). */
  async ensure(): Promise<{ ok: true } | Failure> {
    const head = await stat(join(this.#o.dir, 'HEAD')).catch(() => undefined);
    if (head?.isFile()) return { ok: true };
    const out = await runBareGit(undefined, ['init', '--bare', '--quiet', '--template=', this.#o.dir], { env: this.#o.env, timeoutMs: this.#o.timeoutMs });
    return out.ok ? { ok: true } : { ok: false, reason: `cannot create the clone in ${this.#o.dir}: ${out.reason}` };
  }

  /**
   * Fetches the ref (forced: the remote's ref is the truth, a rewritten history included) and
   * reads the commit it names. `previous` is the commit in force, if any: a new commit that
   * does not descend from it is a rewrite. A push waits for every git process started here
   * (each a process start: 20-50 ms on a loaded machine), so: an unchanged ref is seen in the
   * ref file itself (no process); a changed one is read with one cat-file while, with `path`,
   * its tree is listed at the same time.
   */
  async fetch(previous: string | undefined, o: { signal?: AbortSignal; path?: string } = {}): Promise<Fetched | Failure> {
    const r = this.#o.remote;
    // A fetch killed half-way (its timeout, the daemon stopping, a crash) leaves its lock files,
    // and every later fetch would fail on them for good. Fetches of this clone run one at a
    // time, in this process only (one clone per daemon): a lock found here is stale.
    await Promise.all(STALE_LOCKS.map((name) => rm(join(this.#o.dir, name), { force: true }).catch(() => undefined)));
    const out = await runBareGit(
      this.#o.dir,
      ['fetch', '--quiet', '--no-tags', '--no-recurse-submodules', '--no-write-fetch-head', '--no-auto-gc', '--', r.url, `+${this.#o.ref}:${TARGET_REF}`],
      {
        env: { ...this.#o.env, ...r.env },
        timeoutMs: this.#o.fetchTimeoutMs,
        maxOutputBytes: 64 * 1024,
        config: [
          ...r.config,
          // Malformed objects (and .gitmodules tricks) are refused at the door.
          ['transfer.fsckObjects', 'true'],
          ['fetch.recurseSubmodules', 'false'],
          // A stalled server is given up on, rather than holding the fetch until its timeout.
          ['http.lowSpeedLimit', '1'],
          ['http.lowSpeedTime', '60'],
        ],
        ...(o.signal ? { signal: o.signal } : {}),
      },
    );
    if (!out.ok) return { ok: false, reason: fetchReason(out, r.display, this.#o.ref) };
    // The ref as fetch wrote it (a loose ref: this clone is never packed); the same object as
    // last time, which gave the commit in force: nothing to read.
    const raw = await readFile(join(this.#o.dir, TARGET_REF), 'utf8').then(
      (t) => t.trim(),
      () => undefined,
    );
    if (raw !== undefined && previous !== undefined && raw === this.#last?.raw && this.#last.commit === previous)
      return { ok: true, changed: false, commit: previous };
    const [read, tree] = await Promise.all([
      this.#git(['cat-file', '--batch'], 1024 * 1024, `${TARGET_REF}^{commit}\n`),
      o.path !== undefined ? this.tree(TARGET_REF, o.path) : undefined,
    ]);
    const commit = read.ok ? parseCommitObject(read.stdout) : undefined;
    if (commit === undefined) return { ok: false, reason: `${this.#o.ref} of ${r.display} does not name a commit` };
    if (raw !== undefined) this.#last = { raw, commit: commit.hash };
    const rewritten =
      previous !== undefined && previous !== commit.hash && !commit.parents.includes(previous) && !(await this.#isAncestor(previous, commit.hash));
    // A listing that failed is listed again by the caller, by commit id, for a precise reason.
    return { ok: true, changed: true, commit: commit.hash, info: commit.info, parents: commit.parents, previous, rewritten, ...(tree?.ok ? { tree } : {}) };
  }

  async #isAncestor(a: string, b: string): Promise<boolean> {
    return (await this.#git(['merge-base', '--is-ancestor', a, b])).ok;
  }

  /** Every entry below `path` ('' for the root) of `commit`, recursively, with blob sizes. */
  async tree(commit: string, path: string): Promise<Tree> {
    const spec = path === '' ? `${commit}^{tree}` : `${commit}:${path}`;
    // 64 MiB of listing is some 500,000 entries: more is not a manifests folder.
    const out = await this.#git(['ls-tree', '-r', '-l', '-z', '--end-of-options', spec], 64 * 1024 * 1024);
    if (out.ok) return { ok: true, entries: parseLsTree(out.stdout.toString('utf8')) };
    if (out.overflow) return { ok: false, reason: `the tree of ${path || 'the root'} has too many entries` };
    // Why not (the slow path, taken only when it fails): missing, or not a folder.
    const kind = await this.#git(['cat-file', '-t', spec]);
    const what = kind.ok ? kind.stdout.toString('utf8').trim() : 'missing';
    if (what === 'tree') return { ok: false, reason: out.reason };
    return {
      ok: false,
      missing: true,
      reason: `${path === '' ? 'the root' : path} is ${what === 'missing' ? what : `a ${what}`} in commit ${commit.slice(0, 12)}, not a folder`,
    };
  }

  /**
   * The content of blobs, read together (`cat-file --batch`), at most `maxBytes` in all:
   * callers skip blobs over their size limit before asking, using the sizes of tree().
   */
  async blobs(oids: readonly string[], maxBytes: number): Promise<{ ok: true; blobs: Map<string, Buffer> } | Failure> {
    const unique = [...new Set(oids)].filter((o) => OID.test(o));
    if (unique.length === 0) return { ok: true, blobs: new Map() };
    const out = await this.#git(['cat-file', '--batch'], maxBytes + unique.length * 100, `${unique.join('\n')}\n`);
    if (!out.ok) return { ok: false, reason: out.reason };
    return parseBatch(out.stdout);
  }

  /**
   * For each file (relative to `path`), the newest commit of `range` that changed it: one walk
   * of the history (`git log`, newest first), at most `maxCommits` commits deep. Files not
   * changed within the walk are absent.
   */
  async lastChanges(range: string, path: string, files: ReadonlySet<string>, maxCommits = 10_000): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    if (files.size === 0) return found;
    const prefix = path === '' ? '' : `${path}/`;
    const out = await this.#git(
      [
        'log',
        '--no-renames',
        '--no-show-signature',
        `--max-count=${maxCommits}`,
        '--format=%x01%H',
        '--name-only',
        '-z',
        '--end-of-options',
        range,
        '--',
        path === '' ? '.' : path,
      ],
      64 * 1024 * 1024,
    );
    if (!out.ok) return found;
    let commit = '';
    // Records: "\x01<commit>", then "\n<first file>", "<file>"... (a file name may hold a newline).
    for (const record of out.stdout.toString('utf8').split('\0')) {
      const part = record.startsWith('\n') ? record.slice(1) : record;
      if (part.startsWith('\x01')) {
        commit = part.slice(1);
        continue;
      }
      if (!part.startsWith(prefix)) continue;
      const rel = part.slice(prefix.length);
      if (files.has(rel) && !found.has(rel)) found.set(rel, commit);
      if (found.size === files.size) break;
    }
    return found;
  }

  #git(args: string[], maxOutputBytes = 4 * 1024 * 1024, stdin?: string): Promise<BareOutcome> {
    const o: RunBareOptions = { env: this.#o.env, timeoutMs: this.#o.timeoutMs, maxOutputBytes, ...(stdin !== undefined ? { stdin } : {}) };
    return runBareGit(this.#o.dir, args, o);
  }
}

/** A fetch failure in the operator's words: which remote, which ref, what git said. */
function fetchReason(out: Extract<BareOutcome, { ok: false }>, display: string, ref: string): string {
  if (/couldn't find remote ref/i.test(out.said)) return `ref ${ref} not found in ${display}`;
  // With prompts off, git says it "could not read Username" when the server wants credentials.
  if (/could not read (Username|Password)|Authentication failed|returned error: 40[13]/i.test(out.said))
    return `cannot fetch ${ref} from ${display}: authentication refused (check --git-username and --git-password)`;
  return `cannot fetch ${ref} from ${display}: ${out.said || out.reason}`;
}

function bounded(s: string): string {
  return s.length > 300 ? `${s.slice(0, 300)}...` : s;
}

/**
 * The answer of `cat-file --batch` for one commit: its id, parents, and what status shows
 * (git's own %s: the first paragraph of the message, its lines joined by spaces).
 */
export function parseCommitObject(buf: Buffer): { hash: string; parents: string[]; info: CommitInfo } | undefined {
  const lf = buf.indexOf(0x0a);
  if (lf < 0) return undefined;
  const [hash = '', type = '', size = ''] = buf.subarray(0, lf).toString('utf8').split(' ');
  if (type !== 'commit' || !OID.test(hash)) return undefined;
  const text = buf.subarray(lf + 1, lf + 1 + Number(size)).toString('utf8');
  const blank = text.indexOf('\n\n');
  const head = blank < 0 ? text : text.slice(0, blank);
  const message = blank < 0 ? '' : text.slice(blank + 2);
  const parents: string[] = [];
  let author = '';
  let time = '';
  for (const line of head.split('\n')) {
    if (line.startsWith('parent ')) parents.push(line.slice(7));
    else if (line.startsWith('author ')) {
      const m = /^author (.*) (\d+) ([+-]\d{4})$/.exec(line);
      if (m) {
        author = m[1] as string;
        time = isoTime(Number(m[2]), m[3] as string);
      }
    }
  }
  const subject = (message.split(/\n\s*\n/)[0] ?? '').replace(/\s*\n\s*/g, ' ').trim();
  return { hash, parents, info: { hash, author: bounded(author), time, subject: bounded(subject) } };
}

/** git's %aI: the author's own offset, e.g. 2026-03-02T09:00:00+01:00. */
function isoTime(epochSeconds: number, tz: string): string {
  const sign = tz.startsWith('-') ? -1 : 1;
  const offsetMin = sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(3, 5)));
  const local = new Date((epochSeconds + offsetMin * 60) * 1000).toISOString().slice(0, 19);
  return `${local}${tz.slice(0, 3)}:${tz.slice(3, 5)}`;
}

/** `<mode> SP <type> SP <oid> SP+ <size>\t<path>\0` per entry. */
export function parseLsTree(text: string): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (const record of text.split('\0')) {
    if (record === '') continue;
    const tab = record.indexOf('\t');
    const [mode = '', type = '', oid = '', size = ''] = record.slice(0, tab).split(/ +/);
    if (type !== 'blob' && type !== 'tree' && type !== 'commit') continue;
    entries.push({ mode, type, oid, size: size === '-' ? undefined : Number(size), path: record.slice(tab + 1) });
  }
  return entries;
}

/** `<oid> SP <type> SP <size> LF <bytes> LF` per object; `<oid> SP missing LF` for none. */
export function parseBatch(buf: Buffer): { ok: true; blobs: Map<string, Buffer> } | Failure {
  const blobs = new Map<string, Buffer>();
  let at = 0;
  while (at < buf.length) {
    const lf = buf.indexOf(0x0a, at);
    if (lf < 0) return { ok: false, reason: 'git cat-file answered a truncated object' };
    const [oid = '', type = '', size = ''] = buf.subarray(at, lf).toString('utf8').split(' ');
    at = lf + 1;
    if (type === 'missing') continue;
    const n = Number(size);
    if (!Number.isInteger(n) || at + n > buf.length) return { ok: false, reason: 'git cat-file answered a truncated object' };
    if (type === 'blob') blobs.set(oid, buf.subarray(at, at + n));
    at += n + 1;
  }
  return { ok: true, blobs };
}
