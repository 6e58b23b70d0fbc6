// maracker's own bare clone of a remote, in its data folder: fetched, never checked out.
// Manifests are read from a commit's objects (ls-tree, cat-file), so what is read is one
// commit, whole, and never a work tree half-way through an update. Nothing of the remote's
// configuration reaches this repository (a fetch transfers objects and refs only), and it
// has no work tree: a committed `.gitattributes` names no filter, a `.gitmodules` starts no
// clone, a committed `config` or `hooks/` is a blob like any other.
//
// Every command goes through runBareGit (./run.ts): hardened, bounded output, a timeout.
// Objects are read through one long-lived `git cat-file --batch-command` (./cat-file.ts), and
// a commit's tree is listed from its tree objects, reusing the listing of every subtree whose
// id did not change (./tree.ts): after the fetch, reading a pushed commit starts no process.

import { constants } from 'node:fs';
import { access, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { codeOf } from '../base/errors.js';
import type { GitCommit } from '../model/desired.js';
import { CatFile } from './cat-file.js';
import type { Remote } from './remote.js';
import { runBareGit, type BareOutcome, type RunBareOptions } from './run.js';
import { explainSshFailure } from './ssh-failure.js';
import type { SshReuse } from './ssh-reuse.js';
import { TreeLister, type TreeEntry } from './tree.js';

export type { TreeEntry } from './tree.js';

/** Where the fetched commit is kept: a ref of maracker's own, so a gc never drops it. */
const TARGET_REF = 'refs/maracker/target';
const OID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
/** Lock files a fetch of this clone takes. */
const STALE_LOCKS = [`${TARGET_REF}.lock`, 'packed-refs.lock', 'shallow.lock', 'config.lock', 'HEAD.lock'];
/** A commit object larger than this is not read. */
const MAX_COMMIT_BYTES = 1024 * 1024;

export type CommitInfo = GitCommit;

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

/** What tidy() found, and did. */
export type Tidied = { ok: true; repacked: boolean; looseObjects: number; packs: number; ms?: number } | Failure;

/**
 * Loose objects and packs the clone may hold before tidy() packs it: git's own `gc --auto`
 * judges by 6,700 loose objects and 50 packs; a clone read by one daemon is packed sooner.
 */
export const TIDY_LOOSE_OBJECTS = 1000;
export const TIDY_PACKS = 10;
const FANOUT = /^[0-9a-f]{2}$/;
const LOOSE_NAME = /^(?:[0-9a-f]{38}|[0-9a-f]{62})$/;
/** Files git writes an object or a pack to until it is whole (odb_mkstemp's `tmp_`, repack's `.tmp-`). */
const LOOSE_TEMPORARY = /^tmp_obj_/;
const PACK_TEMPORARY = /^(?:tmp_|\.tmp-)/;

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
  /**
   * Asked before every fetch for the environment carrying its credentials, over the
   * remote's own (a --git-password-file read again: src/git/password-file.ts). A failure
   * fails the fetch with its reason.
   */
  credentials?: () => Promise<{ ok: true; env: Readonly<Record<string, string>> } | Failure>;
  /** ssh:// only: fetches share one connection (./ssh-reuse.ts); closed with the mirror. */
  sshReuse?: SshReuse;
  /** tidy() packs the clone past this many loose objects (default TIDY_LOOSE_OBJECTS) or packs (TIDY_PACKS). */
  tidyLooseObjects?: number;
  tidyPacks?: number;
}

export class GitMirror {
  readonly #o: Required<Omit<GitMirrorOptions, 'credentials' | 'sshReuse'>> & Pick<GitMirrorOptions, 'credentials' | 'sshReuse'>;
  /** What the ref file held after the last fetch, and the commit it gave. */
  #last: { raw: string; commit: string } | undefined;
  /**
   * A fetch's (or a repack's) lock and temporary files may have been left behind: before
   * this process's first fetch (the one before may have been killed with the daemon) and
   * after a fetch or a repack that did not end well.
   */
  #leftoversMaybe = true;
  readonly #cat: CatFile;
  readonly #lister: TreeLister;

