// The folder source against a model of the folder, under random sequences of what operators
// and tools do to files: saves (atomic or in place, in two writes with time passing between),
// deletions, renames (to a new name, into a new folder, over another file), folders renamed,
// and rescans that land anywhere among them. The source's clock is driven by hand and files
// always look just written, so a change is read only once rescans saw it unchanged for the
// settle window: every interleaving here is a sequence of events, not a race.
//
// Every other sequence runs with the folder's watcher as well (its events arrive as the
// kernel sends them, between the steps).
//
// What must hold at every snapshot the source publishes:
// - nothing half-written: each app it declares has a content one of its files had whole;
// - no gap: an app that some file declared at every moment since a snapshot declared it (a
//   rename moves it, an in-place save passes through a truncated file but declares it again
//   when done) is declared in every later snapshot (valid, invalid or in conflict: never absent, which would let
//   another source's declaration of it apply, or prune it);
// and once the files are left alone and read again, the snapshot is the folder: every app,
// from the file that declares it now.

import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/base/log.js';
import { FolderSource } from '../../src/sources/folder.js';
import type { SourceSnapshot } from '../../src/sources/source.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { manifestYaml, multiDoc } from '../helpers/manifests.js';
import { tempDir } from '../helpers/tmp.js';
import { Prng } from '../harness/scenario.js';

const SETTLE_MS = 250;
// More, to explore: FOLDER_MODEL_SEED=100 FOLDER_MODEL_SEEDS=200 npx vitest run test/sources/folder-model.test.ts
// The interleavings also depend on how fast the machine runs the source's file system calls
// between two operations: every one of them must be safe, so a failure is never noise.
const SEEDS = Number(process.env.FOLDER_MODEL_SEEDS ?? 16);
const STEPS = 40;

const sources: FolderSource[] = [];
afterEach(async () => {
  while (sources.length > 0) await sources.pop()?.stop();
});

type Apps = ReadonlyMap<string, number>; // app name -> mem

/**
 * The folder as the operator leaves it after each whole operation: a deletion or a rename
 * is recorded before it is made (what it takes away counts as gone from then on), a
 * content before it is written (it may be read whole before the write returns).
 */
class Model {
  readonly files = new Map<string, Apps>();
  /** Every content (mem) each app had whole in some file. */
  readonly versions = new Map<string, Set<number>>();
  /** Apps that were declared by no file at some moment since the start. */
  readonly gapped = new Set<string>();
  #next = 0;

  newName(): string {
    return `app${this.#next++}`;
  }

  /** Apps about to be written whole: the file may be read whole before its write returns. */
  writing(apps: Apps): void {
    for (const [name, mem] of apps) {
      const seen = this.versions.get(name) ?? new Set();
      seen.add(mem);
      this.versions.set(name, seen);
    }
  }

  set(path: string, apps: Apps): void {
    this.writing(apps);
    const before = this.declared();
    this.files.set(path, apps);
    this.#settle(before);
  }

  delete(path: string): void {
    const before = this.declared();
    this.files.delete(path);
    this.#settle(before);
  }

  rename(from: string, to: string): void {
    const before = this.declared();
    const apps = this.files.get(from) as Apps;
    this.files.delete(from);
    this.files.set(to, apps);
    this.#settle(before);
  }

  declared(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [path, apps] of this.files) for (const name of apps.keys()) out.set(name, path);
    return out;
  }

  #settle(before: Map<string, string>): void {
    const now = this.declared();
    for (const name of before.keys()) if (!now.has(name)) this.gapped.add(name);
  }
}

function render(apps: Apps): string {
  return multiDoc(...[...apps].map(([name, mem]) => manifestYaml({ name, mem })));
}

const tick = () => new Promise((r) => setTimeout(r, 1));

