// A git repository as a source: commits are the unit of change. maracker fetches the ref
// into a bare clone of its own (src/git/mirror.ts) on a jittered interval and on demand,
// and reads the manifests out of the commit's tree, never out of a work tree being updated.
//
// - A new commit is read whole (every manifest of its tree listed, read and parsed) before
//   any of it is published: the controller sees the old commit or the new one, never a mix.
// - Per-file problems follow the folder's rules (./folder-snapshot.ts): a file that became
//   invalid keeps protecting the apps it last declared validly.
// - A fetch that fails (remote down, credentials refused, ref or path gone) makes the source
//   Unknown, never empty: the ids of the last commit read stay protected, nothing is deleted,
//   and the fetch is retried with backoff. A commit whose tree holds no manifest at all is
//   a real emptying, which the prune guard judges like any other.
// - The ref is the truth: a force-push to an older or unrelated commit is followed, and logged.

import { backoffDelay, BACKOFF } from '../base/backoff.js';
import type { Logger } from '../base/log.js';
import { systemTimers, type Timers } from '../base/timers.js';
import { GitMirror, type TreeEntry } from '../git/mirror.js';
import type { Remote } from '../git/remote.js';
import { hasTransientFailure } from '../manifest/failure.js';
import { decodeManifestBytes, FILE_CODES } from '../manifest/file-read.js';
import { isManifestPath } from '../manifest/ignore.js';
import { INLINE_PARSER, type InputParser } from '../manifest/input-parser.js';
import { DEFAULT_INPUT_LIMITS, fileTooLarge, LIMIT_EXCEEDED, type InputLimits } from '../manifest/limits.js';
import { refusedFile, type ManifestFileResult } from '../manifest/parse.js';
import type { TranslateOptions } from '../manifest/types.js';
import type { AppId } from '../model/app-id.js';
import type { GitCommit } from '../model/desired.js';
import { folderSnapshot, type FolderFile, lastGood } from './folder-snapshot.js';
import { batches } from '../base/batches.js';
import { MAX_LINK_BYTES, resolveLink } from './git-tree.js';
import { ProblemLog } from './problem-log.js';
import { emptySnapshot, snapshotIds, type Source, type SourceChange, type SourceSnapshot } from './source.js';

export const DEFAULT_GIT_INTERVAL_MS = 30_000;
/** Blob bytes read (and held) at once. */
const BATCH_BYTES = 32 * 1024 * 1024;
/** The clone is looked at for packing every this many commits read (see #tidy). */
export const TIDY_EVERY_COMMITS = 100;

export interface GitSourceOptions {
  mirror: GitMirror;
  /** The clone is looked at for packing after the first commit read, then every this many (default TIDY_EVERY_COMMITS). */
  tidyEveryCommits?: number;
  /** Shown in status and logs (no credential). */
  url: string;
  ref: string;
  /** Folder of the repository holding the manifests, '/' separated, '' for the root. */
  path: string;
  /** Fetch every this long, jittered (a share taken away at random). Default 30 s. */
  intervalMs?: number;
  /** Share of the interval taken away at random, 0..1. Default 0.2. */
  jitter?: number;
  translate?: TranslateOptions;
  limits?: InputLimits;
  parser?: InputParser;
  logger: Logger;
  timers?: Timers;
  random?: () => number;
}

interface GitFile extends FolderFile {
  /** The blob read (undefined when the entry was refused before reading). */
  oid: string | undefined;
  /** The commit that last changed the file. */
  commit: string | undefined;
}

type ReadOutcome = { ok: true; files: Map<string, GitFile>; changed: Set<AppId> | 'all' } | { ok: false; reason: string };

