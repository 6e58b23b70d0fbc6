// A rescan lists the manifests folder and stamps every file in a worker thread (the compiled
// worker: `npm run build` first, as npm test does), with the very listing and stamps the
// event loop's own calls give. The worker is an optimisation only: whatever goes wrong with
// it, sweep() answers undefined and the folder source lists and stamps on the event loop.

import { spawnSync } from 'node:child_process';
import { closeSync, constants, copyFileSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, realpath, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/base/log.js';
import { readFileWithin } from '../../src/manifest/file-read.js';
import { listManifestFiles } from '../../src/manifest/folder.js';
import { DEFAULT_INPUT_LIMITS } from '../../src/manifest/limits.js';
import { stampOf } from '../../src/sources/file-stamp.js';
import { FolderSource, type FolderSourceOptions } from '../../src/sources/folder.js';
import { defaultSweepWorkerUrl, FolderSweeper, type FolderSweepOptions, type Swept } from '../../src/sources/folder-sweep.js';
import { manifestYaml } from '../helpers/manifests.js';
import { tempDir } from '../helpers/tmp.js';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (stops.length > 0) await stops.pop()?.();
});

function sweeper(o: FolderSweepOptions = {}): FolderSweeper {
  const s = new FolderSweeper(silentLogger(), o);
  stops.push(() => s.stop());
  return s;
}

const LIMITS = { ...DEFAULT_INPUT_LIMITS, maxFileBytes: 4096 };

const fixture = (name: string): URL => new URL(`../fixtures/workers/${name}.mjs`, import.meta.url);

/** A manifests folder with one of everything a listing and a stamp tell apart. */
async function oddFolder(): Promise<string> {
  const outside = await tempDir();
  const dir = await tempDir();
  await mkdir(join(dir, 'team', 'sub'), { recursive: true });
  await writeFile(join(dir, 'web.yaml'), manifestYaml({ name: 'web' }));
  await writeFile(join(dir, 'team', 'api.yml'), manifestYaml({ name: 'api' }));
  await writeFile(join(dir, 'team', 'sub', 'db.yaml'), manifestYaml({ name: 'db' }));
  await writeFile(join(dir, 'notes.txt'), 'not a manifest');
  await writeFile(join(dir, '.web.yaml.swp'), 'ignored');
  await mkdir(join(dir, '.git'));
  await writeFile(join(dir, '.git', 'x.yaml'), 'ignored');
  await mkdir(join(dir, 'folder.yaml'));
  await symlink('team', join(dir, 'linked-team'));
  await symlink(outside, join(dir, 'elsewhere'));
  await symlink('web.yaml', join(dir, 'to-file.yaml'));
  await symlink('nowhere.yaml', join(dir, 'dangling.yaml'));
  await symlink('loop-b.yaml', join(dir, 'loop-a.yaml'));
  await symlink('loop-a.yaml', join(dir, 'loop-b.yaml'));
  expect(spawnSync('mkfifo', [join(dir, 'pipe.yaml')]).status).toBe(0);
  return dir;
}

/** What the event loop's own calls say of the folder. */
async function onTheEventLoop(dir: string): Promise<{ rels: string[]; stamps: unknown[] }> {
  const rels = await listManifestFiles(dir);
  return { rels, stamps: await Promise.all(rels.map((rel) => stampOf(join(dir, rel)))) };
}

const plain = (swept: Swept | undefined) => swept && { rels: [...swept.rels], stamps: swept.rels.map((_, i) => swept.stamps.at(i)) };

