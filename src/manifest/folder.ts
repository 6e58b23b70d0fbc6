// Reads the manifests folder: every *.yaml / *.yml file below it, recursively, in sorted
// order. A folder that cannot be listed is *unknown* (SourceUnreadableError), never
// *empty*: treating it as empty would delete every app it declares. A single file that
// cannot be read is a problem of that file, reported like any other.
//
// The folder is a boundary (file-read.ts): links to folders inside it are walked (each real
// folder once), while links that lead outside it, links that loop and entries that are not
// regular files are *listed*, so that reading them reports a problem naming them instead of
// silently skipping them; none of them is ever opened.

import { type Dirent, readdirSync, realpathSync, statSync } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppId } from '../model/app-id.js';
import type { DesiredApp } from '../model/desired.js';
import { compareProblems, type Problem } from '../model/problem.js';
import { SourceUnreadableError } from './errors.js';
import { duplicatedIds, findDuplicateIds } from './duplicates.js';
import { failureOf } from './failure.js';
import { isWithin, readFileWithin } from './file-read.js';
import { INLINE_PARSER, type InputParser } from './input-parser.js';
import { isIgnoredPath, isManifestPath } from './ignore.js';
import { DEFAULT_INPUT_LIMITS, type InputLimits } from './limits.js';
import { refusedFile, type ManifestFileResult, type ParseOptions } from './parse.js';
import { ManifestReader } from './reader.js';
import type { TranslateOptions } from './types.js';
import { codeOf, errorMessage } from '../base/errors.js';

export interface FolderOptions extends TranslateOptions {
  /** How the folder is shown in problems (default: `dir` as given), e.g. "manifests". */
  displayRoot?: string;
  limits?: InputLimits;
  parser?: InputParser;
}

export interface FolderResult {
  dir: string;
  /** One result per manifest file, sorted by relative path. */
  files: ManifestFileResult[];
  /** Valid apps whose id is declared exactly once in the folder. */
  apps: DesiredApp[];
  /** Problems of every file plus duplicate ids, sorted by file and position. */
  problems: Problem[];
  /** Every id declared by any file, valid or not (see ManifestFileResult.declaredIds). */
  declaredIds: AppId[];
}

const READ_CONCURRENCY = 32;

function unreadable(dir: string, err: unknown): SourceUnreadableError {
  const reason = errorMessage(err);
  return new SourceUnreadableError(dir, `cannot read manifests folder ${dir}: ${reason}`, { cause: err });
}

type LinkTarget = { real: string; isDir: boolean } | { error: string };

/**
 * The calls the walk makes. Its own promises (LISTING_FS) on the event loop; the rescan's
 * worker thread (src/sources/folder-sweep-worker.ts) passes LISTING_FS_SYNC, the same calls
 * made synchronously, so one walk decides what is listed either way.
 */
export interface ListingFs {
  realpath(path: string): string | Promise<string>;
  readdir(path: string): Dirent[] | Promise<Dirent[]>;
  linkTarget(abs: string): LinkTarget | Promise<LinkTarget>;
}

export const LISTING_FS: ListingFs = {
  realpath: (path) => realpath(path),
  readdir: (path) => readdir(path, { withFileTypes: true }),
  linkTarget: async (abs) => {
    try {
      const real = await realpath(abs);
      return { real, isDir: (await stat(real)).isDirectory() };
    } catch (err) {
      return { error: codeOf(err) ?? 'error' };
    }
  },
};

/**
 * Blocks its thread for as long as the file system takes: never on the event loop (a hung
 * network mount would hang /healthz and the leader lock), only in a worker thread.
 * realpathSync.native is the call fs/promises' realpath makes (realpath(3)), not the
 * JavaScript walk of realpathSync.
 */
export const LISTING_FS_SYNC: ListingFs = {
  realpath: (path) => realpathSync.native(path),
  readdir: (path) => readdirSync(path, { withFileTypes: true }),
  linkTarget: (abs) => {
    try {
      const real = realpathSync.native(abs);
      return { real, isDir: statSync(real).isDirectory() };
    } catch (err) {
      return { error: codeOf(err) ?? 'error' };
    }
  },
};

