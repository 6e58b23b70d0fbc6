// Reads the manifests folder: every *.yaml / *.yml file below it, recursively, in sorted
// order. A folder that cannot be listed is *unknown* (SourceUnreadableError), never
// *empty*: treating it as empty would delete every app it declares. A single file that
// cannot be read is a problem of that file, reported like any other.

import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppId } from '../model/app-id.js';
import type { DesiredApp } from '../model/desired.js';
import { compareProblems, type Problem } from '../model/problem.js';
import { SourceUnreadableError } from '../sources/errors.js';
import { duplicatedIds, findDuplicateIds } from './duplicates.js';
import { isIgnoredPath, isManifestPath } from './ignore.js';
import { parseManifestText, type ManifestFileResult, type ParseOptions } from './parse.js';
import type { TranslateOptions } from './types.js';

export interface FolderOptions extends TranslateOptions {
  /** How the folder is shown in problems (default: `dir` as given), e.g. "manifests". */
  displayRoot?: string;
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
  const reason = err instanceof Error ? err.message : String(err);
  return new SourceUnreadableError(dir, `cannot read manifests folder ${dir}: ${reason}`, { cause: err });
}

/** Relative paths ('/' separated) of the manifest files below `dir`, sorted. */
export async function listManifestFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  const visited = new Set<string>();
  const walk = async (abs: string, rel: string): Promise<void> => {
    let entries;
    try {
      // A symlinked directory may point back up the tree: visit each real directory once.
      const real = await realpath(abs);
      if (visited.has(real)) return;
      visited.add(real);
      entries = await readdir(abs, { withFileTypes: true });
    } catch (err) {
      throw unreadable(abs, err);
    }
    for (const entry of entries) {
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (isIgnoredPath(childRel)) continue;
      const childAbs = join(abs, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const target = await stat(childAbs).catch(() => undefined);
        isDir = target?.isDirectory() ?? false;
        // A dangling link is still listed as a file, so it is reported as unreadable.
        isFile = target === undefined || target.isFile();
      }
      if (isDir) await walk(childAbs, childRel);
      else if (isFile && isManifestPath(childRel)) found.push(childRel);
    }
  };
  await walk(dir, '');
  return found.sort();
}

/** Reads and parses one file; a read failure becomes a problem of the file. */
export async function readManifestFile(absPath: string, file: string, opts: ParseOptions = {}): Promise<ManifestFileResult> {
  const displayPath = opts.displayPath ?? file;
  let text: string;
  try {
    text = await readFile(absPath, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
    return {
      file,
      displayPath,
      apps: [],
      problems: [{ code: 'unreadable', message: `cannot read file (${reason})`, location: { file: displayPath } }],
      declaredIds: [],
      declarations: [],
    };
  }
  return parseManifestText(text, file, { ...opts, displayPath });
}

export async function readManifestFolder(dir: string, opts: FolderOptions = {}): Promise<FolderResult> {
  const files = await listManifestFiles(dir);
  const displayRoot = opts.displayRoot ?? dir;
  const { displayRoot: _root, ...translateOpts } = opts;
  const results: ManifestFileResult[] = [];
  for (let i = 0; i < files.length; i += READ_CONCURRENCY) {
    const batch = files.slice(i, i + READ_CONCURRENCY);
    results.push(
      ...(await Promise.all(batch.map((rel) => readManifestFile(join(dir, rel), rel, { ...translateOpts, displayPath: join(displayRoot, rel) })))),
    );
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
