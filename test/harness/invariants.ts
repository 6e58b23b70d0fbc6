// The invariant checker: what maracker must never do, judged from recorded data only (the
// sandbox's request log and the harness's history of the sources). Pure: no clock, no I/O.
//
// Rules (each violation names the write, the rule and the state of the sources):
//  delete-declared    a DELETE of an app the sources declared (valid, invalid or in conflict,
//                     or whose `maracker.source` file was broken) throughout the propagation
//                     window before the delete;
//  foreign-write      any write to an app of another installation on the same Marathon;
//  unowned-write      any write to an app the harness put into Marathon without the ownership
//                     label (unless a source declares it with adopt), a create/full update
//                     whose body lacks the label, or a partial write to an app maracker never
//                     created;
//  prune-guard        more distinct apps deleted within one prune window (the guard's sliding
//                     budget window, an hour by default) than max(minApps, floor(share x managed
//                     apps)) allows, not covered by an approval;
//  unreadable-source  a write while a source was certainly unreadable (after a grace period):
//                     any delete, or a write to an app that source declares (or last declared);
//  stale-write        a create/update whose spec (spec-hash and instances) no source declared
//                     at any moment of the propagation window before it: a stale or invented view;
//  write-order        a write of an older spec after a write of a newer one, for one app;
//  final-state        after settling: a desired app missing, unowned or different under the
//                     real planner; an owned app nobody declares; an unowned app changed.

import type { AppId } from '../../src/model/app-id.js';
import { installationOf, isMarackerApp, LABEL_MANAGED_BY, LABEL_SOURCE, LABEL_SPEC_HASH } from '../../src/model/labels.js';
import type { MarathonApp } from '../../src/model/marathon.js';
import { planApp } from '../../src/plan/plan.js';
import type { RequestLogEntry } from '../../src/sandbox/request-log.js';
import { HARNESS_MARK, type HistoryEvent, type SourceName } from './history.js';
import {
  buildTimeline,
  clock,
  describeSegment,
  fileBrokenThroughout,
  finalSegments,
  segmentsDuring,
  type Segment,
  type Timeline,
  type TimelineOptions,
} from './timeline.js';

export type Rule =
  | 'delete-declared'
  | 'foreign-write'
  | 'unowned-write'
  | 'prune-guard'
  | 'unreadable-source'
  | 'stale-write'
  | 'write-order'
  | 'final-state'
  | 'crash';

export interface Violation {
  rule: Rule;
  appId?: AppId;
  /** Request log sequence number of the offending write, when there is one. */
  seq?: number;
  time?: number;
  message: string;
  /** Cannot heal by waiting (an unowned app was changed or deleted). */
  permanent?: boolean;
}

export interface CheckOptions extends TimelineOptions {
  /** How far behind the sources the daemon's view may be (events, rescans, resyncs). Default 5000. */
  propagationMs?: number;
  /** How long after a source became unreadable writes may still go out (decided before). Default 2500. */
  unreadableGraceMs?: number;
  /** The prune guard's budget window: deletes within it share one budget. Default 3600000 (the daemon's --prune-window). */
  pruneWindowMs?: number;
  /** The daemon's --prune-min-apps and --prune-share. Defaults 5 and 0.1. */
  pruneMinApps?: number;
  pruneShare?: number;
  /** The daemon ran with --allow-mass-prune: the prune-guard rule is off. */
  allowMassPrune?: boolean;
}

export interface CheckInput {
  log: readonly RequestLogEntry[];
  history: readonly HistoryEvent[];
  options?: CheckOptions;
}