/**
 * Relative paths ('/' separated) of the manifest files below `dir`, sorted; plus links the
 * reader must refuse by name (outside the folder, looping, dangling manifest names).
 */
export async function listManifestFiles(dir: string, fs: ListingFs = LISTING_FS): Promise<string[]> {
  const found: string[] = [];
  const visited = new Set<string>();
  // Links to folders are walked after every real folder: a folder reached both ways is
  // listed under its real path, whatever order the file system lists entries in.
  const linkedFolders: Array<{ abs: string; rel: string; real: string }> = [];
  let root: string;
  try {
    root = await fs.realpath(dir);
  } catch (err) {
    throw unreadable(dir, err);
  }
  const walk = async (abs: string, rel: string, real: string): Promise<void> => {
    // Two ways to one folder: visit it once.
    if (visited.has(real)) return;
    visited.add(real);
    let entries: Dirent[];
    try {
      entries = await fs.readdir(abs);
    } catch (err) {
      throw unreadable(abs, err);
    }
    for (const entry of entries) {
      // `rel` passed this check itself (the walk enters no ignored folder), so the entry's
      // name alone decides, for isManifestPath too: a tenth of the listing's CPU at 10,000 files.
      if (isIgnoredPath(entry.name)) continue;
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        await walk(join(abs, entry.name), childRel, join(real, entry.name));
      } else if (entry.isSymbolicLink()) {
        const childAbs = join(abs, entry.name);
        const target = await fs.linkTarget(childAbs);
        if ('real' in target && target.isDir && isWithin(target.real, root) && !isWithin(real, target.real)) {
          linkedFolders.push({ abs: childAbs, rel: childRel, real: target.real });
        } else if (isManifestPath(entry.name) || ('real' in target && target.isDir) || ('error' in target && target.error === 'ELOOP')) {
          // Outside, looping, dangling: the reader says which, naming the link.
          found.push(childRel);
        }
      } else if (isManifestPath(entry.name)) {
        // Regular files, and FIFOs, sockets and devices, which the reader refuses unopened.
        found.push(childRel);
      }
    }
  };
  await walk(dir, '', root);
  for (let next = linkedFolders.shift(); next; next = linkedFolders.shift()) await walk(next.abs, next.rel, next.real);
  return found.sort();
}

/**
 * Reads and parses one file named explicitly (validate's PATH): a link is followed, since
 * its user chose it, but it must still be a regular text file within the limits.
 */
export async function readManifestFile(absPath: string, file: string, opts: ParseOptions & { parser?: InputParser } = {}): Promise<ManifestFileResult> {
  const displayPath = opts.displayPath ?? file;
  const { parser = INLINE_PARSER, ...parseOpts } = opts;
  const limits = opts.limits ?? DEFAULT_INPUT_LIMITS;
  try {
    const got = await readFileWithin(absPath, { limits });
    if (got.kind === 'refused') return refusedFile(file, displayPath, got.code, got.message);
    return await parser.parseFile(got.text, file, { ...parseOpts, displayPath, limits });
  } catch (err) {
    const { code, message } = failureOf(err);
    return refusedFile(file, displayPath, code, message);
  }
}

export async function readManifestFolder(dir: string, opts: FolderOptions = {}): Promise<FolderResult> {
  const files = await listManifestFiles(dir);
  const { displayRoot = dir, limits, parser, ...translate } = opts;
  const reader = new ManifestReader({ dir, displayRoot, translate, ...(limits ? { limits } : {}), ...(parser ? { parser } : {}) });
  const results: ManifestFileResult[] = [];
  const root = await reader.resolveRoot();
  for (let i = 0; i < files.length; i += READ_CONCURRENCY) {
    results.push(...(await Promise.all(files.slice(i, i + READ_CONCURRENCY).map((rel) => reader.read(rel, { root })))));
  }
  const duplicated = duplicatedIds(results);
  return {
    dir,
    files: results,
    apps: results.flatMap((r) => r.apps).filter((a) => !duplicated.has(a.id)),
    problems: [...results.flatMap((r) => r.problems), ...findDuplicateIds(results)].sort(compareProblems),
    declaredIds: [...new Set(results.flatMap((r) => r.declaredIds))],
  };
}