describe('FolderSweeper', () => {
  it('has the compiled worker to run (npm run build)', () => {
    expect(defaultSweepWorkerUrl()).toBeDefined();
  });

  it('lists and stamps in its worker exactly as the event loop does, for every odd entry', async () => {
    const dir = await oddFolder();
    const s = sweeper();
    const swept = await s.sweep(dir);
    expect(plain(swept)).toEqual(await onTheEventLoop(dir));
    expect(swept?.rels).toEqual(
      expect.arrayContaining(['dangling.yaml', 'elsewhere', 'loop-a.yaml', 'pipe.yaml', 'team/sub/db.yaml', 'to-file.yaml', 'web.yaml']),
    );
    expect(s.counts).toMatchObject({ swept: 1, fellBack: 0, workersStarted: 1 });
  });

  it('keeps one worker, hands out an unchanged listing again without receiving it, and sees every change', async () => {
    const dir = await oddFolder();
    const s = sweeper();
    const first = await s.sweep(dir);
    const second = await s.sweep(dir);
    expect(second?.rels).toBe(first?.rels);
    await writeFile(join(dir, 'web.yaml'), manifestYaml({ name: 'web', instances: 2 }));
    await rename(join(dir, 'team', 'api.yml'), join(dir, 'team', 'api2.yml'));
    const third = await s.sweep(dir);
    expect(third?.rels).not.toBe(first?.rels);
    expect(plain(third)).toEqual(await onTheEventLoop(dir));
    expect(s.counts).toMatchObject({ swept: 3, workersStarted: 1 });
  });

  it('answers undefined for a folder it cannot list: the event loop lists it, and says why', async () => {
    const parent = await tempDir();
    const s = sweeper();
    expect(await s.sweep(join(parent, 'absent'))).toBeUndefined();
    expect(s.counts).toMatchObject({ fellBack: 1, failures: 0 });
  });

  it('answers undefined without a worker script, or with none found', async () => {
    const dir = await oddFolder();
    expect(await sweeper({ workerUrl: null }).sweep(dir)).toBeUndefined();
    const missing = sweeper({ workerUrl: new URL('file:///nonexistent/folder-sweep-worker.js') });
    expect(await missing.sweep(dir)).toBeUndefined();
    expect(missing.counts.workersStarted).toBe(0);
  });

  it('ends a worker that does not answer within the bound, and answers undefined', async () => {
    const s = sweeper({ workerUrl: fixture('hang'), timeoutMs: 50 });
    expect(await s.sweep(await oddFolder())).toBeUndefined();
    expect(s.counts).toMatchObject({ failures: 1, fellBack: 1 });
  });

  it('answers undefined when its worker crashes or answers nonsense', async () => {
    const dir = await oddFolder();
    const crashing = sweeper({ workerUrl: fixture('crash') });
    expect(await crashing.sweep(dir)).toBeUndefined();
    expect(crashing.counts.failures).toBe(1);
    expect(await sweeper({ workerUrl: fixture('nonsense') }).sweep(dir)).toBeUndefined();
  });

  it('gives up after failures in a row', async () => {
    const s = sweeper({ workerUrl: fixture('hang'), timeoutMs: 20, maxFailures: 2 });
    const dir = await oddFolder();
    await until(async () => (await s.sweep(dir), s.counts.failures === 2));
    const started = s.counts.workersStarted;
    expect(await s.sweep(dir)).toBeUndefined();
    expect(s.counts.workersStarted).toBe(started);
  });

  it('starts no other worker while one stuck in the file system lives', async () => {
    const tmp = await tempDir();
    copyFileSync(fixture('stuck'), join(tmp, 'stuck.mjs'));
    const gate = join(tmp, 'gate');
    expect(spawnSync('mkfifo', [gate]).status).toBe(0);
    /** Lets a stuck worker's open return (it is the FIFO's reader); false when none waits. */
    const release = (): boolean => {
      try {
        closeSync(openSync(gate, constants.O_WRONLY | constants.O_NONBLOCK));
        return true;
      } catch {
        return false;
      }
    };
    stops.push(async () => {
      while (stuckThreads() > 0) if (!release()) await new Promise((r) => setImmediate(r));
    });
    const dir = await oddFolder();
    // A worker ended while it was still starting never reaches the file system: a longer
    // bound each time, until one is stuck there.
    let s: FolderSweeper | undefined;
    for (let timeoutMs = 50; stuckThreads() === 0; timeoutMs *= 2) {
      s = sweeper({ workerUrl: pathToFileURL(join(tmp, 'stuck.mjs')), timeoutMs });
      expect(await s.sweep(dir)).toBeUndefined();
    }
    if (s === undefined) throw new Error('no sweeper');
    const started = s.counts.workersStarted;
    expect(await s.sweep(dir)).toBeUndefined();
    expect(await s.sweep(dir)).toBeUndefined();
    expect(s.counts.workersStarted).toBe(started);
    // Out of the file system, the terminated worker ends; a later sweep starts another.
    expect(release()).toBe(true);
    await until(async () => (await s.sweep(dir), s.counts.workersStarted > started));
  });

  it('reads in its worker what the event loop reads, for every odd entry, or leaves it to the event loop (a link in its last part)', async () => {
    const dir = await oddFolder();
    await writeFile(join(dir, 'big.yaml'), `# ${'x'.repeat(LIMITS.maxFileBytes)}\n`);
    await writeFile(join(dir, 'nul.yaml'), 'id: /a\0\n');
    await writeFile(join(dir, 'latin1.yaml'), Buffer.from([0x69, 0x64, 0x3a, 0x20, 0xe9, 0x0a]));
    await writeFile(join(dir, 'empty.yaml'), '');
    const root = await realpath(dir);
    const rels = [...(await listManifestFiles(dir)), 'gone.yaml', 'folder.yaml'];
    const s = sweeper();
    const ahead = await s.readFiles({ dir, root, rels, limits: LIMITS });
    if (ahead === undefined) throw new Error('the worker read nothing');
    const fullWay: string[] = [];
    for (const [i, rel] of rels.entries()) {
      const a = ahead[i];
      const onLoop = await readFileWithin(join(dir, rel), { root, limits: LIMITS, regular: true });
      if (a?.read === 'full-way') fullWay.push(rel);
      else expect([rel, a?.read]).toEqual([rel, onLoop]);
      expect([rel, a?.after]).toEqual([rel, await stampOf(join(dir, rel))]);
    }
    expect(fullWay.sort()).toEqual(['dangling.yaml', 'elsewhere', 'loop-a.yaml', 'loop-b.yaml', 'to-file.yaml']);
    const answers = Object.fromEntries(rels.map((rel, i) => [rel, ahead[i]?.read]));
    expect(answers).toMatchObject({
      'web.yaml': { kind: 'text' },
      'big.yaml': { kind: 'refused', code: 'limit-exceeded' },
      'nul.yaml': { kind: 'refused', code: 'not-text' },
      'latin1.yaml': { kind: 'refused', code: 'not-text' },
      'empty.yaml': { kind: 'text', text: '' },
      'pipe.yaml': { kind: 'refused', code: 'not-a-file' },
      'folder.yaml': { kind: 'refused', code: 'not-a-file' },
      'gone.yaml': { kind: 'refused', code: 'unreadable', message: 'cannot read file (ENOENT)' },
    });
    expect(s.counts).toMatchObject({ read: rels.length, fellBack: 0 });
  });

  it('never reads a file through a folder that leads out of the boundary it is given', async () => {
    const outside = await tempDir();
    await writeFile(join(outside, 'secret.yaml'), 'password: hunter2\n');
    const dir = await tempDir();
    await symlink(outside, join(dir, 'out'));
    const [ahead] = (await sweeper().readFiles({ dir, root: await realpath(dir), rels: ['out/secret.yaml'], limits: LIMITS })) ?? [];
    expect(ahead?.read).toEqual({ kind: 'refused', code: 'link-outside', message: 'symbolic link to a place outside the manifests folder; not read' });
  });

  it('answers undefined to a read when its worker hangs, crashes or answers nonsense', async () => {
    const dir = await oddFolder();
    const request = { dir, root: await realpath(dir), rels: ['web.yaml'], limits: LIMITS };
    expect(await sweeper({ workerUrl: fixture('hang'), timeoutMs: 50 }).readFiles(request)).toBeUndefined();
    expect(await sweeper({ workerUrl: fixture('crash') }).readFiles(request)).toBeUndefined();
    expect(await sweeper({ workerUrl: fixture('nonsense') }).readFiles(request)).toBeUndefined();
    expect(await sweeper({ workerUrl: null }).readFiles(request)).toBeUndefined();
  });

  it('answers undefined once stopped, and at once for a sweep in flight', async () => {
    const s = sweeper({ workerUrl: fixture('hang'), timeoutMs: 60_000 });
    const inFlight = s.sweep(await tempDir());
    await s.stop();
    expect(await inFlight).toBeUndefined();
    expect(await s.sweep(await tempDir())).toBeUndefined();
  });
});

