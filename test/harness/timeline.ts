// From the harness's history to what the sources declared for each app id over time. Pure.
//
// The declared state is computed with maracker's own parsers and merge (parseManifestText,
// specToDesired, folderSnapshot, DesiredView): the checker judges what the daemon *did*
// against what the sources *said*, not how a manifest is read. For each id the result is a
// list of segments (app with its spec-hash and instances, invalid, conflict, absent), each
// with the interval of the event that started it.
//
// "Last good" ids of a broken file (a half-written file removes nothing) count only from
// versions that stayed in place at least `observeMs`: a valid version overwritten within
// milliseconds may never have been read, and then nothing can be expected of it.

import type { AppId } from '../../src/model/app-id.js';
import type { DesiredApp } from '../../src/model/desired.js';
import { isManifestPath } from '../../src/manifest/ignore.js';
import { parseManifestText, type ManifestFileResult } from '../../src/manifest/parse.js';
import { specToDesired } from '../../src/manifest/row.js';
import type { TranslateOptions } from '../../src/manifest/types.js';
import { fileSourceLabel } from '../../src/model/labels.js';
import { DesiredView } from '../../src/reconcile/desired-view.js';
import { databaseSnapshot, type DatabaseRow } from '../../src/sources/database-snapshot.js';
import { folderSnapshot, type FolderFile } from '../../src/sources/folder-snapshot.js';
import type { HistoryEvent, SourceName } from './history.js';

export type SegmentKind = 'app' | 'invalid' | 'conflict' | 'absent';

export interface Segment {
  /** Position in the id's list (0 is the initial absence). */
  index: number;
  /** The event that started this segment: it began at start and was done at end. */
  start: number;
  end: number;
  kind: SegmentKind;
  app?: DesiredApp;
  /** Sources declaring the id in this segment. */
  sources: SourceName[];
  /** What declared it, for explanations: "web.yaml", "row /db/a". */
  where: string[];
}

export interface FileSegment {
  start: number;
  end: number;
  state: 'missing' | 'valid' | 'broken';
}

export interface Interval {
  start: number;
  end: number;
}

export interface Timeline {
  /** Segments of every id any source ever declared, oldest first. */
  apps: ReadonlyMap<AppId, readonly Segment[]>;
  /** States of every manifest file ever written, by `maracker.source` label ("file:web.yaml"). */
  files: ReadonlyMap<string, readonly FileSegment[]>;
  /** When each source was certainly unreadable: from the end of the event that broke it to the start of the one that repaired it. */
  unreadable: ReadonlyMap<SourceName, readonly Interval[]>;
}

export interface TimelineOptions {
  translate?: TranslateOptions;
  /** A valid file version must stay this long to count as read (its ids protected when the file breaks). Default 1000. */
  observeMs?: number;
}

const ABSENT: Omit<Segment, 'start' | 'end' | 'index'> = { kind: 'absent', sources: [], where: [] };

function sameState(a: Omit<Segment, 'start' | 'end' | 'index'>, b: Omit<Segment, 'start' | 'end' | 'index'>): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'app')
    return (
      a.app?.specHash === b.app?.specHash &&
      a.app?.definition.instances === b.app?.definition.instances &&
      a.where.join() === b.where.join() &&
      a.app?.adopt === b.app?.adopt
    );
  return a.sources.join() === b.sources.join() && a.where.join() === b.where.join();
}

/** For each file event, whether each valid version it wrote lasted `observeMs` before the next change of that path. */
function observableVersions(events: readonly HistoryEvent[], observeMs: number): Set<string> {
  const byPath = new Map<string, Array<{ key: string; end: number; start: number }>>();
  events.forEach((e, i) => {
    if (e.kind !== 'files') return;
    for (const c of e.changes) {
      const list = byPath.get(c.path) ?? [];
      list.push({ key: `${i}:${c.path}`, start: e.start, end: e.end });
      byPath.set(c.path, list);
    }
  });
  const observable = new Set<string>();
  for (const list of byPath.values()) {
    list.forEach((v, k) => {
      const next = list[k + 1];
      if (!next || next.start - v.end >= observeMs) observable.add(v.key);
    });
  }
  return observable;
}

