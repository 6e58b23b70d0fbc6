// Request paths and their low-cardinality route templates (for metrics). App ids are
// absolute paths whose segments map one to one onto URL segments:
// `/mip/prod/web` -> `/v2/apps/mip/prod/web`.

import { isReservedAppName } from '../model/app-id.js';

export const ROUTES = {
  apps: '/v2/apps',
  app: '/v2/apps/{id}',
  appRestart: '/v2/apps/{id}/restart',
  deployments: '/v2/deployments',
  deployment: '/v2/deployments/{id}',
  info: '/v2/info',
  leader: '/v2/leader',
  ping: '/ping',
  events: '/v2/events',
} as const;

export type Route = (typeof ROUTES)[keyof typeof ROUTES];

/** Query parameters in order; a name may repeat (`embed`, `event_type`). */
export type Query = Array<[string, string]>;

/**
 * Canonical absolute app id: leading `/`, no trailing `/`, no empty segments. Throws a
 * TypeError for ids that would address something other than one app: the root, `.`/`..`
 * segments, a trailing `*` (GET /v2/apps/{group}/* lists a whole group), or a reserved last
 * segment.
 */
export function canonicalAppId(id: string): string {
  if (typeof id !== 'string') throw new TypeError(`Expected an app id string, got \`${typeof id}\``);
  const segments = id.split('/').filter((s) => s.length > 0);
  if (segments.length === 0) throw new TypeError(`Expected an app id with at least one segment, got \`${id}\``);
  for (const s of segments) {
    if (s === '.' || s === '..' || s === '*') throw new TypeError(`Expected an app id without \`${s}\` segments, got \`${id}\``);
  }
  const last = segments[segments.length - 1] as string;
  // Marathon refuses these (model/app-id.ts) because they name sub-resources: DELETE
  // /v2/apps/web/tasks kills the tasks of /web instead of deleting an app "/web/tasks".
  // Refusing them here keeps a bad id from hitting the wrong endpoint.
  if (isReservedAppName(last)) {
    throw new TypeError(`Expected an app id not ending in restart, tasks or versions (Marathon reserves them), got \`${id}\``);
  }
  return `/${segments.join('/')}`;
}

export function appPath(id: string): string {
  return `/v2/apps${encodeSegments(canonicalAppId(id))}`;
}

export function appRestartPath(id: string): string {
  return `${appPath(id)}/restart`;
}

export function deploymentPath(id: string): string {
  if (typeof id !== 'string' || id.length === 0 || id.includes('/')) {
    throw new TypeError(`Expected a deployment id without \`/\`, got \`${String(id)}\``);
  }
  return `/v2/deployments/${encodeURIComponent(id)}`;
}

export function withQuery(path: string, query: Query | undefined): string {
  if (!query || query.length === 0) return path;
  const search = new URLSearchParams(query).toString();
  return `${path}?${search}`;
}

function encodeSegments(absoluteId: string): string {
  return absoluteId
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
}
