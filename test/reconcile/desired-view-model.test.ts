// The desired view against its rules, stated independently, over random combinations of
// what the sources can say: a manifests folder and the rows of the database, each Ready or
// unreadable (with the ids it declared when last read), declaring a few ids validly, broken,
// or twice, routed at a few hosts, with broken files keeping their hosts, broken rows their
// routes, labels whose files are not read yet, and new files being written. Each rule is checked on every id the view is asked about, with
// each `maracker.source` label Marathon may show for it.

import { describe, expect, it } from 'vitest';
import type { AppId } from '../../src/model/app-id.js';
import type { DesiredApp } from '../../src/model/desired.js';
import { LABEL_SOURCE } from '../../src/model/labels.js';
import type { Problem } from '../../src/model/problem.js';
import { DesiredView } from '../../src/reconcile/desired-view.js';
import { emptySnapshot, type SourceSnapshot } from '../../src/sources/source.js';
import { Prng } from '../harness/scenario.js';

const IDS: AppId[] = ['/a', '/b', '/c', '/d'];
const HOSTS = ['one.example', 'two.example'];
const PATHS = ['', '/x'];
const RUNS = 3000;

const problem = (id: AppId): Problem => ({ code: 'schema', message: 'bad', location: { file: `${id.slice(1)}.yaml`, line: 1 } });

function fileApp(r: Prng, id: AppId, file: string): DesiredApp {
  const exposes = r.chance(0.5) ? [{ host: r.pick(HOSTS), path: r.pick(PATHS) }] : undefined;
  return {
    id,
    source: { kind: 'file', path: file, line: 1 },
    definition: { id, instances: 1, labels: { [LABEL_SOURCE]: `file:${file}` } },
    specHash: `h${id}${file}`,
    adopt: false,
    ...(exposes ? { exposes } : {}),
  };
}

function rowApp(r: Prng, id: AppId): DesiredApp {
  const exposes = r.chance(0.6) ? [{ host: r.pick(HOSTS), path: r.pick(PATHS) }] : undefined;
  return {
    id,
    source: { kind: 'database', row: id },
    definition: { id, instances: 1, labels: { [LABEL_SOURCE]: `database:${id}` } },
    specHash: `r${id}`,
    adopt: false,
    ...(exposes ? { exposes } : {}),
  };
}

interface World {
  snapshots: SourceSnapshot[];
  /** Every declaration, by id: where, and the app when it is a valid one. */
  decls: Map<AppId, Array<{ source: string; app?: DesiredApp; file?: boolean }>>;
}