/** One write to an app, as the checker sees it. */
export interface AppWrite {
  seq: number;
  /** When the request arrived (what maracker decided on is older). */
  time: number;
  /** When it took effect: handled after an injected latency, it may follow a wipe that came after it arrived. */
  effectTime: number;
  method: string;
  id: AppId;
  /** create: POST; full: PUT partialUpdate=false; partial: other PUT/PATCH; delete. */
  kind: 'create' | 'full' | 'partial' | 'delete';
  body: Record<string, unknown> | undefined;
  status: number | null;
  /** Sent by the harness (hand edits), not by maracker. */
  external: boolean;
  describe: string;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** The writes to /v2/apps in a request log, in order. Restarts and other paths are left out. */
export function appWrites(log: readonly RequestLogEntry[]): AppWrite[] {
  const out: AppWrite[] = [];
  for (const e of log) {
    if (!WRITE_METHODS.has(e.method) || !e.path.startsWith('/v2/apps')) continue;
    if (e.path.endsWith('/restart')) continue;
    const body = record(e.body);
    let id: string | undefined;
    let kind: AppWrite['kind'];
    if (e.method === 'POST' && (e.path === '/v2/apps' || e.path === '/v2/apps/')) {
      id = typeof body?.id === 'string' ? (body.id as string) : undefined;
      if (id && !id.startsWith('/')) id = `/${id}`;
      kind = 'create';
    } else {
      id = e.path.slice('/v2/apps'.length) || undefined;
      if (e.method === 'DELETE') kind = 'delete';
      else if (e.method === 'POST') continue;
      else kind = e.method === 'PUT' && e.query.partialUpdate?.[0] === 'false' ? 'full' : 'partial';
    }
    if (!id) continue;
    const query = Object.entries(e.query).flatMap(([k, vs]) => vs.map((v) => `${k}=${v}`));
    out.push({
      seq: e.seq,
      time: Date.parse(e.time),
      effectTime: Date.parse(e.handledAt ?? e.time),
      method: e.method,
      id,
      kind,
      body,
      status: e.status,
      external: HARNESS_MARK in e.query,
      describe: `${e.method} ${e.path}${query.length ? `?${query.join('&')}` : ''} (seq ${e.seq} at ${clock(Date.parse(e.time))}, answered ${e.status ?? 'nothing'})`,
    });
  }
  return out;
}

function labelsOf(body: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  return record(body?.labels);
}

/** The body carries maracker's ownership label (of whichever installation the daemon is). */
function owns(body: Record<string, unknown> | undefined): boolean {
  return isMarackerApp(labelsOf(body) as Record<string, string> | undefined);
}

/** Whether a write body is the spec of this segment (spec-hash and instances; instances only for a scale). */
function matches(w: AppWrite, s: Segment): boolean {
  if (s.kind !== 'app' || !s.app) return false;
  const instances = s.app.definition.instances ?? 1;
  const body = w.body ?? {};
  if ('instances' in body && body.instances !== instances) return false;
  if (w.kind === 'partial') return 'instances' in body && (labelsOf(body) === undefined || labelsOf(body)?.[LABEL_SPEC_HASH] === s.app.specHash);
  if (!('instances' in body) && instances !== 1) return false;
  return labelsOf(body)?.[LABEL_SPEC_HASH] === s.app.specHash;
}

function describeBody(w: AppWrite): string {
  if (w.kind === 'delete') return '';
  const hash = labelsOf(w.body)?.[LABEL_SPEC_HASH];
  const instances = w.body?.instances;
  return ` (${[hash !== undefined ? `spec-hash ${String(hash)}` : undefined, instances !== undefined ? `instances ${String(instances)}` : undefined].filter(Boolean).join(', ') || 'no spec-hash, no instances'})`;
}

export function checkInvariants(input: CheckInput): Violation[] {
  const o = input.options ?? {};
  const propagationMs = o.propagationMs ?? 5000;
  const graceMs = o.unreadableGraceMs ?? 2500;
  const timeline = buildTimeline(input.history, o);
  const writes = appWrites(input.log);
  const violations: Violation[] = [];
  const add = (rule: Rule, w: AppWrite | undefined, message: string, appId?: AppId): void => {
    violations.push({ rule, ...((appId ?? w?.id) ? { appId: appId ?? w?.id } : {}), ...(w ? { seq: w.seq, time: w.time } : {}), message });
  };

  checkOwnership(input.history, writes, timeline, propagationMs, add);
  const own = writes.filter((w) => !w.external);
  for (const w of own) {
    const from = w.time - propagationMs;
    const segs = segmentsDuring(timeline, w.id, from, w.time);
    if (w.kind === 'delete') {
      checkDelete(timeline, writes, w, segs, from, add);
    } else {
      const matched = segs.filter((s) => matches(w, s));
      if (matched.length === 0) {
        const all = timeline.apps.get(w.id) ?? [];
        const older = all.filter((s) => matches(w, s) && s.start <= w.time);
        const why =
          older.length > 0
            ? `it is the spec of ${describeSegment(older[older.length - 1] as Segment)}, superseded before the window`
            : 'no source ever declared this spec on its own (valid, not in conflict)';
        add(
          'stale-write',
          w,
          `${w.describe} wrote ${w.id}${describeBody(w)}, which no source declared during the ${propagationMs} ms before it: ${why}; the sources said: ${segs.map(describeSegment).join('; then ')}`,
        );
      }
    }
    checkUnreadable(timeline, w, graceMs, add);
  }
  checkOrder(timeline, own, propagationMs, add);
  if (!o.allowMassPrune) checkPruneWindow(input.history, writes, o, add);
  return violations.sort((a, b) => (a.seq ?? Infinity) - (b.seq ?? Infinity));
}

type Add = (rule: Rule, w: AppWrite | undefined, message: string, appId?: AppId) => void;

function checkDelete(timeline: Timeline, writes: readonly AppWrite[], w: AppWrite, segs: Segment[], from: number, add: Add): void {
  const declared = segs.every((s) => s.kind !== 'absent');
  if (declared) {
    add(
      'delete-declared',
      w,
      `${w.describe} deleted ${w.id}, which the sources declared throughout the window before it: ${segs.map(describeSegment).join('; then ')}`,
    );
    return;
  }
  // An app whose maracker.source file is broken is unknown, never absent.
  const label = lastLabel(writes, w.id, w.seq, LABEL_SOURCE);
  if (typeof label === 'string' && label.startsWith('file:') && fileBrokenThroughout(timeline, label, from, w.time)) {
    add(
      'delete-declared',
      w,
      `${w.describe} deleted ${w.id}, whose source ${label} was a broken file throughout the window before it (a half-written file removes nothing)`,
    );
  }
}

/** The value of a label in the latest create/full write of `id` before `seq`. */
function lastLabel(writes: readonly AppWrite[], id: AppId, seq: number, key: string): unknown {
  let value: unknown;
  for (const w of writes) {
    if (w.seq >= seq) break;
    if (w.id === id && (w.kind === 'create' || w.kind === 'full')) value = labelsOf(w.body)?.[key];
  }
  return value;
}

function checkUnreadable(timeline: Timeline, w: AppWrite, graceMs: number, add: Add): void {
  for (const [source, intervals] of timeline.unreadable) {
    const during = intervals.find((i) => w.time >= i.start + graceMs && w.time <= i.end);
    if (!during) continue;
    const since = `unreadable since ${clock(during.start)}${Number.isFinite(during.end) ? ` until ${clock(during.end)}` : ''}`;
    if (w.kind === 'delete') {
      add('unreadable-source', w, `${w.describe} deleted ${w.id} while the ${source} source was ${since}: nothing may be deleted while a source is unknown`);
      continue;
    }
    const list = timeline.apps.get(w.id) ?? [];
    const current = [...list].reverse().find((s) => s.start <= w.time && s.kind !== 'absent');
    if (current?.sources.includes(source as SourceName)) {
      add(
        'unreadable-source',
        w,
        `${w.describe} wrote ${w.id}, declared by the ${source} source (${current.where.join(', ')}), while that source was ${since}`,
      );
    }
  }
}

function checkOrder(timeline: Timeline, own: readonly AppWrite[], propagationMs: number, add: Add): void {
  const byId = new Map<AppId, Array<{ w: AppWrite; idx: number[] }>>();
  for (const w of own) {
    if (w.kind === 'delete') continue;
    const idx = segmentsDuring(timeline, w.id, w.time - propagationMs, w.time)
      .filter((s) => matches(w, s))
      .map((s) => s.index);
    if (idx.length === 0) continue;
    const list = byId.get(w.id) ?? [];
    byId.set(w.id, list);
    list.push({ w, idx });
  }
  for (const [id, list] of byId) {
    let newest: { w: AppWrite; min: number } | undefined;
    for (const { w, idx } of list) {
      const min = Math.min(...idx);
      const max = Math.max(...idx);
      if (newest && max < newest.min) {
        const segs = timeline.apps.get(id) ?? [];
        add(
          'write-order',
          w,
          `${w.describe} wrote ${id}${describeBody(w)}, the spec of ${describeSegment(segs[max] as Segment)}, after ${newest.w.describe} had written the newer ${describeSegment(segs[newest.min] as Segment)}`,
        );
      }
      if (!newest || min > newest.min) newest = { w, min };
    }
  }
}

/** Ownership: which ids maracker created (a labelled write), which the harness made unowned. */
function checkOwnership(history: readonly HistoryEvent[], writes: readonly AppWrite[], timeline: Timeline, propagationMs: number, add: Add): void {
  type Mark = { time: number; kind: 'unowned' | 'owned' | 'wipe' | 'deleted'; id?: AppId };
  const marks: Mark[] = [];
  for (const e of history) {
    if (e.kind === 'unowned') marks.push({ time: e.start, kind: 'unowned', id: e.id });
    if (e.kind === 'owned') marks.push({ time: e.start, kind: 'owned', id: e.id });
    if (e.kind === 'wipe') marks.push({ time: e.end, kind: 'wipe' });
  }
  marks.sort((a, b) => a.time - b.time);
  const unowned = new Set<AppId>();
  const created = new Set<AppId>();
  // Another installation's apps stay its own through wipes: it creates them again.
  const foreign = new Map<AppId, string>();
  for (const e of history) if (e.kind === 'foreign') foreign.set(e.id, e.installation);
  let m = 0;
  // In the order the writes took effect: a create the sandbox held back (an injected
  // latency) past a wipe made the app after the wipe, though it arrived before it.
  const byEffect = [...writes].sort((a, b) => a.effectTime - b.effectTime || a.seq - b.seq);
  for (const w of byEffect) {
    const other = foreign.get(w.id);
    if (other !== undefined && !w.external) {
      add('foreign-write', w, `${w.describe} wrote ${w.id}, an app of installation ${other}`);
      continue;
    }
    while (m < marks.length && (marks[m] as Mark).time <= w.effectTime) {
      const mark = marks[m++] as Mark;
      if (mark.kind === 'wipe') {
        unowned.clear();
        created.clear();
      } else if (mark.kind === 'unowned' && mark.id) {
        unowned.add(mark.id);
        created.delete(mark.id);
      } else if (mark.kind === 'owned' && mark.id) {
        created.add(mark.id);
        unowned.delete(mark.id);
      }
    }
    if (w.external) {
      // A hand-made app without the label is not maracker's; a hand delete removes it.
      if ((w.kind === 'create' || w.kind === 'full') && !owns(w.body)) {
        unowned.add(w.id);
        created.delete(w.id);
      } else if (w.kind === 'create' || w.kind === 'full') {
        created.add(w.id);
        unowned.delete(w.id);
      } else if (w.kind === 'delete' && w.status !== null && w.status < 300) {
        unowned.delete(w.id);
        created.delete(w.id);
      }
      continue;
    }
    if (unowned.has(w.id)) {
      const adopted = segmentsDuring(timeline, w.id, w.time - propagationMs, w.time).some((s) => s.kind === 'app' && s.app?.adopt);
      if (!adopted) {
        add(
          'unowned-write',
          w,
          `${w.describe} wrote ${w.id}, an app the harness put into Marathon without the ownership label (${LABEL_MANAGED_BY}) and no source adopts`,
        );
        continue;
      }
    }
    if ((w.kind === 'create' || w.kind === 'full') && !owns(w.body)) {
      add('unowned-write', w, `${w.describe} sent a definition of ${w.id} without the ownership label ${LABEL_MANAGED_BY}`);
    } else if (w.kind === 'partial' && !created.has(w.id)) {
      add(
        'unowned-write',
        w,
        `${w.describe} changed ${w.id} with a partial update, but maracker never created that app (no earlier write carried its ownership label)`,
      );
    } else if (w.kind === 'delete' && !created.has(w.id)) {
      add('unowned-write', w, `${w.describe} deleted ${w.id}, which maracker never created (no earlier write carried its ownership label)`);
    }
    if ((w.kind === 'create' || w.kind === 'full') && owns(w.body)) {
      created.add(w.id);
      unowned.delete(w.id);
    }
  }
}

/** Deletes of distinct apps within any prune window, against the guard's limit. */
function checkPruneWindow(history: readonly HistoryEvent[], writes: readonly AppWrite[], o: CheckOptions, add: Add): void {
  const windowMs = o.pruneWindowMs ?? 3_600_000;
  const minApps = o.pruneMinApps ?? 5;
  const share = o.pruneShare ?? 0.1;
  const approvals = history.filter((e): e is Extract<HistoryEvent, { kind: 'prune-approved' }> => e.kind === 'prune-approved');
  const marks = history
    .filter((e) => e.kind === 'wipe' || e.kind === 'owned')
    .map((e) => ({ time: e.kind === 'wipe' ? e.end : e.start, id: e.kind === 'owned' ? e.id : undefined }))
    .sort((a, b) => a.time - b.time);
  // Managed apps over time: apps owned before maracker ran, plus labelled creates/full
  // writes answered 2xx, minus answered deletes; a wipe empties it.
  const managedAt: Array<{ time: number; count: number }> = [];
  const managed = new Set<AppId>();
  let markIdx = 0;
  const deletes: AppWrite[] = [];
  for (const w of writes) {
    while (markIdx < marks.length && (marks[markIdx] as { time: number }).time <= w.time) {
      const mark = marks[markIdx++] as { id: AppId | undefined };
      if (mark.id === undefined) managed.clear();
      else managed.add(mark.id);
    }
    const ok = w.status !== null && w.status < 300;
    if ((w.kind === 'create' || w.kind === 'full') && owns(w.body) && ok) managed.add(w.id);
    if (w.kind === 'delete' && !w.external) {
      const covered = approvals.some((a) => a.start <= w.time && a.ids.includes(w.id));
      if (!covered) deletes.push(w);
    }
    if (w.kind === 'delete' && ok) managed.delete(w.id);
    managedAt.push({ time: w.time, count: managed.size });
  }
  const managedBefore = (t: number): number => {
    let count = 0;
    for (const m of managedAt) {
      if (m.time >= t) break;
      count = m.count;
    }
    return count;
  };
  let reportedUntil = -Infinity;
  for (let i = 0; i < deletes.length; i++) {
    const first = deletes[i] as AppWrite;
    if (first.time <= reportedUntil) continue;
    const inWindow = deletes.filter((d) => d.time >= first.time && d.time < first.time + windowMs);
    const ids = [...new Set(inWindow.map((d) => d.id))];
    const count = Math.max(managedBefore(first.time), ids.length);
    const limit = Math.max(minApps, Math.floor(share * count));
    if (ids.length > limit) {
      const last = inWindow[inWindow.length - 1] as AppWrite;
      add(
        'prune-guard',
        last,
        `${ids.length} apps deleted within ${windowMs} ms from ${clock(first.time)} (${ids.join(', ')}; last: ${last.describe}), more than the prune guard allows without approval: max(${minApps}, floor(${share} x ${count} managed apps)) = ${limit}`,
        first.id,
      );
      reportedUntil = last.time;
    }
  }
}

export interface FinalInput {
  /** Marathon's apps after settling (sandbox.apps()). */
  apps: readonly MarathonApp[];
  history: readonly HistoryEvent[];
  options?: TimelineOptions;
}

/**
 * The converged state: every desired app present, owned, and a noop for the real planner;
 * nothing owned that no source declares; unowned apps as the harness left them. Ids whose
 * final declaration is invalid or in conflict are only required to stay (they are unknown).
 */
export function checkFinalState(input: FinalInput): Violation[] {
  const timeline = buildTimeline(input.history, input.options ?? {});
  const finals = finalSegments(timeline);
  const actual = new Map(input.apps.map((a) => [a.id, a]));
  const out: Violation[] = [];
  const add = (appId: AppId, message: string): void => void out.push({ rule: 'final-state', appId, message });

  const unowned = new Map<AppId, string | undefined>();
  const foreign = new Set<AppId>();
  for (const e of input.history) {
    if (e.kind === 'unowned') unowned.set(e.id, e.version);
    if (e.kind === 'wipe') unowned.clear();
    if (e.kind === 'foreign') foreign.add(e.id);
  }
  for (const [id, seg] of finals) {
    // Another installation's app is that installation's business (checked apart).
    if (foreign.has(id)) continue;
    const app = actual.get(id);
    if (seg.kind === 'app' && seg.app) {
      if (!app) {
        add(id, `${id} is declared (${describeSegment(seg)}) but missing from Marathon`);
        continue;
      }
      if (unowned.has(id) && !seg.app.adopt) {
        if (isMarackerApp(app.labels)) add(id, `${id} was put into Marathon unowned, and it now carries the ownership label`);
        continue;
      }
      if (!isMarackerApp(app.labels)) {
        add(id, `${id} is declared but the app in Marathon lacks the ownership label`);
        continue;
      }
      // Judged as the installation that wrote it would judge it (the daemon's).
      const installation = installationOf(app.labels?.[LABEL_MANAGED_BY]);
      const action = planApp(seg.app, app, installation === undefined ? {} : { installation });
      if (action.kind !== 'noop') {
        const changes =
          action.kind === 'update' ? action.changes.map((c) => `${c.path}: ${JSON.stringify(c.before)} -> ${JSON.stringify(c.after)}`).join('; ') : action.kind;
        add(id, `${id} differs from its declaration (${describeSegment(seg)}): the planner says ${action.kind} (${changes})`);
      }
    } else if (seg.kind === 'absent' && app && isMarackerApp(app.labels) && !unowned.has(id)) {
      add(id, `${id} is owned by maracker but no source declares it (${describeSegment(seg)})`);
    }
  }
  for (const app of input.apps) {
    if (!finals.has(app.id) && isMarackerApp(app.labels) && !unowned.has(app.id) && !foreign.has(app.id)) {
      add(app.id, `${app.id} is owned by maracker but no source ever declared it`);
    }
  }
  for (const [id, version] of unowned) {
    const app = actual.get(id);
    if (!app) out.push({ rule: 'final-state', appId: id, permanent: true, message: `${id}, an app maracker does not own, is gone from Marathon` });
    else if (version !== undefined && app.version !== version)
      out.push({
        rule: 'final-state',
        appId: id,
        permanent: true,
        message: `${id}, an app maracker does not own, was changed (version ${version} -> ${app.version})`,
      });
  }
  return out;
}

/** Violations as one readable block, for test failures. */
export function formatViolations(violations: readonly Violation[]): string {
  return violations.map((v) => `[${v.rule}]${v.appId ? ` ${v.appId}` : ''}: ${v.message}`).join('\n');
}
