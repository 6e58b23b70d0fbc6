// The desired state of every app id, merged from all sources' snapshots. Pure.
//
// For one id, exactly one of:
// - app:      one valid declaration in one source (`changing` when its file is being written
//             again: what it declares now is about to be replaced, and is not written);
// - invalid:  declared, but the declaration cannot be read (broken file, bad row), or a row
//             routed where it must not be (./route-clash.ts);
// - conflict: declared more than once (two files, or a file and a row): neither applies;
// - absent:   no source declares it and every source was read: safe to prune if owned;
// - unknown:  a source that cannot be read declared it when last read (whatever the others
//             say: it may still be declared there, even in conflict), or no readable
//             declaration while a source (or the file its label names) cannot be read, so it
//             may still be wanted: neither written nor pruned.

import { isDeepStrictEqual } from 'node:util';
import type { AppId } from '../model/app-id.js';
import type { DesiredApp, ExposedRoute, SourceRef } from '../model/desired.js';
import { LABEL_SOURCE } from '../model/labels.js';
import type { Problem } from '../model/problem.js';
import type { SourceSnapshot } from '../sources/source.js';
import type { KeptRoute } from '../status/kept-route.js';
import { routeClashesWithTaken } from './route-clash.js';

export type DesiredEntry =
  | {
      kind: 'app';
      app: DesiredApp;
      /** The file declaring it is being written again (SourceSnapshot.changing): its path. */
      changing?: string;
    }
  | {
      kind: 'invalid';
      source: string;
      problems: readonly Problem[];
      /** Held back because a manifest's app is routed at its host: its route is not its own any more (route-clash.ts). */
      routeTaken?: true;
    }
  | { kind: 'conflict'; declarations: readonly SourceRef[] }
  | { kind: 'absent' }
  | {
      kind: 'unknown';
      reason: string;
      /** Declared by a source read now, but not complete (its image's labels): status shows it even before it runs. */
      declared?: boolean;
    };

/**
 * Whether two declarations of an app would send Marathon the same thing. Sources hand out new
 * objects when they are read again, so the same object is enough but not needed.
 */
export function sameDefinition(a: DesiredApp, b: DesiredApp): boolean {
  return a === b || (a.specHash === b.specHash && isDeepStrictEqual(a.definition, b.definition));
}

type Declaration = { source: string; ref: SourceRef; app?: DesiredApp; problems?: readonly Problem[] };

function invalidRef(snapshot: SourceSnapshot, id: AppId, problems: readonly Problem[]): SourceRef {
  if (snapshot.name === 'database') return { kind: 'database', row: id };
  const loc = problems[0]?.location;
  return { kind: 'file', path: loc?.file ?? '?', ...(loc?.line !== undefined ? { line: loc.line } : {}) };
}

export class DesiredView {
  readonly #declarations = new Map<AppId, Declaration[]>();
  readonly #notReady: string[];
  readonly #unknownLabels: ReadonlySet<string>;
  /** Ids an unreadable source declared when last read, with that source's name. */
  readonly #unreadable = new Map<AppId, string>();
  /** Per source, the files being written again (SourceSnapshot.changing). */
  readonly #changing = new Map<string, ReadonlySet<string>>();
  /** A new file being written, not read yet, in a source read now (SourceSnapshot.unreadFiles). */
  readonly #unreadFile: string | undefined;

  /** Apps valid alone but held back by where they are routed (./route-clash.ts). */
  readonly #routeClashes: Map<AppId, Problem>;
  /** Of those, the rows whose host a manifest's app is routed at. */
  readonly #routesTaken: Set<AppId>;

  /** What an app valid in its source is once completed (its image's labels): itself by default. */
  readonly #complete: (app: DesiredApp) => DesiredEntry;

