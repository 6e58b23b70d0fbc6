// Which apps a `GET /status` request asks for: filters (`sync`, `health`, `group`) and a page
// (`limit`, `after`). Pure: the query's parameters in, a selection (or a precise 400) out,
// and the selection applied to the store's apps, sorted by id, as they are in the document.
//
// Paging is by id, not by offset: `after` is the last id of the page before (the `next` a
// paged answer gives), so an app added or removed between two requests shifts no other app
// into or out of the next page; an app whose id sorts before `after` and that appears
// meanwhile is seen by the next walk from the start.

import { isInGroup, isValidAppId, isValidGroupPath } from '../model/app-id.js';
import { HEALTH, SYNC } from '../model/status.js';
import { StatusApiError } from './errors.js';
import type { AppStatus } from './model.js';

/** The largest page: a page of records is served as one reply. */
export const MAX_PAGE_LIMIT = 10_000;
/** Groups one request may name: each app is compared with each (a URL of 16 KiB could name thousands). */
export const MAX_GROUPS = 100;

export interface AppQuery {
  sync?: ReadonlySet<string>;
  health?: ReadonlySet<string>;
  /** Group paths ("/mip/prod"): an app matches one that is its id or a group its id is under. */
  groups?: readonly string[];
  /** Only apps whose id sorts after this one. */
  after?: string;
  /** At most this many apps; the answer then says where the next page starts. */
  limit?: number;
}

/** The page an answer with `limit` describes: what was asked, and the `after` of the next page (null: none). */
export interface PageInfo {
  limit: number;
  after: string | null;
  next: string | null;
}

/** The query's selection, or undefined when it asks for the whole document. Throws MRK_STATUS_BAD_QUERY. */
export function parseAppQuery(query: URLSearchParams): AppQuery | undefined {
  const q: AppQuery = {};
  const sync = listOf(query, 'sync');
  if (sync) q.sync = knownValues('sync', sync, SYNC);
  const health = listOf(query, 'health');
  if (health) q.health = knownValues('health', health, HEALTH);
  const groups = listOf(query, 'group');
  if (groups) {
    if (groups.length > MAX_GROUPS) throw badQuery(`group: at most ${MAX_GROUPS} groups per request, got ${groups.length}`);
    q.groups = [...new Set(groups.map(groupPath))];
  }
  const after = query.getAll('after');
  if (after.length > 0) q.after = cursor(after);
  const limit = query.getAll('limit');
  if (limit.length > 0) q.limit = pageLimit(limit);
  return Object.keys(q).length === 0 ? undefined : q;
}

/** Whether the app passes the query's filters (paging aside). */
export function matches(q: AppQuery, a: AppStatus): boolean {
  if (q.sync && !q.sync.has(a.sync)) return false;
  if (q.health && !q.health.has(a.health)) return false;
  return !q.groups || q.groups.some((g) => isInGroup(a.id, g));
}

/**
 * The indexes of the apps (sorted by id) the query keeps, in order, and the `after` of the
 * next page when the query has a limit and more apps match than it let through.
 */
export function selectApps(apps: readonly AppStatus[], q: AppQuery): { indexes: number[]; next: string | null } {
  let i = q.after === undefined ? 0 : firstAfter(apps, q.after);
  const indexes: number[] = [];
  for (; i < apps.length; i++) {
    const app = apps[i] as AppStatus;
    if (!matches(q, app)) continue;
    if (q.limit !== undefined && indexes.length === q.limit) return { indexes, next: (apps[indexes[indexes.length - 1] as number] as AppStatus).id };
    indexes.push(i);
  }
  return { indexes, next: null };
}

/** The first index whose id sorts after `id` (ids in code-unit order, as the store sorts them). */
function firstAfter(apps: readonly AppStatus[], id: string): number {
  let lo = 0;
  let hi = apps.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((apps[mid] as AppStatus).id <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** `?sync=OutOfSync,Invalid&sync=Conflict` -> the values; undefined when the parameter is absent or empty. */
function listOf(query: URLSearchParams, name: string): string[] | undefined {
  const given = query
    .getAll(name)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
  return given.length === 0 ? undefined : given;
}

function knownValues(name: string, given: readonly string[], known: readonly string[]): Set<string> {
  const unknown = given.filter((v) => !known.includes(v));
  if (unknown.length > 0) throw badQuery(`unknown ${name} value ${unknown.map(quoted).join(', ')}; expected one of ${known.join(', ')}`);
  return new Set(given);
}

/** "/mip/prod" (a trailing slash allowed), or "/" for every app. */
function groupPath(raw: string): string {
  const path = raw.length > 1 && raw.endsWith('/') ? raw.slice(0, -1) : raw;
  if (path === '/' || isValidGroupPath(path)) return path;
  throw badQuery(`group: expected a group path such as /mip/prod (lowercase segments of letters, digits and dashes), got ${quoted(raw)}`);
}

function cursor(values: readonly string[]): string {
  if (values.length > 1) throw badQuery('after: given more than once');
  const id = values[0] as string;
  if (!isValidAppId(id)) throw badQuery(`after: expected an app id such as /mip/prod/web (the "next" of the page before), got ${quoted(id)}`);
  return id;
}

function pageLimit(values: readonly string[]): number {
  if (values.length > 1) throw badQuery('limit: given more than once');
  const raw = values[0] as string;
  const n = /^[0-9]{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= 1 && n <= MAX_PAGE_LIMIT)) throw badQuery(`limit: expected an integer from 1 to ${MAX_PAGE_LIMIT}, got ${quoted(raw)}`);
  return n;
}

/** A value the client sent, cut short and quoted: enough to recognise it. */
function quoted(v: string): string {
  return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
}

function badQuery(message: string): StatusApiError {
  return new StatusApiError('MRK_STATUS_BAD_QUERY', 400, message);
}
