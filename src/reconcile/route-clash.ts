// Apps that must not be applied because of where they are routed. Pure.
//
// Traefik sends a request to the router whose rule matches with the highest priority (the
// longest rule); two routers with the same rule are ordered by chance. Rows are written by
// portal accounts, manifests are reviewed in git, so only rows are held back:
// - a row may not be routed at a host that an app of a file is routed at, under any path:
//   `portal.example/login` would beat the file app's `portal.example`;
// - two rows routed at the same host and path prefix are both held back, as two
//   declarations of one id are: neither would get all of its traffic; a row that cannot be
//   applied now (broken, over the quota) keeps the routes its running app was given;
// Files routed alike are their committers' own business (Traefik's order decides).
// Apps the rule holds back are reported invalid where they are declared: one already running
// is left as it is (its labels stay in Marathon), none is created. A row whose host a
// manifest's app is routed at has lost that host (`taken`): the route maracker serves to
// Traefik v3, and the URL status shows, are the manifest app's alone. Rows held back by
// another row keep theirs: a row inserted later must not take a running app off the air.

import type { AppId } from '../model/app-id.js';
import { describeSource, type DesiredApp, type ExposedRoute } from '../model/desired.js';
import type { Problem } from '../model/problem.js';

/** Why each held-back app is: a problem at its declaration. */
export function routeClashes(apps: Iterable<DesiredApp>): Map<AppId, Problem> {
  return routeClashesWithTaken(apps).problems;
}

/**
 * routeClashes, and the held-back rows routed at a host a manifest's app is routed at.
 * `heldHosts`: hosts the apps of manifest files that cannot be applied now (broken, or in
 * conflict) are routed at, with what holds each (SourceSnapshot.heldHosts): those apps run
 * on, routed as they were.
 */
export function routeClashesWithTaken(
  apps: Iterable<DesiredApp>,
  heldHosts: ReadonlyMap<string, string> = new Map(),
  heldRowRoutes: ReadonlyMap<AppId, readonly ExposedRoute[]> = new Map(),
): { problems: Map<AppId, Problem>; taken: Set<AppId> } {
  const byHost = new Map<string, DesiredApp[]>();
  for (const app of apps) {
    for (const { host } of app.exposes ?? []) {
      const list = byHost.get(host);
      if (!list) byHost.set(host, [app]);
      else if (list[list.length - 1] !== app) list.push(app);
    }
  }
  const out = new Map<AppId, Problem>();
  const taken = new Set<AppId>();
  const hold = (row: DesiredApp, message: string): void => {
    if (!out.has(row.id)) out.set(row.id, { code: 'route-conflict', message, location: { row: row.id, jsonPath: 'spec.expose' } });
  };
  for (const [host, list] of byHost) {
    const held = heldHosts.get(host);
    if (held !== undefined && !list.some((a) => a.source.kind === 'file')) {
      for (const row of list.filter((a) => a.source.kind === 'database')) {
        hold(row, `host ${host} is routed to ${held}; a row may not be routed at a host an app of a manifest is`);
        taken.add(row.id);
      }
    }
    if (list.length < 2) continue;
    const files = list.filter((a) => a.source.kind === 'file');
    for (const row of list.filter((a) => a.source.kind === 'database')) {
      const file = files[0];
      if (file) {
        hold(row, `host ${host} is routed to ${file.id} (${describeSource(file.source)}); a row may not be routed at a host an app of a manifest is`);
        taken.add(row.id);
      }
    }
    const byPath = new Map<string, DesiredApp[]>();
    for (const app of list) {
      for (const r of app.exposes ?? []) {
        if (r.host !== host) continue;
        const same = byPath.get(r.path) ?? [];
        if (!same.includes(app)) same.push(app);
        byPath.set(r.path, same);
      }
    }
    for (const [path, all] of byPath) {
      const same = all.filter((a) => a.source.kind === 'database');
      if (same.length < 2) continue;
      for (const app of same) {
        const others = same.filter((o) => o !== app).map((o) => `${o.id} (${describeSource(o.source)})`);
        hold(app, `${host}${path} is also routed to ${others.join(', ')}; neither is applied`);
      }
    }
  }
  // A row that cannot be applied now (broken, or over the quota) keeps the routes its app runs
  // on: another row at one of them is held back as if that row were valid.
  const heldBy = new Map<string, AppId>();
  for (const [id, routes] of heldRowRoutes) for (const r of routes) if (!heldBy.has(`${r.host}${r.path}`)) heldBy.set(`${r.host}${r.path}`, id);
  if (heldBy.size > 0) {
    for (const list of byHost.values()) {
      for (const app of list) {
        if (app.source.kind !== 'database') continue;
        for (const r of app.exposes ?? []) {
          const other = heldBy.get(`${r.host}${r.path}`);
          if (other !== undefined && other !== app.id) {
            hold(app, `${r.host}${r.path} is routed to row ${other} as its last valid version declared it (it cannot be applied now); neither is applied`);
          }
        }
      }
    }
  }
  return { problems: out, taken };
}