  /**
   * `remembered`: what apps were last served (status/route-memory.ts). An app remembered that
   * no valid declaration says now runs on where it was routed, even when its declaration was
   * already broken when the daemon started (no source then knows its last valid version):
   * a manifest app's hosts, and a row's routes, are held against rows as the sources' own are.
   */
  constructor(
    readonly snapshots: readonly SourceSnapshot[],
    complete?: (app: DesiredApp) => DesiredEntry,
    remembered?: Iterable<[AppId, KeptRoute]>,
  ) {
    this.#complete = complete ?? ((app) => ({ kind: 'app', app }));
    this.#notReady = snapshots.filter((s) => s.state !== 'Ready').map((s) => s.name);
    const labels = new Set<string>();
    for (const s of snapshots) {
      if (s.state !== 'Ready') for (const id of s.lastKnownIds ?? []) this.#unreadable.set(id, s.name);
      for (const l of s.unknownSourceLabels) labels.add(l);
      if (s.changing && s.changing.size > 0) this.#changing.set(s.name, s.changing);
      for (const [id, app] of s.apps) this.#declare(id, { source: s.name, ref: app.source, app });
      for (const [id, problems] of s.invalid) {
        this.#declare(id, { source: s.name, ref: invalidRef(s, id, problems), problems });
      }
      for (const [id, refs] of s.conflicts) for (const ref of refs) this.#declare(id, { source: s.name, ref });
    }
    this.#unknownLabels = labels;
    this.#unreadFile = snapshots.flatMap((s) => (s.state === 'Ready' ? [...(s.unreadFiles ?? [])] : []))[0];
    const heldHosts = new Map<string, string>();
    for (const snap of snapshots) for (const [host, file] of snap.heldHosts ?? []) if (!heldHosts.has(host)) heldHosts.set(host, file);
    const heldRoutes = new Map<AppId, readonly ExposedRoute[]>();
    for (const snap of snapshots) for (const [id, routes] of snap.heldRoutes ?? []) heldRoutes.set(id, routes);
    for (const [id, kept] of remembered ?? []) {
      // Declared by a source that cannot be read: whatever it declares now is not known, and
      // a routed row waits for it (get).
      if (!kept.exposes || this.#validAlone(id) || this.#unreadable.has(id)) continue;
      if (kept.source === 'database') {
        if (!heldRoutes.has(id)) heldRoutes.set(id, kept.exposes);
        continue;
      }
      for (const e of kept.exposes) {
        if (!heldHosts.has(e.host)) heldHosts.set(e.host, `${id} as it was last applied (no valid declaration says it now: it runs on)`);
      }
    }
    const clashes = routeClashesWithTaken(this.#routedApps(), heldHosts, heldRoutes);
    this.#routeClashes = clashes.problems;
    this.#routesTaken = clashes.taken;
  }

  /**
   * The apps `get` would give, that expose a route: the only ones a route can hold back. And
   * the manifests' apps in conflict (with a row of the same id, or with another source's
   * file): neither declaration applies, so one already running runs on, routed where it was,
   * and its hosts stay a manifest's.
   */
  *#routedApps(): Generator<DesiredApp> {
    for (const [id, decls] of this.#declarations) {
      if (this.#unreadable.has(id)) continue;
      if (decls.length === 1) {
        const app = decls[0]?.app;
        if (app?.exposes && app.exposes.length > 0) yield app;
        continue;
      }
      for (const d of decls) if (d.app?.source.kind === 'file' && d.app.exposes && d.app.exposes.length > 0) yield d.app;
    }
  }

  /** One valid declaration of `id`: its own routes say where it runs. */
  #validAlone(id: AppId): boolean {
    const decls = this.#declarations.get(id);
    return decls?.length === 1 && decls[0]?.app !== undefined;
  }

  /** The problems of the apps held back by where they are routed (reported by validate and plan too). */
  routeProblems(): Problem[] {
    return [...this.#routeClashes.values()];
  }

  #declare(id: AppId, d: Declaration): void {
    const list = this.#declarations.get(id);
    if (list) list.push(d);
    else this.#declarations.set(id, [d]);
  }

  /** Every source has been read successfully: pruning is allowed at all. */
  get allReady(): boolean {
    return this.#notReady.length === 0;
  }

  /** Names of sources that are Pending or Unknown. */
  get notReady(): readonly string[] {
    return this.#notReady;
  }

  /** Every id some source declares (validly or not, or last declared while unreadable). */
  declaredIds(): IterableIterator<AppId> {
    return new Set([...this.#declarations.keys(), ...this.#unreadable.keys()]).values();
  }

  /** Ids with exactly one valid declaration (applied once complete: see get). */
  appIds(): Set<AppId> {
    const ids = new Set<AppId>();
    for (const [id, decls] of this.#declarations) if (decls.length === 1 && decls[0]?.app && !this.#unreadable.has(id)) ids.add(id);
    return ids;
  }

  #changingOr(d: Declaration, entry: DesiredEntry): DesiredEntry {
    const ref = d.ref;
    if (entry.kind !== 'app' || ref.kind !== 'file' || !this.#changing.get(d.source)?.has(ref.path)) return entry;
    return { ...entry, changing: ref.path };
  }

  /**
   * The desired state of `id`. `actualSourceLabel` is the `maracker.source` label of the
   * app in Marathon, if any: it protects apps whose declaring file is broken.
   */
  get(id: AppId, actualSourceLabel?: string): DesiredEntry {
    // Before any declaration: a row must not overwrite the app of a folder that just became
    // unreadable (the two may be in conflict), nor a file the app of an unreadable table.
    const unreadable = this.#unreadable.get(id);
    if (unreadable !== undefined) return { kind: 'unknown', reason: `declared by source ${unreadable}, which cannot be read` };
    const decls = this.#declarations.get(id);
    if (decls && decls.length > 1) return { kind: 'conflict', declarations: decls.map((d) => d.ref) };
    const only = decls?.[0];
    // Declared here, but the app in Marathon came from a file that cannot be read now (being
    // written, new, unreadable): that file may declare it still, and the two would then be in
    // conflict. Written from this declaration, the app would be rolled to it and back
    // (torture seed 532314390: a row inserted while a checkout rewrote the file).
    if (only?.app && actualSourceLabel !== undefined && this.#unknownLabels.has(actualSourceLabel)) {
      const own = only.app.definition.labels?.[LABEL_SOURCE];
      if (own !== actualSourceLabel) return { kind: 'unknown', declared: true, reason: `it was declared by ${actualSourceLabel}, which is not read yet` };
    }
    const clash = this.#routeClashes.get(id);
    if (only?.app && clash)
      return { kind: 'invalid', source: only.source, problems: [clash], ...(this.#routesTaken.has(id) ? { routeTaken: true as const } : {}) };
    // A routed row is checked against the hosts manifests' apps are routed at; while another
    // source cannot be read its apps are not in this view, and neither are their hosts: the
    // row waits, unknown (neither created nor changed), rather than be applied at a host a
    // manifest's app may hold (a git remote down for a minute let a held-back row through).
    const host = only?.app?.source.kind === 'database' ? only.app.exposes?.[0]?.host : undefined;
    const unread = host === undefined ? undefined : this.#notReady.find((name) => name !== only?.source);
    if (host !== undefined && unread !== undefined) {
      return {
        kind: 'unknown',
        declared: true,
        reason: `it is routed at ${host}, and whether a manifest's app is routed there is not known while source ${unread} cannot be read`,
      };
    }
    // Not in Marathon yet, while a new manifest is being written: it may declare this id too,
    // and the two would be in conflict once it is read. Created now, the app would run as one
    // of them says (torture seed 476558219: a row inserted while its id's file was written).
    if (only?.app && actualSourceLabel === undefined && this.#unreadFile !== undefined) {
      return { kind: 'unknown', declared: true, reason: `${this.#unreadFile} is being written and not read yet: it may declare this app too` };
    }
    if (only?.app) return this.#changingOr(only, this.#complete(only.app));
    if (only) return { kind: 'invalid', source: only.source, problems: only.problems ?? [] };
    if (actualSourceLabel !== undefined && this.#unknownLabels.has(actualSourceLabel)) {
      return { kind: 'unknown', reason: `its source ${actualSourceLabel} cannot be read` };
    }
    if (!this.allReady) return { kind: 'unknown', reason: `source ${this.#notReady.join(', ')} not read` };
    return { kind: 'absent' };
  }
}
