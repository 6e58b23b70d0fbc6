// Randomized scenarios: from a seed, the initial world (manifest files on three git branches,
// database rows, an unowned app) and a list of operations on it. Pure and deterministic:
// every choice comes from one seeded PRNG and depends only on the model of the world, never
// on timing, so a seed always gives the same operations (the daemon's timing still varies).

import type { FaultSpec } from '../../src/sandbox/faults.js';
import { seededRandom } from '../../src/sandbox/prng.js';
import { manifestYaml } from '../helpers/manifests.js';

export class Prng {
  readonly #next: () => number;

  constructor(seed: number) {
    this.#next = seededRandom(seed);
  }

  float(): number {
    return this.#next();
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.#next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.#next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from nothing');
    return items[Math.floor(this.#next() * items.length)] as T;
  }

  weighted<T>(choices: ReadonlyArray<readonly [number, T]>): T {
    const total = choices.reduce((s, [w]) => s + w, 0);
    let r = this.#next() * total;
    for (const [w, v] of choices) {
      if ((r -= w) < 0) return v;
    }
    return (choices[choices.length - 1] as readonly [number, T])[1];
  }
}

export interface AppModel {
  name: string;
  group?: string;
  instances: number;
  mem: number;
  /** Revision of the cmd: every change of it is a new spec (a rolling restart). */
  rev: number;
}

export type Breakage = 'yaml' | 'field' | 'typo';

export interface FileModel {
  apps: AppModel[];
  broken?: Breakage;
}

export interface RowModel {
  instances: number;
  mem: number;
  rev: number;
  invalid?: boolean;
}

export type Op =
  | { op: 'write-file'; path: string; file: FileModel; atomic: boolean; why: string }
  | { op: 'delete-file'; path: string }
  | { op: 'rename-file'; from: string; to: string }
  | { op: 'checkout'; branch: string }
  | { op: 'row-upsert'; id: string; row: RowModel; via: 'psql' | 'pg'; why: string }
  | { op: 'row-delete'; id: string; via: 'psql' | 'pg' }
  | { op: 'fault'; spec: FaultSpec }
  | { op: 'clear-faults' }
  | { op: 'db-stop' }
  | { op: 'db-start' }
  | { op: 'folder-away' }
  | { op: 'folder-back' }
  | { op: 'table-away' }
  | { op: 'table-back' }
  | { op: 'daemon-kill' }
  | { op: 'daemon-start' }
  | { op: 'hand-scale'; id: string; instances: number }
  | { op: 'unowned'; id: string }
  | { op: 'wipe' }
  | { op: 'sleep'; ms: number };

export interface Step {
  op: Op;
  /** Pause after the operation, ms. */
  pauseMs: number;
}

export interface World {
  /** The daemon reads the database too (else the folder only). */
  database: boolean;
  branch: string;
  /** Committed content of each branch. */
  branches: Map<string, Map<string, FileModel>>;
  /** The work tree. */
  files: Map<string, FileModel>;
  rows: Map<string, RowModel>;
  unowned: Set<string>;
  folderAway: boolean;
  dbDown: boolean;
  /** maracker.apps renamed away: the database answers, the table cannot be read. */
  tableAway: boolean;
  daemonDown: boolean;
  nextApp: number;
  nextRev: number;
  nextUnowned: number;
  /** Ids of the other installation's apps (this installation must never write them). */
  foreign: Set<string>;
}

/** A second maracker installation on the same Marathon, with a folder of its own that never changes. */
export interface OtherInstallation {
  name: string;
  /** Its manifests, one app per file, all in group `name`. */
  apps: AppModel[];
}

export interface Scenario {
  seed: number;
  initial: World;
  steps: Step[];
  /** One scenario in three shares Marathon with a second installation. */
  other?: OtherInstallation;
}

export function appIdOf(a: AppModel): string {
  return a.group ? `/${a.group}/${a.name}` : `/${a.name}`;
}

/** The manifest text of a file of the model (broken the way the model says). */
export function renderFile(f: FileModel): string {
  const docs = f.apps.map((a, i) => {
    let text = manifestYaml({ name: a.name, ...(a.group ? { group: a.group } : {}), instances: a.instances, mem: a.mem, cmd: `sleep ${3600 + a.rev}` });
    if (i === 0 && f.broken === 'field') text = text.replace(/mem: \d+/, 'mem: -5');
    if (i === 0 && f.broken === 'typo') text = text.replace(/instances: \d+/, (m) => `${m}\n  instaces: 3`);
    return text;
  });
  let text = docs.join('---\n');
  // An unclosed flow sequence: a YAML syntax error at the end of the last document, whose
  // metadata stays readable (the file's ids are known, so they are protected).
  if (f.broken === 'yaml') text += '  ports: [\n';
  return text;
}

/** The spec of a row of the model. */
export function rowSpec(r: RowModel): Record<string, unknown> {
  return { cmd: `sleep ${3600 + r.rev}`, instances: r.invalid ? -1 : r.instances, cpus: 0.1, mem: r.mem };
}

function cloneFiles(m: ReadonlyMap<string, FileModel>): Map<string, FileModel> {
  return new Map([...m].map(([p, f]) => [p, { apps: f.apps.map((a) => ({ ...a })), ...(f.broken ? { broken: f.broken } : {}) }]));
}

export function cloneWorld(w: World): World {
  return {
    ...w,
    branches: new Map([...w.branches].map(([b, files]) => [b, cloneFiles(files)])),
    files: cloneFiles(w.files),
    rows: new Map([...w.rows].map(([id, r]) => [id, { ...r }])),
    unowned: new Set(w.unowned),
    foreign: new Set(w.foreign),
  };
}

/** Ids the work tree declares (valid or not). */
export function fileIds(files: ReadonlyMap<string, FileModel>): Set<string> {
  return new Set([...files.values()].flatMap((f) => f.apps.map(appIdOf)));
}

const GROUPS = [undefined, undefined, 'team-a', 'team-b/web'];
const MEMS = [32, 64, 128];

function newApp(w: World, r: Prng): AppModel {
  const group = r.pick(GROUPS);
  return { name: `app${w.nextApp++}`, ...(group ? { group } : {}), instances: r.int(0, 3), mem: r.pick(MEMS), rev: w.nextRev++ };
}

function newFile(w: World, r: Prng): [string, FileModel] {
  const apps = Array.from({ length: r.int(1, 3) }, () => newApp(w, r));
  const first = apps[0] as AppModel;
  const dir = r.pick(['', '', 'team/', 'deep/nested/']);
  return [`${dir}${first.name}.yaml`, { apps }];
}

function initialWorld(r: Prng): World {
  const w: World = {
    database: r.chance(0.75),
    branch: 'main',
    branches: new Map(),
    files: new Map(),
    rows: new Map(),
    unowned: new Set(),
    folderAway: false,
    dbDown: false,
    tableAway: false,
    daemonDown: false,
    nextApp: 0,
    nextRev: 1,
    nextUnowned: 0,
    foreign: new Set(),
  };
  // Small folders too: a source of a few apps is one the prune guard cannot protect alone.
  const fileCount = r.pick([2, 3, 5, 7, 9]);
  for (let i = 0; i < fileCount; i++) {
    const [path, f] = newFile(w, r);
    w.files.set(path, f);
  }
  w.branches.set('main', cloneFiles(w.files));
  // "alt" rewrites most files: another release of the same apps, a file gone, files added.
  const alt = cloneFiles(w.files);
  for (const f of alt.values()) {
    for (const a of f.apps) {
      if (r.chance(0.7)) {
        if (r.chance(0.5)) a.instances = r.int(0, 3);
        else a.rev = w.nextRev++;
      }
    }
  }
  const altPaths = [...alt.keys()];
  if (altPaths.length > 3) alt.delete(r.pick(altPaths));
  for (let i = r.int(1, 2); i > 0; i--) {
    const [path, f] = newFile(w, r);
    alt.set(path, f);
  }
  w.branches.set('alt', alt);
  // "gutted" keeps one file: a checkout that would delete most apps (the prune guard's case).
  const kept = r.pick([...w.files.keys()]);
  w.branches.set('gutted', new Map([[kept, cloneFiles(w.files).get(kept) as FileModel]]));
  if (w.database) for (let i = r.int(2, 4); i > 0; i--) w.rows.set(`/db/row${i}`, { instances: r.int(0, 2), mem: r.pick(MEMS), rev: w.nextRev++ });
  w.unowned.add(`/legacy/old${w.nextUnowned++}`);
  return w;
}

function faultSpec(r: Prng): FaultSpec {
  const method = (): string | undefined => r.pick([undefined, 'GET', 'PUT', 'POST', 'DELETE']);
  const kind = r.weighted<FaultSpec['kind']>([
    [3, 'status'],
    [1, 'hang'],
    [1.5, 'truncate'],
    [1.5, 'invalid-json'],
    [1.5, 'empty-object'],
    [1, 'reset-before'],
    [2, 'reset-after'],
    [1.5, 'locked'],
    [1.5, 'deployment-cap'],
    [1, 'latency'],
  ]);
  const m = method();
  switch (kind) {
    case 'status':
      return {
        kind,
        status: r.pick([500, 502, 503]),
        share: r.pick([0.3, 0.6, 1]),
        times: r.int(1, 12),
        ...(m ? { method: m } : {}),
        ...(r.chance(0.5) ? { pathPrefix: '/v2/apps' } : {}),
      };
    case 'hang':
      return { kind, times: r.int(1, 2), ...(m ? { method: m } : {}), pathPrefix: '/v2/apps' };
    case 'truncate':
    case 'invalid-json':
    case 'empty-object':
      return { kind, method: 'GET', pathPrefix: '/v2/apps', times: r.int(1, 6), share: r.pick([0.5, 1]) };
    case 'reset-before':
    case 'reset-after':
      return { kind, times: r.int(1, 4), ...(r.chance(0.7) ? { method: r.pick(['POST', 'PUT', 'DELETE']) } : {}) };
    case 'locked':
    case 'deployment-cap':
      return { kind, times: r.int(1, 6) };
    case 'latency':
      return { kind, latencyMs: r.int(100, 1500), share: 0.5, times: r.int(3, 15) };
    case 'hidden':
    case 'missing-on-write':
      // Not drawn: a disagreement of reads and writes is scoped to one app of the run, and
      // adding it to the weights would change every seed's sequence (test/e2e/faults.test.ts).
      throw new Error(`fault ${kind} is not drawn`);
  }
}

/** Applies an operation to the model (the executor does the same to the real world). */
export function applyOp(w: World, op: Op): void {
  switch (op.op) {
    case 'write-file':
      w.files.set(op.path, op.file);
      break;
    case 'delete-file':
      w.files.delete(op.path);
      break;
    case 'rename-file': {
      const f = w.files.get(op.from);
      w.files.delete(op.from);
      if (f) w.files.set(op.to, f);
      break;
    }
    case 'checkout':
      w.branches.set(w.branch, cloneFiles(w.files));
      w.files = cloneFiles(w.branches.get(op.branch) ?? new Map());
      w.branch = op.branch;
      break;
    case 'row-upsert':
      w.rows.set(op.id, op.row);
      break;
    case 'row-delete':
      w.rows.delete(op.id);
      break;
    case 'db-stop':
      w.dbDown = true;
      break;
    case 'db-start':
      w.dbDown = false;
      break;
    case 'folder-away':
      w.folderAway = true;
      break;
    case 'folder-back':
      w.folderAway = false;
      break;
    case 'table-away':
      w.tableAway = true;
      break;
    case 'table-back':
      w.tableAway = false;
      break;
    case 'daemon-kill':
      w.daemonDown = true;
      break;
    case 'daemon-start':
      w.daemonDown = false;
      break;
    case 'unowned':
      w.unowned.add(op.id);
      break;
    case 'wipe':
      w.unowned.clear();
      break;
    default:
      break;
  }
}

function nextOp(w: World, r: Prng): Op {
  const paths = [...w.files.keys()].sort();
  const valid = paths.filter((p) => !w.files.get(p)?.broken && (w.files.get(p)?.apps.length ?? 0) > 0);
  const broken = paths.filter((p) => w.files.get(p)?.broken);
  const rowIds = [...w.rows.keys()].sort();
  const folder = !w.folderAway;
  const db = w.database && !w.dbDown && !w.tableAway;
  const via = (): 'psql' | 'pg' => (r.chance(0.5) ? 'psql' : 'pg');
  const choices: Array<[number, () => Op]> = [
    [
      folder && valid.length > 0 ? 7 : 0,
      () => {
        const path = r.pick(valid);
        const f = w.files.get(path) as FileModel;
        const apps = f.apps.map((a) => ({ ...a }));
        const a = r.pick(apps);
        const what = r.weighted<'instances' | 'mem' | 'cmd'>([
          [3, 'instances'],
          [1, 'mem'],
          [2, 'cmd'],
        ]);
        if (what === 'instances') a.instances = (a.instances + r.int(1, 3)) % 4;
        else if (what === 'mem') a.mem = r.pick(MEMS.filter((m) => m !== a.mem));
        else a.rev = w.nextRev++;
        return { op: 'write-file', path, file: { apps }, atomic: r.chance(0.5), why: `${what} of ${appIdOf(a)}` };
      },
    ],
    [
      folder ? 2 : 0,
      () => {
        const [path, f] = newFile(w, r);
        return { op: 'write-file', path, file: f, atomic: r.chance(0.5), why: 'new file' };
      },
    ],
    [folder && paths.length > 1 ? 1.5 : 0, () => ({ op: 'delete-file', path: r.pick(paths) })],
    [
      folder && valid.length > 0 ? 0.8 : 0,
      () => {
        const from = r.pick(valid);
        return { op: 'rename-file', from, to: `moved/${from.replace(/\//g, '-')}` };
      },
    ],
    [
      folder && valid.length > 0 ? 2.5 : 0,
      () => {
        const path = r.pick(valid);
        const f = w.files.get(path) as FileModel;
        const how = r.pick<Breakage>(['yaml', 'field', 'typo']);
        return { op: 'write-file', path, file: { apps: f.apps.map((a) => ({ ...a })), broken: how }, atomic: false, why: `break (${how})` };
      },
    ],
    [
      folder && broken.length > 0 ? 3 : 0,
      () => {
        const path = r.pick(broken);
        const f = w.files.get(path) as FileModel;
        return { op: 'write-file', path, file: { apps: f.apps.map((a) => ({ ...a })) }, atomic: r.chance(0.5), why: 'fix' };
      },
    ],
    [
      folder ? 2 : 0,
      () => ({
        op: 'checkout',
        branch: r.weighted([
          [3, w.branch === 'main' ? 'alt' : 'main'],
          [1, w.branch === 'gutted' ? 'main' : 'gutted'],
        ]),
      }),
    ],
    [
      db ? 2 : 0,
      () => ({
        op: 'row-upsert',
        id: `/db/new${w.nextApp++}`,
        row: { instances: r.int(0, 3), mem: r.pick(MEMS), rev: w.nextRev++ },
        via: via(),
        why: 'insert',
      }),
    ],
    [
      db && rowIds.length > 0 ? 3 : 0,
      () => {
        const id = r.pick(rowIds);
        const row = { ...(w.rows.get(id) as RowModel) };
        delete row.invalid;
        if (r.chance(0.5)) row.instances = (row.instances + r.int(1, 3)) % 4;
        else row.rev = w.nextRev++;
        return { op: 'row-upsert', id, row, via: via(), why: 'update' };
      },
    ],
    [
      db && rowIds.length > 0 ? 1 : 0,
      () => {
        const id = r.pick(rowIds);
        return { op: 'row-upsert', id, row: { ...(w.rows.get(id) as RowModel), invalid: true }, via: via(), why: 'invalid spec' };
      },
    ],
    [db && rowIds.length > 0 ? 1.5 : 0, () => ({ op: 'row-delete', id: r.pick(rowIds), via: via() })],
    [
      db && fileIds(w.files).size > 0 ? 0.4 : 0,
      () => {
        const id = r.pick([...fileIds(w.files)].sort());
        return { op: 'row-upsert', id, row: { instances: 1, mem: 32, rev: w.nextRev++ }, via: via(), why: 'conflict with a file' };
      },
    ],
    [3, () => ({ op: 'fault', spec: faultSpec(r) })],
    [0.7, () => ({ op: 'clear-faults' })],
    [!w.database || w.tableAway ? 0 : db ? 0.8 : 3, () => ({ op: db ? 'db-stop' : 'db-start' })],
    [!w.database || w.dbDown ? 0 : w.tableAway ? 3 : 0.6, () => ({ op: w.tableAway ? 'table-back' : 'table-away' })],
    [folder ? 0.7 : 3, () => ({ op: folder ? 'folder-away' : 'folder-back' })],
    [w.daemonDown ? 3 : 1, () => ({ op: w.daemonDown ? 'daemon-start' : 'daemon-kill' })],
    [
      1,
      () => {
        const ids = [...fileIds(w.files), ...rowIds].sort();
        return ids.length > 0 ? { op: 'hand-scale', id: r.pick(ids), instances: r.int(0, 5) } : { op: 'sleep', ms: 200 };
      },
    ],
    [0.5, () => ({ op: 'unowned', id: `/legacy/old${w.nextUnowned++}` })],
    [
      folder && w.unowned.size > 0 ? 0.5 : 0,
      () => {
        // A manifest that declares an app maracker does not own: a conflict, never a write.
        const id = r.pick([...w.unowned].sort());
        const name = id.split('/').pop() as string;
        return {
          op: 'write-file',
          path: `claim-${name}.yaml`,
          file: { apps: [{ name, group: 'legacy', instances: 2, mem: 32, rev: w.nextRev++ }] },
          atomic: false,
          why: `claims unowned ${id}`,
        };
      },
    ],
    [0.3, () => ({ op: 'wipe' })],
    [2, () => ({ op: 'sleep', ms: r.int(200, 2500) })],
  ];
  const fn = r.weighted(choices.filter(([weight]) => weight > 0));
  return fn();
}

/**
 * One world in seven also holds a fleet of 40 to 80 single-app files, most of them rewritten
 * on `alt` and all gone on `gutted`: a checkout then changes many files at once (the file
 * watcher's burst path) and a mass deletion is far beyond the prune guard's limit. Drawn from
 * a second PRNG stream, so that the worlds without a fleet (and their seeds) stay as they were.
 */
function addFleet(w: World, seed: number): void {
  const r = new Prng(seed ^ 0x5bd1e995);
  if (!r.chance(1 / 7)) return;
  const main = w.branches.get('main') as Map<string, FileModel>;
  const alt = w.branches.get('alt') as Map<string, FileModel>;
  for (let i = r.int(40, 80); i > 0; i--) {
    const a: AppModel = { name: `app${w.nextApp++}`, group: 'fleet', instances: r.int(0, 2), mem: r.pick(MEMS), rev: w.nextRev++ };
    const path = `fleet/${a.name}.yaml`;
    main.set(path, { apps: [a] });
    w.files.set(path, { apps: [{ ...a }] });
    const b = { ...a };
    if (r.chance(0.8)) b.rev = w.nextRev++;
    if (r.chance(0.9)) alt.set(path, { apps: [b] });
  }
}

/**
 * Three scenarios in ten end with a slow trickle of deletions: manifest files removed one at a
 * time, seconds apart, so no single pass of the daemon sees many deletes at once (a guard that
 * judged passes alone let all of them through). From a PRNG stream of its own, appended after
 * the scenario's operations, so the operations of recorded seeds stay what they were.
 */
function addTrickle(w: World, steps: Step[], seed: number): void {
  const r = new Prng(seed ^ 0x7f4a7c15);
  if (!r.chance(0.3) || w.folderAway) return;
  const paths = [...w.files.keys()].filter((p) => !w.files.get(p)?.broken).sort();
  for (let n = Math.min(paths.length, r.int(3, 8)); n > 0; n--) {
    const path = paths.splice(r.int(0, paths.length - 1), 1)[0] as string;
    const op: Op = { op: 'delete-file', path };
    applyOp(w, op);
    steps.push({ op, pauseMs: r.int(1500, 4000) });
  }
}

/**
 * One scenario in three runs a second installation ("team-b", its own daemon and folder) on
 * the same Marathon: each daemon must write only its own apps (two installations sharing the
 * ownership label deleted each other's apps). Half of those end with a manifest of the first
 * installation claiming one of team-b's ids: a Conflict, never a write. From a PRNG stream of
 * its own, so the operations of recorded seeds stay what they were.
 */
function addOtherInstallation(initial: World, w: World, steps: Step[], seed: number): OtherInstallation | undefined {
  const r = new Prng(seed ^ 0x3c6ef372);
  if (!r.chance(1 / 3)) return undefined;
  const name = 'team-b';
  const apps: AppModel[] = Array.from({ length: r.int(2, 5) }, (_, i) => ({
    name: `b${i}`,
    group: name,
    instances: r.int(0, 2),
    mem: r.pick(MEMS),
    rev: 9000 + i,
  }));
  for (const a of apps) {
    initial.foreign.add(appIdOf(a));
    w.foreign.add(appIdOf(a));
  }
  if (r.chance(0.5) && !w.folderAway) {
    const claimed = r.pick(apps);
    const op: Op = {
      op: 'write-file',
      path: `claim-${name}-${claimed.name}.yaml`,
      file: { apps: [{ ...claimed, rev: w.nextRev++ }] },
      atomic: true,
      why: `claims ${appIdOf(claimed)} of installation ${name}`,
    };
    applyOp(w, op);
    steps.push({ op, pauseMs: r.int(1000, 2500) });
  }
  return { name, apps };
}

export function generateScenario(seed: number, length: number): Scenario {
  const r = new Prng(seed);
  const initial = initialWorld(r);
  addFleet(initial, seed);
  const w = cloneWorld(initial);
  const steps: Step[] = [];
  for (let i = 0; i < length; i++) {
    const op = nextOp(w, r);
    applyOp(w, op);
    steps.push({ op, pauseMs: r.int(0, 400) });
  }
  addTrickle(w, steps, seed);
  const other = addOtherInstallation(initial, w, steps, seed);
  return { seed, initial, steps, ...(other ? { other } : {}) };
}

/** One line per operation, for failure reports and replay notes. */
export function describeOp(op: Op): string {
  switch (op.op) {
    case 'write-file':
      return `write ${op.path}${op.atomic ? ' (atomic save)' : ''}: ${op.why}`;
    case 'delete-file':
      return `delete ${op.path}`;
    case 'rename-file':
      return `rename ${op.from} -> ${op.to}`;
    case 'checkout':
      return `git checkout ${op.branch}`;
    case 'row-upsert':
      return `row ${op.id} via ${op.via}: ${op.why} ${JSON.stringify(rowSpec(op.row))}`;
    case 'row-delete':
      return `delete row ${op.id} via ${op.via}`;
    case 'fault':
      return `fault ${JSON.stringify(op.spec)}`;
    case 'hand-scale':
      return `scale ${op.id} to ${op.instances} by hand in Marathon`;
    case 'unowned':
      return `unowned app ${op.id} appears in Marathon`;
    case 'sleep':
      return `sleep ${op.ms} ms`;
    default:
      return op.op;
  }
}