function world(r: Prng): World {
  const decls: World['decls'] = new Map();
  const declare = (id: AppId, d: { source: string; app?: DesiredApp; file?: boolean }) => decls.set(id, [...(decls.get(id) ?? []), d]);
  const folder: SourceSnapshot = { ...emptySnapshot('folder', 'Ready'), apps: new Map(), invalid: new Map(), conflicts: new Map() };
  const heldHosts = new Map<string, string>();
  const unknownLabels = new Set<string>();
  for (const id of IDS) {
    const what = r.pick(['none', 'none', 'app', 'app', 'broken', 'twice']);
    const file = `${id.slice(1)}.yaml`;
    if (what === 'app') {
      (folder.apps as Map<AppId, DesiredApp>).set(id, fileApp(r, id, file));
      declare(id, { source: 'folder', app: folder.apps.get(id), file: true });
    } else if (what === 'broken') {
      (folder.invalid as Map<AppId, readonly Problem[]>).set(id, [problem(id)]);
      declare(id, { source: 'folder', file: true });
      unknownLabels.add(`file:${file}`);
      if (r.chance(0.5)) heldHosts.set(r.pick(HOSTS), `the apps of ${file} as its last valid version declared them (it is invalid now)`);
    } else if (what === 'twice') {
      (folder.conflicts as Map<AppId, readonly { kind: 'file'; path: string }[]>).set(id, [
        { kind: 'file', path: file },
        { kind: 'file', path: `copy-${file}` },
      ]);
      declare(id, { source: 'folder', file: true });
      declare(id, { source: 'folder', file: true });
      if (r.chance(0.5)) heldHosts.set(r.pick(HOSTS), `${id}, declared by ${file} and copy-${file} (in conflict: it runs on as it was)`);
    }
  }
  if (r.chance(0.2)) unknownLabels.add('file:new.yaml');
  const rows: SourceSnapshot = { ...emptySnapshot('database', 'Ready'), apps: new Map(), invalid: new Map() };
  const heldRoutes = new Map<AppId, Array<{ host: string; path: string }>>();
  for (const id of IDS) {
    const what = r.pick(['none', 'none', 'app', 'app', 'app', 'bad']);
    if (what === 'app') {
      (rows.apps as Map<AppId, DesiredApp>).set(id, rowApp(r, id));
      declare(id, { source: 'database', app: rows.apps.get(id) });
    } else if (what === 'bad') {
      (rows.invalid as Map<AppId, readonly Problem[]>).set(id, [{ code: 'schema', message: 'bad', location: { row: id } }]);
      declare(id, { source: 'database' });
      // Broken by an update: its app runs on where its last valid version routed it.
      if (r.chance(0.5)) heldRoutes.set(id, [{ host: r.pick(HOSTS), path: r.pick(PATHS) }]);
    }
  }
  const withState = (s: SourceSnapshot, ids: AppId[], extra: Partial<SourceSnapshot>): SourceSnapshot => {
    if (!r.chance(0.2)) return { ...s, ...extra };
    // Unreadable now: nothing declared, only what it declared when last read.
    return { ...emptySnapshot(s.name, 'Unknown', { message: 'cannot be read' }), lastKnownIds: new Set(ids) };
  };
  const folderIds = [...decls].filter(([, ds]) => ds.some((d) => d.source === 'folder')).map(([id]) => id);
  const rowIds = [...decls].filter(([, ds]) => ds.some((d) => d.source === 'database')).map(([id]) => id);
  const snapshots = [
    withState(folder, folderIds, {
      unknownSourceLabels: unknownLabels,
      ...(heldHosts.size > 0 ? { heldHosts } : {}),
      // A new file being written, not read yet: it may declare any id.
      ...(unknownLabels.has('file:new.yaml') && r.chance(0.7) ? { unreadFiles: new Set(['new.yaml']) } : {}),
    }),
    withState(rows, rowIds, heldRoutes.size > 0 ? { heldRoutes } : {}),
  ];
  // What an unreadable source says is only its ids: its declarations are not in the view.
  for (const s of snapshots)
    if (s.state !== 'Ready')
      for (const [id, ds] of decls)
        decls.set(
          id,
          ds.filter((d) => d.source !== s.name),
        );
  return { snapshots, decls };
}

/** Hosts the manifests hold: of their apps (valid or in conflict), and the held ones. */
function manifestHosts(w: World): Set<string> {
  const hosts = new Set<string>();
  for (const ds of w.decls.values()) for (const d of ds) if (d.file) for (const e of d.app?.exposes ?? []) hosts.add(e.host);
  for (const s of w.snapshots) for (const h of s.heldHosts?.keys() ?? []) hosts.add(h);
  return hosts;
}