async function run(seed: number): Promise<void> {
  const r = new Prng(seed);
  const dir = await tempDir();
  const model = new Model();
  const problems: string[] = [];
  /** Apps a snapshot declared: from then on, absent only after a gap. */
  const published = new Set<string>();
  const timers = new ManualClock();
  let step = 'start';
  /** The operations, for a failure's message. */
  const trace: string[] = [];

  const check = (snap: SourceSnapshot): void => {
    if (snap.state !== 'Ready') return;
    for (const [id, app] of snap.apps) {
      const name = id.slice(1);
      if (!model.versions.get(name)?.has(app.definition.mem as number))
        problems.push(`${step}: ${id} published with mem ${app.definition.mem}, a content no file had whole`);
    }
    const declared = (id: string): boolean => snap.apps.has(id) || snap.invalid.has(id) || snap.conflicts.has(id);
    for (const name of published) {
      if (!model.gapped.has(name) && !declared(`/${name}`))
        problems.push(
          `${step}: /${name} declared by a file all along (${model.declared().get(name)} now), absent from a snapshot (settling: ${source.settlingFiles.join(', ') || 'nothing'})`,
        );
    }
    for (const name of model.versions.keys()) if (declared(`/${name}`)) published.add(name);
  };

  const initial = new Map([[model.newName(), 32]]);
  await writeFile(join(dir, 'a.yaml'), render(initial));
  model.set('a.yaml', initial);
  // Odd seeds with the folder's watcher too: its events look at files between the rescans.
  const watch = seed % 2 === 1;
  const source = new FolderSource({ dir, logger: silentLogger(), timers, settleMs: SETTLE_MS, watch, wallClock: () => 0 });
  sources.push(source);
  const looks: Array<Promise<void>> = [];
  const drive = async (): Promise<void> => {
    let done = false;
    void Promise.all(looks.splice(0)).then(() => (done = true));
    for (let i = 0; !done; i++) {
      if (i > 20_000) throw new Error(`seed ${seed}: the source never settled (${step})`);
      timers.advance(10);
      await tick();
    }
  };
  looks.push(source.start(() => check(source.snapshot())));
  await drive();

  const paths = (): string[] => [...model.files.keys()];
  const freshPath = (): string => `${r.pick(['', 'team/', 'moved/', 'deep/x/'])}f${model.newName()}.yaml`;

  for (let s = 0; s < STEPS; s++) {
    const kind = r.pick(['save', 'save', 'new', 'delete', 'rename', 'rename', 'rename-dir', 'look', 'look', 'tick', 'tick', 'settle']);
    if (kind === 'save' && model.files.size > 0) {
      const path = r.pick(paths());
      const apps = new Map([...(model.files.get(path) as Apps)].map(([name, mem]) => [name, r.chance(0.5) ? r.pick([32, 64, 128, 256]) : mem]));
      if (r.chance(0.3)) apps.set(model.newName(), 48);
      const text = render(apps);
      step = `#${s} save ${path}`;
      model.writing(apps);
      if (r.chance(0.5)) {
        await writeFile(join(dir, `.${s}.tmp`), text);
        await rename(join(dir, `.${s}.tmp`), join(dir, path));
      } else {
        // In place, in two writes, with a rescan and time between them.
        const fh = await open(join(dir, path), 'w');
        const cut = r.int(1, text.length - 1);
        await fh.write(text.slice(0, cut));
        looks.push(source.resync());
        timers.advance(r.int(0, SETTLE_MS - 1));
        await tick();
        await fh.write(text.slice(cut));
        await fh.close();
      }
      model.set(path, apps);
    } else if (kind === 'new') {
      const path = freshPath();
      const apps = new Map([[model.newName(), 32]]);
      step = `#${s} new ${path}`;
      await mkdir(dirname(join(dir, path)), { recursive: true });
      model.writing(apps);
      await writeFile(join(dir, path), render(apps));
      model.set(path, apps);
    } else if (kind === 'delete' && model.files.size > 1) {
      const path = r.pick(paths());
      step = `#${s} delete ${path}`;
      model.delete(path);
      await rm(join(dir, path));
    } else if (kind === 'rename' && model.files.size > 0) {
      const from = r.pick(paths());
      const others = paths().filter((p) => p !== from);
      const to = others.length > 0 && r.chance(0.25) ? r.pick(others) : freshPath();
      step = `#${s} rename ${from} -> ${to}`;
      await mkdir(dirname(join(dir, to)), { recursive: true });
      model.rename(from, to);
      await rename(join(dir, from), join(dir, to));
    } else if (kind === 'rename-dir') {
      const dirs = [
        ...new Set(
          paths()
            .filter((p) => p.includes('/'))
            .map((p) => p.split('/')[0] as string),
        ),
      ];
      if (dirs.length === 0) continue;
      const from = r.pick(dirs);
      const to = `${from}-${s}`;
      step = `#${s} rename folder ${from} -> ${to}`;
      for (const p of paths()) if (p.startsWith(`${from}/`)) model.rename(p, `${to}/${p.slice(from.length + 1)}`);
      await rename(join(dir, from), join(dir, to));
    } else if (kind === 'look') {
      step = `#${s} look`;
      looks.push(source.resync());
      await tick();
    } else if (kind === 'tick') {
      step = `#${s} tick`;
      timers.advance(r.int(0, 2 * SETTLE_MS - 1));
      await tick();
    } else if (kind === 'settle') {
      step = `#${s} settle`;
      looks.push(source.resync());
      await drive();
    }
    trace.push(`${step} @${timers.now() % 100_000}`);
  }

  // Left alone: read again, the snapshot is the folder.
  step = 'end';
  looks.push(source.resync());
  await drive();
  timers.advance(2 * SETTLE_MS);
  looks.push(source.resync());
  await drive();
  const snap = source.snapshot();
  const want = [...model.declared()].map(([name, path]) => [`/${name}`, path, [...(model.files.get(path) as Apps)].find(([n]) => n === name)?.[1]]);
  const got = [...snap.apps].map(([id, app]) => [id, app.source.kind === 'file' ? app.source.path : '?', app.definition.mem]);
  expect({ seed, watch, problems, ...(problems.length > 0 ? { steps: trace } : {}) }).toEqual({ seed, watch, problems: [] });
  expect({ seed, apps: got.sort() }).toEqual({ seed, apps: want.sort() });
  expect({ seed, invalid: [...snap.invalid.keys()], conflicts: [...snap.conflicts.keys()], changing: snap.changing }).toEqual({
    seed,
    invalid: [],
    conflicts: [],
    changing: undefined,
  });
  await source.stop();
  await rm(dir, { recursive: true, force: true });
}

describe('FolderSource against a model of the folder', () => {
  it(`publishes neither half-written content nor a gap, and ends as the folder is (${SEEDS} random sequences of ${STEPS} operations)`, async () => {
    const base = Number(process.env.FOLDER_MODEL_SEED ?? 1);
    if (!Number.isInteger(base) || !Number.isInteger(SEEDS)) throw new Error('FOLDER_MODEL_SEED and FOLDER_MODEL_SEEDS are integers');
    for (let seed = base; seed < base + SEEDS; seed++) await run(seed);
  }, 120_000);
});