export class GitSource implements Source {
  readonly name = 'git';
  readonly #o: GitSourceOptions;
  readonly #log: Logger;
  readonly #timers: Timers;
  readonly #random: () => number;
  readonly #limits: InputLimits;
  readonly #parser: InputParser;
  readonly #problems: ProblemLog;
  #snapshot: SourceSnapshot;
  #files = new Map<string, GitFile>();
  #commit: GitCommit | undefined;
  #onChange: ((c: SourceChange) => void) | undefined;
  #failures = 0;
  #lastFailure: string | undefined;
  #timer: unknown;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  readonly #abort = new AbortController();
  #ensured = false;
  #lastReadAt: Date | undefined;
  /** Commits read since the clone was last looked at for packing (#tidy). */
  #commitsSinceTidy = 0;
  #tidiedOnce = false;

  constructor(o: GitSourceOptions) {
    this.#o = o;
    this.#log = o.logger.child({ source: 'git' });
    this.#timers = o.timers ?? systemTimers;
    this.#random = o.random ?? Math.random;
    this.#limits = o.limits ?? DEFAULT_INPUT_LIMITS;
    this.#parser = o.parser ?? INLINE_PARSER;
    this.#problems = new ProblemLog('manifest', this.#log);
    this.#snapshot = { ...emptySnapshot('git', 'Pending'), remote: this.#remote() };
  }

  snapshot(): SourceSnapshot {
    return this.#snapshot;
  }

  /** Fetches and reads once; later fetches follow on the interval. */
  async start(onChange: (c: SourceChange) => void): Promise<void> {
    this.#onChange = onChange;
    await this.sync();
  }

  /** A periodic resync fetches too: the remote is the truth. */
  resync(): Promise<void> {
    return this.sync();
  }