describe('DesiredView against its rules', () => {
  it(`never applies a declaration it must not, and applies every one it must (${RUNS} random combinations of sources)`, () => {
    const broken: string[] = [];
    for (let seed = 1; seed <= RUNS && broken.length < 5; seed++) {
      const r = new Prng(seed);
      const w = world(r);
      const view = new DesiredView(w.snapshots);
      const unreadable = new Map<AppId, string>();
      for (const s of w.snapshots) if (s.state !== 'Ready') for (const id of s.lastKnownIds ?? []) unreadable.set(id, s.name);
      const notReady = w.snapshots.filter((s) => s.state !== 'Ready').map((s) => s.name);
      const unknownLabels = new Set(w.snapshots.flatMap((s) => [...s.unknownSourceLabels]));
      const held = manifestHosts(w);
      const applied = new Map<AppId, DesiredApp>();
      for (const id of IDS) {
        for (const label of [undefined, `file:${id.slice(1)}.yaml`, 'file:new.yaml', `database:${id}`]) {
          const entry = view.get(id, label);
          const ds = w.decls.get(id) ?? [];
          const fail = (why: string) => broken.push(`seed ${seed} ${id} (label ${label}): ${why}; got ${JSON.stringify(entry)}`);
          if (unreadable.has(id) && entry.kind !== 'unknown') fail('declared by an unreadable source, yet not unknown');
          if (ds.length > 1 && entry.kind === 'app') fail('declared twice, yet applied');
          const unreadFile = w.snapshots.some((s) => s.state === 'Ready' && (s.unreadFiles?.size ?? 0) > 0);
          if (entry.kind === 'app' && unreadFile && label === undefined) fail('created while a new manifest, not read yet, may declare it');
          if (entry.kind === 'app') {
            const app = entry.app;
            const own = app.definition.labels?.[LABEL_SOURCE];
            if (label !== undefined && unknownLabels.has(label) && own !== label)
              fail('Marathon shows it from a file not read yet, yet another declaration applied');
            if (app.source.kind === 'database' && app.exposes?.length) {
              if (notReady.length > 0) fail('a routed row applied while a source cannot be read');
              for (const e of app.exposes) if (held.has(e.host)) fail(`a row applied at ${e.host}, a manifest's host`);
              for (const e of app.exposes) if (heldByRow(w, e, id)) fail(`a row applied at ${e.host}${e.path}, where a broken row's app runs`);
            }
            if (label === undefined) applied.set(id, app);
          }
          // Liveness: one valid declaration, nothing that holds it back, is applied.
          const only = ds.length === 1 ? ds[0]?.app : undefined;
          const routedRow = only?.source.kind === 'database' && (only.exposes?.length ?? 0) > 0;
          const clash = routedRow && (notReady.length > 0 || (only?.exposes ?? []).some((e) => held.has(e.host) || heldByRow(w, e, id)));
          const labelHolds = label !== undefined && unknownLabels.has(label) && only?.definition.labels?.[LABEL_SOURCE] !== label;
          const waits = unreadFile && label === undefined;
          if (only && !unreadable.has(id) && !clash && !labelHolds && !waits && entry.kind !== 'app') {
            // Two rows at one host and path hold each other back: that is the one other reason.
            const sameRoute = routedRow && IDS.some((other) => other !== id && sameRowRoute(w, id, other));
            if (!sameRoute) fail('one valid declaration and nothing holding it, yet not applied');
          }
        }
      }
      // Two rows applied at one host and path would each get part of the traffic.
      const rowsApplied = [...applied.values()].filter((a) => a.source.kind === 'database');
      for (const a of rowsApplied)
        for (const b of rowsApplied)
          if (a !== b && (a.exposes ?? []).some((e) => (b.exposes ?? []).some((f) => f.host === e.host && f.path === e.path)))
            broken.push(`seed ${seed}: rows ${a.id} and ${b.id} both applied at one host and path`);
    }
    expect(broken).toEqual([]);
  });
});

/** Another row that cannot be applied runs its app at this host and path. */
function heldByRow(w: World, e: { host: string; path: string }, id: AppId): boolean {
  for (const s of w.snapshots)
    for (const [other, routes] of s.heldRoutes ?? []) if (other !== id && routes.some((r) => r.host === e.host && r.path === e.path)) return true;
  return false;
}

function sameRowRoute(w: World, id: AppId, other: AppId): boolean {
  const a = w.decls.get(id)?.[0]?.app;
  const bs = w.decls.get(other) ?? [];
  return bs.some(
    (d) => d.app?.source.kind === 'database' && (a?.exposes ?? []).some((e) => (d.app?.exposes ?? []).some((f) => f.host === e.host && f.path === e.path)),
  );
}