export function buildTimeline(events: readonly HistoryEvent[], options: TimelineOptions = {}): Timeline {
  const translate = options.translate ?? {};
  const observable = observableVersions(events, options.observeMs ?? 1000);
  const files = new Map<string, FolderFile>();
  const rows = new Map<string, DatabaseRow>();
  const apps = new Map<AppId, Segment[]>();
  const fileStates = new Map<string, FileSegment[]>();
  const unreadable = new Map<SourceName, Interval[]>();
  const parsed = new Map<string, ManifestFileResult>();
  let revision = 0;

  const parse = (path: string, text: string): ManifestFileResult => {
    const key = `${path}\0${text}`;
    let r = parsed.get(key);
    if (!r) {
      r = parseManifestText(text, path, { ...translate, displayPath: path });
      parsed.set(key, r);
    }
    return r;
  };

  const recompute = (start: number, end: number): void => {
    const view = new DesiredView([folderSnapshot(files, { name: 'folder' }), databaseSnapshot(rows, {})]);
    const ids = new Set<AppId>([...apps.keys(), ...view.declaredIds()]);
    for (const id of ids) {
      const entry = view.get(id);
      let state: Omit<Segment, 'start' | 'end' | 'index'>;
      const fileWhere = [...files]
        .filter(([, f]) => f.result.declaredIds.includes(id) || (f.result.problems.length > 0 && f.lastGoodIds.includes(id)))
        .map(([p]) => p);
      const rowWhere = rows.has(id) ? [`row ${id}`] : [];
      const sources: SourceName[] = [...(fileWhere.length > 0 ? (['folder'] as const) : []), ...(rowWhere.length > 0 ? (['database'] as const) : [])];
      const where = [...fileWhere, ...rowWhere];
      switch (entry.kind) {
        case 'app':
          state = { kind: 'app', app: entry.app, sources: [entry.app.source.kind === 'file' ? 'folder' : 'database'], where };
          break;
        case 'invalid':
        case 'conflict':
          state = { kind: entry.kind, sources, where };
          break;
        default:
          state = ABSENT;
      }
      let list = apps.get(id);
      if (!list) {
        list = [{ index: 0, start: -Infinity, end: -Infinity, ...ABSENT }];
        apps.set(id, list);
      }
      const last = list[list.length - 1] as Segment;
      if (!sameState(last, state)) list.push({ index: list.length, start, end, ...state });
    }
  };

  events.forEach((e, i) => {
    switch (e.kind) {
      case 'files': {
        for (const c of e.changes) {
          if (!isManifestPath(c.path)) continue;
          const label = fileSourceLabel(c.path);
          const states = fileStates.get(label) ?? [{ start: -Infinity, end: -Infinity, state: 'missing' as const }];
          fileStates.set(label, states);
          if (c.text === null) {
            files.delete(c.path);
            states.push({ start: e.start, end: e.end, state: 'missing' });
            continue;
          }
          const result = parse(c.path, c.text);
          const ok = result.problems.length === 0;
          const previous = files.get(c.path);
          const lastGoodIds = ok
            ? observable.has(`${i}:${c.path}`)
              ? result.apps.map((a) => a.id)
              : (previous?.lastGoodIds ?? [])
            : (previous?.lastGoodIds ?? []);
          // A valid version too short-lived to have been read keeps the older last-good ids,
          // which then count only if that older version was itself observable.
          files.set(c.path, { result, lastGoodIds });
          states.push({ start: e.start, end: e.end, state: ok ? 'valid' : 'broken' });
        }
        recompute(e.start, e.end);
        break;
      }
      case 'rows': {
        for (const c of e.changes) {
          if (c.spec === null) {
            rows.delete(c.id);
            continue;
          }
          revision++;
          rows.set(c.id, {
            id: c.id,
            result: specToDesired(c.id, c.spec, c.labels ?? null, { ...translate, adopt: c.adopt === true }),
            revision: String(revision),
          });
        }
        recompute(e.start, e.end);
        break;
      }
      case 'readable': {
        const list = unreadable.get(e.source) ?? [];
        unreadable.set(e.source, list);
        const open = list[list.length - 1];
        if (!e.readable) {
          if (!open || open.end !== Infinity) list.push({ start: e.end, end: Infinity });
        } else if (open && open.end === Infinity) {
          open.end = e.start;
        }
        break;
      }
      default:
        break;
    }
  });
  return { apps, files: fileStates, unreadable };
}

/**
 * Segments of `id` that may have been the current one at some moment of [from, to]: a
 * segment is certainly current from its event's end to the next one's start, and possibly
 * from its event's start to the next one's end.
 */
export function segmentsDuring(t: Timeline, id: AppId, from: number, to: number): Segment[] {
  const list = t.apps.get(id);
  if (!list) return [{ index: 0, start: -Infinity, end: -Infinity, ...ABSENT }];
  return list.filter((s, k) => {
    const next = list[k + 1];
    const possiblyUntil = next ? next.end : Infinity;
    return s.start <= to && possiblyUntil >= from;
  });
}

/** True when the file with this source label was broken (present, with problems) throughout [from, to]. */
export function fileBrokenThroughout(t: Timeline, label: string, from: number, to: number): boolean {
  const list = t.files.get(label);
  if (!list) return false;
  const during = list.filter((s, k) => {
    const next = list[k + 1];
    return s.start <= to && (next ? next.end : Infinity) >= from;
  });
  return during.length > 0 && during.every((s) => s.state === 'broken');
}

/** The segments in force at the end of the history: the desired state to converge to. */
export function finalSegments(t: Timeline): Map<AppId, Segment> {
  const out = new Map<AppId, Segment>();
  for (const [id, list] of t.apps) out.set(id, list[list.length - 1] as Segment);
  return out;
}

export function describeSegment(s: Segment): string {
  const where = s.where.length > 0 ? ` in ${s.where.join(' and ')}` : '';
  const since = Number.isFinite(s.start) ? ` since ${clock(s.start)}` : ' from the start';
  switch (s.kind) {
    case 'app':
      return `app (spec-hash ${s.app?.specHash}, instances ${s.app?.definition.instances ?? 1})${where}${since}`;
    case 'absent':
      return `not declared${since}`;
    default:
      return `${s.kind}${where}${since}`;
  }
}

/** HH:MM:SS.mmm of a time, for explanations. */
export function clock(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  return new Date(ms).toISOString().slice(11, 23);
}