  /**
   * Fetches now (webhook, resync, the interval) and applies what it brings. Calls meanwhile
   * collapse into one more run after the current one; resolves once a run that started
   * after the call has finished.
   */
  sync(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#running) {
      // The loop below runs once more before #running resolves.
      this.#again = true;
      return this.#running;
    }
    const run = (async () => {
      do {
        this.#again = false;
        await this.#poll().catch((err: unknown) => this.#log.error({ err }, 'git source poll failed'));
      } while (this.#again && !this.#stopped);
    })();
    this.#running = run.finally(() => {
      this.#running = undefined;
      this.#schedule();
    });
    return this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort();
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
    await this.#o.mirror.close();
  }

  /** The commit in force, if any. */
  get commit(): GitCommit | undefined {
    return this.#commit;
  }

  /** What each manifest file of the commit in force gave, by path (`plan`, `validate`). */
  fileResults(): ManifestFileResult[] {
    return [...this.#files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, f]) => f.result);
  }

  #schedule(): void {
    if (this.#stopped) return;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    const interval = this.#o.intervalMs ?? DEFAULT_GIT_INTERVAL_MS;
    const jitter = this.#o.jitter ?? 0.2;
    const delay =
      this.#failures > 0
        ? Math.min(interval, backoffDelay(this.#failures, BACKOFF.gitFetch, this.#random))
        : Math.round(interval * (1 - jitter * Math.min(0.999999, Math.max(0, this.#random()))));
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      void this.sync();
    }, delay);
  }

  async #poll(): Promise<void> {
    if (!this.#ensured) {
      const made = await this.#o.mirror.ensure();
      if (!made.ok) return this.#unknown(made.reason);
      this.#ensured = true;
    }
    const current = this.#commit?.hash;
    const began = this.#timers.now();
    const fetched = await this.#o.mirror.fetch(current, { signal: this.#abort.signal, path: this.#o.path });
    if (this.#stopped) return;
    if (!fetched.ok) return this.#unknown(fetched.reason);
    const retry = [...this.#files.values()].some((f) => hasTransientFailure(f.result.problems));
    if (fetched.commit === current && this.#snapshot.state === 'Ready' && !retry) {
      this.#recovered();
      return;
    }
    const fetchMs = this.#timers.now() - began;
    if (fetched.changed && fetched.rewritten && current !== undefined)
      this.#log.warn(
        { from: current, to: fetched.commit, ref: this.#o.ref },
        `${this.#o.ref} was rewritten (force-push): following it from ${current.slice(0, 12)} to ${fetched.commit.slice(0, 12)}, which does not descend from it`,
      );
    // Unchanged: the commit in force, read again (after the source was Unknown, or to retry a file).
    const info = fetched.changed ? fetched.info : (this.#commit as GitCommit);
    // A direct child of the commit in force changed every file it changed itself: no history walk.
    const child = fetched.changed && current !== undefined && fetched.parents.length === 1 && fetched.parents[0] === current;
    const rewritten = fetched.changed && fetched.rewritten;
    const read = await this.#read(fetched.commit, current !== undefined && !rewritten ? current : undefined, child, fetched.changed ? fetched.tree : undefined);
    if (this.#stopped) return;
    if (!read.ok) return this.#unknown(read.reason, info);
    // Everything is known: publish the commit at once.
    const wasReady = this.#snapshot.state === 'Ready';
    this.#files = read.files;
    this.#commit = info;
    this.#lastReadAt = new Date(this.#timers.now());
    this.#snapshot = folderSnapshot(read.files, { name: 'git', lastReadAt: this.#lastReadAt, ...this.#meta() }, [], [], 'git');
    this.#problems.update(new Map([...read.files].map(([rel, f]) => [rel, f.result.problems])));
    this.#recovered();
    // How long the fetch and the read took: where a push's time goes (docs/git-source.md).
    const readMs = this.#timers.now() - began - fetchMs;
    this.#log.info(
      { commit: info.hash, subject: info.subject, author: info.author, files: read.files.size, apps: this.#snapshot.apps.size, fetchMs, readMs },
      `commit ${info.hash.slice(0, 12)} "${info.subject}" read: ${this.#snapshot.apps.size} apps from ${read.files.size} files`,
    );
    this.#onChange?.(read.changed === 'all' || !wasReady ? { all: true } : { ids: read.changed });
    await this.#tidy();
  }

  /**
   * Packs the clone now and then (GitMirror.tidy: each fetch that brings objects leaves a pack):
   * after the first commit read by this process, then after every TIDY_EVERY_COMMITS more. After
   * the commit is published, so a push is never held up by it; the next fetch waits for it.
   */
  async #tidy(): Promise<void> {
    if (++this.#commitsSinceTidy < (this.#o.tidyEveryCommits ?? TIDY_EVERY_COMMITS) && this.#tidiedOnce) return;
    this.#commitsSinceTidy = 0;
    this.#tidiedOnce = true;
    const t = await this.#o.mirror.tidy({ signal: this.#abort.signal });
    if (this.#stopped) return;
    if (!t.ok) this.#log.warn({ reason: t.reason }, `git clone not packed: ${t.reason}`);
    else if (t.repacked)
      this.#log.info(
        { looseObjects: t.looseObjects, packs: t.packs, ms: t.ms },
        `git clone packed into one pack (it held ${t.looseObjects} loose objects and ${t.packs} packs)`,
      );
  }

  /** The whole tree of `commit`: every manifest read and parsed, or a reason why not. */
  async #read(commit: string, previous: string | undefined, directChild: boolean, listed?: { entries: TreeEntry[] }): Promise<ReadOutcome> {
    const tree = listed ? { ok: true as const, entries: listed.entries } : await this.#o.mirror.tree(commit, this.#o.path);
    if (!tree.ok) return { ok: false, reason: tree.missing ? `--git-path ${this.#o.path || '.'}: ${tree.reason}` : tree.reason };
    const byPath = new Map(tree.entries.map((e) => [e.path, e]));
    const manifests = tree.entries.filter((e) => e.type !== 'tree' && isManifestPath(e.path));

    // Links first: their targets are blobs of their own (a path: short, or not a link git made).
    const links = manifests.filter((e) => e.mode === '120000' && (e.size ?? 0) <= MAX_LINK_BYTES);
    const linkTargets = await this.#o.mirror.blobs(
      links.map((e) => e.oid),
      links.reduce((n, e) => n + (e.size ?? 0), 0),
    );
    if (!linkTargets.ok) return { ok: false, reason: linkTargets.reason };

    type Plan = { rel: string; blob?: TreeEntry; refused?: { code: string; message: string } };
    const plans: Plan[] = manifests.map((e) => {
      if (e.type === 'commit')
        return { rel: e.path, refused: { code: FILE_CODES.notAFile, message: 'a submodule (a commit of another repository), not a file; not read' } };
      if (e.mode === '120000' && (e.size ?? 0) > MAX_LINK_BYTES)
        return {
          rel: e.path,
          refused: { code: FILE_CODES.unreadable, message: `cannot read file (a symbolic link whose target is longer than ${MAX_LINK_BYTES} bytes)` },
        };
      const blob = e.mode === '120000' ? resolveLink(e, byPath, linkTargets.blobs) : e;
      if ('code' in blob) return { rel: e.path, refused: blob };
      if ((blob.size ?? 0) > this.#limits.maxFileBytes) return { rel: e.path, refused: { code: LIMIT_EXCEEDED, message: fileTooLarge(this.#limits) } };
      return { rel: e.path, blob };
    });

    // Unchanged blobs keep their parse; only new ones are read, a batch of at most
    // BATCH_BYTES at a time (a commit of 10,000 files of 1 MiB each is never in memory at once).
    const changedFiles = new Set<string>();
    const results = new Map<string, { result: ManifestFileResult; oid: string | undefined }>();
    const toRead: Plan[] = [];
    for (const p of plans) {
      const oid = p.blob?.oid;
      const before = this.#files.get(p.rel);
      if (oid !== undefined && this.#reusable(p.rel, oid) && before) results.set(p.rel, { result: before.result, oid });
      else toRead.push(p);
    }
    for (const batch of batches(toRead, (p) => p.blob?.size ?? 0, BATCH_BYTES)) {
      const wanted = batch.flatMap((p) => (p.blob ? [p.blob] : []));
      const contents = await this.#o.mirror.blobs(
        wanted.map((e) => e.oid),
        wanted.reduce((n, e) => n + (e.size ?? 0), 0),
      );
      if (!contents.ok) return { ok: false, reason: contents.reason };
      for (const p of batch) {
        changedFiles.add(p.rel);
        results.set(p.rel, { result: await this.#parse(p.rel, p, contents.blobs), oid: p.blob?.oid });
      }
    }
    for (const rel of this.#files.keys()) if (!results.has(rel)) changedFiles.add(rel);

    // Which commit last changed each file: the new ones since the last commit read (or, at
    // the first read and after a rewrite, in the whole history).
    const keep = new Set([...results.keys()].filter((rel) => !changedFiles.has(rel)));
    const askFor = new Set([...results.keys()].filter((rel) => !keep.has(rel)));
    const lastChanged = directChild
      ? new Map<string, string>()
      : await this.#o.mirror.lastChanges(previous !== undefined ? `${previous}..${commit}` : commit, this.#o.path, askFor);

    const files = new Map<string, GitFile>();
    const changed = new Set<AppId>();
    for (const [rel, { result, oid }] of results) {
      const before = this.#files.get(rel);
      const fileCommit = keep.has(rel) ? before?.commit : (lastChanged.get(rel) ?? commit);
      const stamped: ManifestFileResult =
        keep.has(rel) || fileCommit === undefined
          ? result
          : { ...result, apps: result.apps.map((a) => ({ ...a, source: { ...a.source, commit: fileCommit } })) };
      files.set(rel, { result: stamped, ...lastGood(stamped, before), oid, commit: fileCommit });
      if (changedFiles.has(rel)) for (const id of [...idsOf(before), ...idsOf(files.get(rel))]) changed.add(id);
    }
    for (const [rel, before] of this.#files) if (!files.has(rel)) for (const id of idsOf(before)) changed.add(id);
    return { ok: true, files, changed: this.#files.size === 0 ? 'all' : changed };
  }

  #reusable(rel: string, oid: string): boolean {
    const before = this.#files.get(rel);
    return before !== undefined && before.oid === oid && !hasTransientFailure(before.result.problems);
  }

  async #parse(rel: string, p: { blob?: TreeEntry; refused?: { code: string; message: string } }, blobs: Map<string, Buffer>): Promise<ManifestFileResult> {
    const displayPath = rel;
    if (p.refused) return refusedFile(rel, displayPath, p.refused.code, p.refused.message);
    const bytes = p.blob ? blobs.get(p.blob.oid) : undefined;
    if (bytes === undefined) return refusedFile(rel, displayPath, FILE_CODES.unreadable, 'cannot read file (its blob is missing from the clone)');
    const text = decodeManifestBytes(bytes);
    if (text.kind === 'refused') return refusedFile(rel, displayPath, text.code, text.message);
    return this.#parser.parseFile(text.text, rel, { ...(this.#o.translate ?? {}), fileLabel: 'git', displayPath, limits: this.#limits });
  }

  #unknown(reason: string, attempted?: GitCommit): void {
    this.#failures++;
    const wasUnknown = this.#snapshot.state === 'Unknown';
    // The ids of the last commit read stay protected (and those of the one before, while unknown).
    const lastKnownIds = wasUnknown ? (this.#snapshot.lastKnownIds ?? new Set<AppId>()) : snapshotIds(this.#snapshot);
    this.#snapshot = {
      ...emptySnapshot('git', 'Unknown', { message: reason }),
      lastKnownIds,
      ...this.#meta(),
      ...(this.#lastReadAt ? { lastReadAt: this.#lastReadAt } : {}),
    };
    if (reason !== this.#lastFailure) {
      this.#log.error(
        { url: this.#o.url, ref: this.#o.ref, reason, ...(attempted ? { commit: attempted.hash } : {}), inForce: this.#commit?.hash ?? null },
        `git source unknown: ${reason}; nothing it declared will be changed or deleted until it can be read`,
      );
    }
    this.#lastFailure = reason;
    if (!wasUnknown) this.#onChange?.({ all: true });
  }

  #recovered(): void {
    if (this.#failures > 0 && this.#lastFailure !== undefined) this.#log.info({ url: this.#o.url, ref: this.#o.ref }, 'git source readable again');
    this.#failures = 0;
    this.#lastFailure = undefined;
  }

  #meta(): Pick<SourceSnapshot, 'revision' | 'commit' | 'remote'> {
    return { remote: this.#remote(), ...(this.#commit ? { revision: this.#commit.hash, commit: this.#commit } : {}) };
  }

  #remote(): { url: string; ref: string; path: string } {
    return { url: this.#o.url, ref: this.#o.ref, path: this.#o.path };
  }
}

function idsOf(f: FolderFile | undefined): AppId[] {
  if (!f) return [];
  return [...f.result.declaredIds, ...f.lastGoodIds];
}

export interface GitReadOnceOptions extends Pick<GitSourceOptions, 'translate' | 'limits' | 'ref' | 'path'> {
  remote: Remote;
  /** A clone folder of the caller's (a temporary one for a one-off command). */
  cloneDir: string;
  env: Readonly<Record<string, string>>;
  logger: Logger;
}

/**
 * Fetches once and reads the commit the ref names, for `plan --git-url` and `validate --git-url`:
 * the same reading as the daemon's, so a branch can be planned before it is merged.
 */
export async function readGitOnce(
  o: GitReadOnceOptions,
): Promise<{ ok: true; commit: GitCommit; files: ManifestFileResult[] } | { ok: false; reason: string }> {
  const source = new GitSource({
    mirror: new GitMirror({ dir: o.cloneDir, remote: o.remote, ref: o.ref, env: o.env }),
    url: o.remote.display,
    ref: o.ref,
    path: o.path,
    // One read: no timer keeps the process alive, and none is left.
    intervalMs: 2_147_000_000,
    ...(o.translate ? { translate: o.translate } : {}),
    ...(o.limits ? { limits: o.limits } : {}),
    logger: o.logger,
  });
  try {
    await source.start(() => undefined);
    const snap = source.snapshot();
    if (snap.state !== 'Ready' || source.commit === undefined) return { ok: false, reason: snap.lastError?.message ?? 'the repository could not be read' };
    return { ok: true, commit: source.commit, files: source.fileResults() };
  } finally {
    await source.stop();
  }
}
