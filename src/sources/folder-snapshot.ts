// From the parsed files of the manifests folder to a source snapshot. Pure.
//
// - A valid app declared by exactly one file is desired.
// - An id declared by a file with problems (readable name, broken document), or declared
//   by the file's last valid version, is *invalid*: neither updated nor deleted. The file's
//   source label is reported too, so apps the daemon never saw valid (it started while the
//   file was already broken) are protected through their `maracker.source` label.
// - An id declared in two places is a conflict: neither applies.
// - The hosts the last valid version of a broken file routed its apps at stay claimed
//   (`heldHosts`): its apps keep running, routed as they were; so do the hosts of an app
//   two files declare (in conflict, it runs on as it was).
// - A new file that is still being written (`pending`) declares nothing yet, but its source
//   label is reported, so apps that carry it are neither changed nor deleted meanwhile.
// - A known file being written again (`changing`) declares what it did, and is reported as
//   changing: its apps are kept, not written, until its new content is read.

import type { AppId } from '../model/app-id.js';
import type { DesiredApp, SourceRef } from '../model/desired.js';
import { type FileLabelScheme, fileSourceLabels } from '../model/labels.js';
import type { Problem } from '../model/problem.js';
import type { ManifestFileResult } from '../manifest/parse.js';
import type { SourceSnapshot } from './source.js';

export interface FolderFile {
  result: ManifestFileResult;
  /** Ids of the last version of this file that had no problem. */
  lastGoodIds: readonly AppId[];
  /** Hosts the apps of that version were routed at (`expose`): still theirs while the file is broken. */
  lastGoodHosts?: readonly string[];
}

/** What a file read anew leaves as its last good version: this one when it has no problem, else the one before. */
export function lastGood(result: ManifestFileResult, before: FolderFile | undefined): Pick<FolderFile, 'lastGoodIds' | 'lastGoodHosts'> {
  if (result.problems.length > 0) return { lastGoodIds: before?.lastGoodIds ?? [], lastGoodHosts: before?.lastGoodHosts ?? [] };
  const hosts = new Set(result.apps.flatMap((a) => (a.exposes ?? []).map((e) => e.host)));
  return { lastGoodIds: result.apps.map((a) => a.id), lastGoodHosts: [...hosts] };
}

interface Claim {
  ref: SourceRef;
  app?: DesiredApp;
  problems?: readonly Problem[];
}

export function folderSnapshot(
  files: ReadonlyMap<string, FolderFile>,
  base: Omit<SourceSnapshot, 'apps' | 'invalid' | 'conflicts' | 'unknownSourceLabels' | 'problems' | 'state'>,
  pending: Iterable<string> = [],
  changing: Iterable<string> = [],
  /** How the files' apps are labelled (TranslateOptions.fileLabel): `git` for a git source's. */
  scheme: FileLabelScheme = 'file',
): SourceSnapshot {
  const changingFiles = new Set([...changing].filter((rel) => files.has(rel)));
  const claims = new Map<AppId, Claim[]>();
  const claim = (id: AppId, c: Claim): void => {
    const list = claims.get(id);
    if (list) list.push(c);
    else claims.set(id, [c]);
  };
  const unknownSourceLabels = new Set<string>([...pending].flatMap((rel) => fileSourceLabels(rel, scheme)));
  const problems: Problem[] = [];
  const heldHosts = new Map<string, string>();

  for (const [rel, { result, lastGoodIds, lastGoodHosts }] of files) {
    problems.push(...result.problems);
    const valid = new Set<AppId>();
    for (const app of result.apps) {
      valid.add(app.id);
      claim(app.id, { ref: app.source, app });
    }
    if (result.problems.length === 0) continue;
    for (const label of fileSourceLabels(rel, scheme)) unknownSourceLabels.add(label);
    for (const host of lastGoodHosts ?? []) {
      if (!heldHosts.has(host)) heldHosts.set(host, `the apps of ${rel} as its last valid version declared them (it is invalid now)`);
    }
    const broken = new Set([...result.declaredIds, ...lastGoodIds].filter((id) => !valid.has(id)));
    for (const id of broken) {
      const decl = result.declarations.find((d) => d.id === id);
      const line = decl?.location.line ?? result.problems[0]?.location.line;
      claim(id, { ref: { kind: 'file', path: rel, ...(line !== undefined ? { line } : {}) }, problems: result.problems });
    }
  }

  const apps = new Map<AppId, DesiredApp>();
  const invalid = new Map<AppId, readonly Problem[]>();
  const conflicts = new Map<AppId, readonly SourceRef[]>();
  for (const [id, list] of claims) {
    if (list.length > 1) {
      conflicts.set(
        id,
        list.map((c) => c.ref),
      );
      // Neither declaration applies: the app runs on as it was, routed where it was.
      const files = [...new Set(list.map((c) => (c.ref.kind === 'file' ? c.ref.path : '?')))].join(' and ');
      for (const c of list) {
        for (const e of c.app?.exposes ?? []) {
          if (!heldHosts.has(e.host)) heldHosts.set(e.host, `${id}, declared by ${files} (in conflict: it runs on as it was)`);
        }
      }
    } else if (list[0]?.app) apps.set(id, list[0].app);
    else if (list[0]) invalid.set(id, list[0].problems ?? []);
  }
  const first = problems[0];
  return {
    ...base,
    state: 'Ready',
    apps,
    invalid,
    conflicts,
    unknownSourceLabels,
    problems,
    ...(changingFiles.size > 0 ? { changing: changingFiles } : {}),
    ...(heldHosts.size > 0 ? { heldHosts } : {}),
    ...(first
      ? {
          lastError: {
            message: first.message,
            ...(first.location.file !== undefined ? { file: first.location.file } : {}),
            ...(first.location.line !== undefined ? { line: first.location.line } : {}),
            ...(first.location.column !== undefined ? { column: first.location.column } : {}),
          },
        }
      : {}),
  };
}
