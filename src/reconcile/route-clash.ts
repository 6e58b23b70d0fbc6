// Apps that must not be applied because of where they are routed. Pure.
//
// Traefik sends a request to the router whose rule matches with the highest priority (the
// longest rule); two routers with the same rule are ordered by chance. So:
// - a row (any portal account can write one) may not be routed at a host that an app of a
//   file (reviewed in git) is routed at, under any path: `portal.example/login` would beat
//   the file app's `portal.example`. Only the row is held back;
// - two apps routed at the same host and path prefix are both held back, as two
//   declarations of one id are: neither would get all of its traffic.
// Apps the rule holds back are reported invalid where they are declared: one already running
// is left as it is (its labels, so its route, stay in Marathon), none is created.

import type { AppId } from '../model/app-id.js';
import { describeSource, type DesiredApp } from '../model/desired.js';
import type { Problem } from '../model/problem.js';

/** Why each held-back app is: a problem at its declaration. */
export function routeClashes(apps: Iterable<DesiredApp>): Map<AppId, Problem> {
  const byHost = new Map<string, DesiredApp[]>();
  for (const app of apps) {
    for (const { host } of app.exposes ?? []) {
      const list = byHost.get(host);
      if (!list) byHost.set(host, [app]);
      else if (list[list.length - 1] !== app) list.push(app);
    }
  }
  const out = new Map<AppId, Problem>();
  const hold = (app: DesiredApp, message: string): void => {
    // A file's problems carry their path in the text, a row's in its location (formatProblem).
    const text = app.source.kind === 'file' ? `spec.expose: ${message}` : message;
    if (!out.has(app.id)) out.set(app.id, { code: 'route-conflict', message: text, location: locationOf(app) });
  };
  for (const [host, list] of byHost) {
    if (list.length < 2) continue;
    const files = list.filter((a) => a.source.kind === 'file');
    for (const row of list.filter((a) => a.source.kind === 'database')) {
      const file = files[0];
      if (file) hold(row, `host ${host} is routed to ${file.id} (${describeSource(file.source)}); a row may not be routed at a host an app of a manifest is`);
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
    for (const [path, same] of byPath) {
      if (same.length < 2) continue;
      for (const app of same) {
        const others = same.filter((o) => o !== app).map((o) => `${o.id} (${describeSource(o.source)})`);
        hold(app, `${host}${path} is also routed to ${others.join(', ')}; neither is applied`);
      }
    }
  }
  return out;
}

function locationOf(app: DesiredApp): Problem['location'] {
  const src = app.source;
  if (src.kind === 'database') return { row: src.row, jsonPath: 'spec.expose' };
  return { file: src.path, ...(src.line !== undefined ? { line: src.line, column: src.column ?? 1 } : {}), jsonPath: 'spec.expose' };
}