  constructor(o: GitMirrorOptions) {
    this.#o = { fetchTimeoutMs: 120_000, timeoutMs: 30_000, tidyLooseObjects: TIDY_LOOSE_OBJECTS, tidyPacks: TIDY_PACKS, ...o };
    this.#cat = new CatFile({ gitDir: this.#o.dir, env: this.#o.env, timeoutMs: this.#o.timeoutMs });
    this.#lister = new TreeLister(this.#cat);
  }

  /** Stops the clone's cat-file process and ends a shared ssh connection; the mirror is not used after. */
  async close(): Promise<void> {
    this.#cat.close();
    await this.#o.sshReuse?.close();
  }

  /** Processes cat-file was started in, and trees read from git (for tests: reads reuse both). */
  get readCounts(): { catFileStarts: number; treesRead: number } {
    return { catFileStarts: this.#cat.started, treesRead: this.#lister.treesRead };
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
   * ref file itself (no process); a changed one is read, and with `path` its tree listed,
   * through the long-lived cat-file (no process either).
   */
  async fetch(previous: string | undefined, o: { signal?: AbortSignal; path?: string } = {}): Promise<Fetched | Failure> {
    const r = this.#o.remote;
    // A fetch killed half-way (its timeout, the daemon stopping, a crash) leaves its lock files,
    // and every later fetch would fail on them for good; and what it had received, in a
    // temporary file git never removes. Fetches of this clone run one at a time, in this
    // process only (one clone per daemon): a lock or temporary file found here is stale. Only
    // looked for when one can be there: a fetch that ended well removed its own, and the five
    // removals held each push's fetch back (7.7 ms p50, 225 ms at worst, traced at load 9).
    if (this.#leftoversMaybe) {
      await this.#removeLeftovers();
      this.#leftoversMaybe = false;
    }
    const files = await checkFiles(r.files ?? []);
    if (!files.ok) return { ok: false, reason: `cannot fetch ${this.#o.ref} from ${r.display}: ${files.reason}` };
    const creds = this.#o.credentials ? await this.#o.credentials() : { ok: true as const, env: {} };
    if (!creds.ok) return { ok: false, reason: `cannot fetch ${this.#o.ref} from ${r.display}: ${creds.reason}` };
    const reuse = r.transport === 'ssh' ? this.#o.sshReuse : undefined;
    await reuse?.beforeFetch(files.stamp);
    const out = await runBareGit(
      this.#o.dir,
      [
        'fetch',
        '--quiet',
        '--no-tags',
        '--no-recurse-submodules',
        '--no-write-fetch-head',
        '--no-auto-gc',
        // git would walk the history to tell a forced update in its output (--quiet prints
        // none): a cost that grows with the history. Rewrites are told apart below, once.
        '--no-show-forced-updates',
        '--',
        r.url,
        `+${this.#o.ref}:${TARGET_REF}`,
      ],
      {
        env: { ...this.#o.env, ...r.env, ...creds.env },
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
          // Later -c wins: the remote's ssh command, with the shared connection's options.
          ...(reuse ? sshCommandWith(r.config, reuse.sshOptions()) : []),
        ],
        ...(o.signal ? { signal: o.signal } : {}),
      },
    );
    if (!out.ok) {
      this.#leftoversMaybe = true;
      await reuse?.failed();
      return { ok: false, reason: fetchReason(out, r, this.#o.ref) };
    }
    // The ref as fetch wrote it (a loose ref: this clone is never packed); the same object as
    // last time, which gave the commit in force: nothing to read.
    const raw = await readFile(join(this.#o.dir, TARGET_REF), 'utf8').then(
      (t) => t.trim(),
      () => undefined,
    );
    if (raw !== undefined && previous !== undefined && raw === this.#last?.raw && this.#last.commit === previous)
      return { ok: true, changed: false, commit: previous };
    const commit = await this.#commitObject(raw);
    if (commit === undefined) return { ok: false, reason: `${this.#o.ref} of ${r.display} does not name a commit` };
    if (raw !== undefined) this.#last = { raw, commit: commit.hash };
    const tree = o.path !== undefined ? await this.#lister.list(commit.tree, o.path, commit.hash.slice(0, 12)) : undefined;
    const rewritten =
      previous !== undefined && previous !== commit.hash && !commit.parents.includes(previous) && !(await this.#isAncestor(previous, commit.hash));
    // A listing that failed is listed again by the caller, by commit id, for a precise reason.
    return { ok: true, changed: true, commit: commit.hash, info: commit.info, parents: commit.parents, previous, rewritten, ...(tree?.ok ? { tree } : {}) };
  }

  /**
   * Packs the clone when it holds more than `tidyLooseObjects` loose objects or `tidyPacks`
   * packs. The hardened configuration turns git's automatic gc off (./run.ts), and each fetch
   * that brings objects leaves a pack of its own (git 2.39 here keeps even a pack of three
   * objects) or loose objects (under fetch.unpackLimit): a clone fetched at every push for
   * months would hold thousands of packs, and every object lookup and fetch would slow with
   * them. Nothing is dropped: `repack -a -d -k` puts every object, unreachable ones included
   * (the commit in force while the one a rewritten ref now names cannot be read), into one
   * pack, and removes only what that pack holds. Counting costs a
   * listing of the object folders, no process. Not while a fetch runs: the caller fetches and
   * tidies one after the other.
   */
  async tidy(o: { signal?: AbortSignal } = {}): Promise<Tidied> {
    const objects = join(this.#o.dir, 'objects');
    let looseObjects = 0;
    let packs = 0;
    try {
      for (const entry of await readdir(objects)) {
        if (!FANOUT.test(entry)) continue;
        const names = await readdir(join(objects, entry)).catch(() => [] as string[]);
        for (const name of names) if (LOOSE_NAME.test(name)) looseObjects++;
      }
      packs = (await readdir(join(objects, 'pack')).catch(() => [] as string[])).filter((n) => n.endsWith('.pack')).length;
    } catch (err) {
      return { ok: false, reason: `cannot count the objects of the clone in ${this.#o.dir} (${codeOf(err) ?? 'error'})` };
    }
    if (looseObjects <= this.#o.tidyLooseObjects && packs <= this.#o.tidyPacks) return { ok: true, repacked: false, looseObjects, packs };
    const began = performance.now();
    const out = await runBareGit(this.#o.dir, ['repack', '-a', '-d', '-k', '-q'], {
      env: this.#o.env,
      timeoutMs: this.#o.fetchTimeoutMs,
      maxOutputBytes: 64 * 1024,
      // A bitmap cannot cover the unreachable objects -k keeps; a fetch never needs one here.
      config: [['repack.writeBitmaps', 'false']],
      ...(o.signal ? { signal: o.signal } : {}),
    });
    if (!out.ok) {
      this.#leftoversMaybe = true;
      return { ok: false, reason: `cannot pack the clone in ${this.#o.dir}: ${out.said || out.reason}` };
    }
    return { ok: true, repacked: true, looseObjects, packs, ms: Math.round(performance.now() - began) };
  }

  /**
   * Removes what a git killed half-way leaves: lock files, and the temporary files an object
   * or a pack is written to until it is whole (`objects/xx/tmp_obj_*` when a fetch unpacks,
   * `objects/pack/tmp_pack_*` and its index when it keeps a pack, `objects/pack/.tmp-*` of a
   * repack). A fetch of a commit holding a huge file, killed at its timeout, left up to
   * everything it had received (159 MB in 14 s from a local remote) under a new name at
   * every retry, until the disk was full.
   */
  async #removeLeftovers(): Promise<void> {
    const dir = this.#o.dir;
    const objects = join(dir, 'objects');
    const gone = (path: string): Promise<void> => rm(path, { force: true }).catch(() => undefined);
    const matching = async (folder: string, name: RegExp): Promise<string[]> =>
      (await readdir(folder).catch(() => [] as string[])).filter((n) => name.test(n)).map((n) => join(folder, n));
    const fanouts = await matching(objects, FANOUT);
    const temporary = [
      ...(await matching(join(objects, 'pack'), PACK_TEMPORARY)),
      ...(await Promise.all(fanouts.map((f) => matching(f, LOOSE_TEMPORARY)))).flat(),
    ];
    await Promise.all([...STALE_LOCKS.map((name) => gone(join(dir, name))), ...temporary.map(gone)]);
  }

  /**
   * The commit the fetched ref names: by its id through the long-lived cat-file when the ref
   * file holds one that names a commit; otherwise (a tag, a packed ref) peeled by git.
   */
  async #commitObject(raw: string | undefined): Promise<ParsedCommit | undefined> {
    if (raw !== undefined && OID.test(raw)) {
      const read = await this.#cat.contents([raw], MAX_COMMIT_BYTES);
      const a = read.ok ? read.answers[0] : undefined;
      if (a && !('missing' in a) && a.type === 'commit') return parseCommit(a.oid, a.content.toString('utf8'));
    }
    const read = await this.#git(['cat-file', '--batch'], MAX_COMMIT_BYTES + 200, `${TARGET_REF}^{commit}\n`);
    return read.ok ? parseCommitObject(read.stdout) : undefined;
  }

  async #isAncestor(a: string, b: string): Promise<boolean> {
    return (await this.#git(['merge-base', '--is-ancestor', a, b])).ok;
  }

  /** Every entry below `path` ('' for the root) of `commit`, recursively, with blob sizes. */
  async tree(commit: string, path: string): Promise<Tree> {
    if (!OID.test(commit)) return { ok: false, reason: `not a commit id: ${JSON.stringify(commit.slice(0, 80))}` };
    const read = await this.#cat.contents([commit], MAX_COMMIT_BYTES);
    if (!read.ok) return { ok: false, reason: read.reason };
    const a = read.answers[0];
    if (!a || 'missing' in a || a.type !== 'commit') return { ok: false, reason: `commit ${commit.slice(0, 12)} is missing from the clone` };
    const parsed = parseCommit(a.oid, a.content.toString('utf8'));
    return this.#lister.list(parsed.tree, path, commit.slice(0, 12));
  }

  /**
   * The content of blobs, read together (`cat-file --batch`), at most `maxBytes` in all:
   * callers skip blobs over their size limit before asking, using the sizes of tree().
   */
  async blobs(oids: readonly string[], maxBytes: number): Promise<{ ok: true; blobs: Map<string, Buffer> } | Failure> {
    const unique = [...new Set(oids)].filter((o) => OID.test(o));
    if (unique.length === 0) return { ok: true, blobs: new Map() };
    const read = await this.#cat.contents(unique, maxBytes);
    if (!read.ok) return { ok: false, reason: read.reason };
    const blobs = new Map<string, Buffer>();
    for (const a of read.answers) if (!('missing' in a) && a.type === 'blob') blobs.set(a.oid, a.content);
    return { ok: true, blobs };
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

/**
 * The remote's files (ssh key, known_hosts) are readable files: the first that is not, as
 * `--option path cannot be read (CODE)`; otherwise what they are now (a shared ssh connection
 * is not kept across a change of them).
 */
async function checkFiles(files: NonNullable<Remote['files']>): Promise<{ ok: true; stamp: string } | Failure> {
  const stamps: string[] = [];
  for (const { option, path } of files) {
    try {
      await access(path, constants.R_OK);
      const st = await stat(path);
      if (!st.isFile()) return { ok: false, reason: `${option} ${path} is not a file` };
      stamps.push(`${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`);
    } catch (err) {
      return { ok: false, reason: `${option} ${path} cannot be read (${codeOf(err) ?? 'error'})` };
    }
  }
  return { ok: true, stamp: stamps.join(' ') };
}

/** The remote's core.sshCommand with `extra` options appended, as one more -c entry. */
function sshCommandWith(config: Remote['config'], extra: string): Array<[string, string]> {
  const command = config.findLast(([key]) => key === 'core.sshCommand')?.[1];
  return command === undefined ? [] : [['core.sshCommand', `${command} ${extra}`]];
}

/** A fetch failure in the operator's words: which remote, which ref, what git (or ssh) said. */
function fetchReason(out: Extract<BareOutcome, { ok: false }>, remote: Pick<Remote, 'display' | 'transport'>, ref: string): string {
  const display = remote.display;
  if (/couldn't find remote ref/i.test(out.said)) return `ref ${ref} not found in ${display}`;
  // With prompts off, git says it "could not read Username" when the server wants credentials.
  if (/could not read (Username|Password)|Authentication failed|returned error: 40[13]/i.test(out.said))
    return `cannot fetch ${ref} from ${display}: authentication refused (check --git-username and --git-password)`;
  // Over ssh git says "Could not read from remote repository" whatever went wrong; ssh's own
  // lines before it say what (an unknown or changed host key, a refused or unusable key).
  const ssh = remote.transport === 'ssh' && out.exitCode !== undefined ? explainSshFailure(out.lines) : undefined;
  if (ssh !== undefined) return `cannot fetch ${ref} from ${display}: ${ssh}`;
  return `cannot fetch ${ref} from ${display}: ${out.said || out.reason}`;
}

function bounded(s: string): string {
  return s.length > 300 ? `${s.slice(0, 300)}...` : s;
}

/**
 * The answer of `cat-file --batch` for one commit: its id, parents, and what status shows
 * (git's own %s: the first paragraph of the message, its lines joined by spaces).
 */
export function parseCommitObject(buf: Buffer): ParsedCommit | undefined {
  const lf = buf.indexOf(0x0a);
  if (lf < 0) return undefined;
  const [hash = '', type = '', size = ''] = buf.subarray(0, lf).toString('utf8').split(' ');
  if (type !== 'commit' || !OID.test(hash)) return undefined;
  return parseCommit(hash, buf.subarray(lf + 1, lf + 1 + Number(size)).toString('utf8'));
}

export interface ParsedCommit {
  hash: string;
  /** The root tree. */
  tree: string;
  parents: string[];
  info: CommitInfo;
}

/** A commit object's text: its tree, parents, and what status shows. */
export function parseCommit(hash: string, text: string): ParsedCommit {
  const blank = text.indexOf('\n\n');
  const head = blank < 0 ? text : text.slice(0, blank);
  const message = blank < 0 ? '' : text.slice(blank + 2);
  const parents: string[] = [];
  let tree = '';
  let author = '';
  let time = '';
  for (const line of head.split('\n')) {
    if (line.startsWith('tree ')) tree = line.slice(5);
    else if (line.startsWith('parent ')) parents.push(line.slice(7));
    else if (line.startsWith('author ')) {
      const m = /^author (.*) (\d+) ([+-]\d{4})$/.exec(line);
      if (m) {
        author = m[1] as string;
        time = isoTime(Number(m[2]), m[3] as string);
      }
    }
  }
  const subject = (message.split(/\n\s*\n/)[0] ?? '').replace(/\s*\n\s*/g, ' ').trim();
  return { hash, tree, parents, info: { hash, author: bounded(author), time, subject: bounded(subject) } };
}

/** git's %aI: the author's own offset, e.g. 2026-03-02T09:00:00+01:00. */
function isoTime(epochSeconds: number, tz: string): string {
  const sign = tz.startsWith('-') ? -1 : 1;
  const offsetMin = sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(3, 5)));
  const local = new Date((epochSeconds + offsetMin * 60) * 1000).toISOString().slice(0, 19);
  return `${local}${tz.slice(0, 3)}:${tz.slice(3, 5)}`;
}