describe('FolderSource with its sweep failing', () => {
  async function snapshotOf(dir: string, options: Partial<FolderSourceOptions>) {
    const source = new FolderSource({ dir, displayRoot: 'm', logger: silentLogger(), watch: false, ...options });
    stops.push(() => source.stop());
    await source.start(() => undefined);
    await source.resync();
    const s = source.snapshot();
    return {
      state: s.state,
      apps: [...s.apps.keys()].sort(),
      conflicts: [...s.conflicts.keys()].sort(),
      invalid: [...s.invalid.keys()].sort(),
      unknown: [...s.unknownSourceLabels].sort(),
      problems: s.problems.map((p) => `${p.code} ${p.location?.file ?? ''}`).sort(),
    };
  }

  it('reads the same folder as with no sweep at all, whether the worker answers, hangs, crashes or is missing', async () => {
    const dir = await oddFolder();
    const expected = await snapshotOf(dir, { sweep: false });
    expect(expected.apps).toEqual(['/api', '/db']);
    expect(expected.conflicts).toEqual(['/web']); // web.yaml and to-file.yaml
    expect(await snapshotOf(dir, {})).toEqual(expected);
    expect(await snapshotOf(dir, { sweep: { workerUrl: fixture('hang'), timeoutMs: 20 } })).toEqual(expected);
    expect(await snapshotOf(dir, { sweep: { workerUrl: fixture('crash') } })).toEqual(expected);
    expect(await snapshotOf(dir, { sweep: { workerUrl: null } })).toEqual(expected);
  });

  it('reads a folder of many files ahead in its worker, and to the same snapshot as on the event loop', async () => {
    const dir = await oddFolder();
    for (let i = 0; i < 40; i++) await writeFile(join(dir, 'team', `app-${i}.yaml`), manifestYaml({ name: `app-${i}`, group: 'team' }));
    await writeFile(join(dir, 'team', 'broken.yaml'), manifestYaml({ name: 'broken', extra: '  instaces: 2' }));
    await writeFile(join(dir, 'nul.yaml'), 'id: /a\0\n');
    const expected = await snapshotOf(dir, { sweep: false });
    expect(expected.apps).toHaveLength(42);
    const source = new FolderSource({ dir, displayRoot: 'm', logger: silentLogger(), watch: false });
    stops.push(() => source.stop());
    await source.start(() => undefined);
    expect(source.sweepCounts?.read).toBeGreaterThanOrEqual(45);
    expect(await snapshotOf(dir, {})).toEqual(expected);
  });

  it('never counts a file missing when its worker fails mid-way: what a rescan read stays', async () => {
    const dir = await oddFolder();
    const source = new FolderSource({ dir, displayRoot: 'm', logger: silentLogger(), watch: false, sweep: { workerUrl: fixture('hang'), timeoutMs: 20 } });
    stops.push(() => source.stop());
    await source.start(() => undefined);
    const before = [...source.snapshot().apps.keys()].sort();
    for (let i = 0; i < 4; i++) await source.resync();
    expect([...source.snapshot().apps.keys()].sort()).toEqual(before);
  });
});

/** Threads of this process waiting in open(2) of a FIFO for a writer. */
function stuckThreads(): number {
  return readdirSync('/proc/self/task').filter((tid) => {
    try {
      return readFileSync(`/proc/self/task/${tid}/wchan`, 'utf8') === 'wait_for_partner';
    } catch {
      return false; // ended meanwhile
    }
  }).length;
}

async function until(cond: () => boolean | Promise<boolean>): Promise<void> {
  // Waits for an event of another thread (a worker's exit), not for time to pass.
  while (!(await cond())) await new Promise((r) => setTimeout(r, 5));
}
