// A manifest is acted on only once it is complete: an atomic save at once, a file rewritten
// in place once left alone for the settle window. The source's clock is driven by hand here,
// so "left alone" means exactly what the test says, however busy the machine is.

import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/base/log.js';
import { FolderSource } from '../../src/sources/folder.js';
import { stampOf } from '../../src/sources/file-stamp.js';
import { INLINE_PARSER } from '../../src/manifest/input-parser.js';
import { manifestYaml, multiDoc } from '../helpers/manifests.js';
import { spawnSync } from 'node:child_process';
import { ManualClock } from '../helpers/manual-clock.js';
import { tempDir } from '../helpers/tmp.js';

const SETTLE_MS = 250;
const sources: FolderSource[] = [];
afterEach(async () => {
  while (sources.length > 0) await sources.pop()?.stop();
});

const realTick = (ms = 2) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, what: string, step?: () => void, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    step?.();
    await realTick();
  }
}

/** A folder source on a hand-driven clock; every file's own times look brand new to it. */
async function manualSource(dir: string) {
  const timers = new ManualClock();
  const snapshots: Array<ReturnType<FolderSource['snapshot']>> = [];
  // Files always look just written, so only the settle rule (never their age) lets a change in.
  const source = new FolderSource({ dir, displayRoot: 'manifests', logger: silentLogger(), timers, settleMs: SETTLE_MS, wallClock: () => 0 });
  sources.push(source);
  await driven(
    source.start(() => snapshots.push(source.snapshot())),
    timers,
  );
  return { source, timers, snapshots };
}

/** Waits for `work`, moving the source's clock 10 ms at a time. */
async function driven(work: Promise<void>, timers: ManualClock): Promise<void> {
  let done = false;
  void work.then(() => (done = true));
  await until(
    () => done,
    'the source',
    () => timers.advance(10),
  );
}

function threeApps(cmd: string): string {
  return multiDoc(...['a', 'b', 'c'].map((name) => manifestYaml({ name, cmd })));
}

/** Writes `text` into the existing file in place: truncate, then chunks with pauses. */
async function rewriteInPlace(path: string, text: string, chunks: number, pause: () => Promise<void>): Promise<void> {
  const fh = await open(path, 'w');
  try {
    const size = Math.ceil(text.length / chunks);
    for (let i = 0; i < text.length; i += size) {
      await pause();
      await fh.write(text.slice(i, i + size));
    }
  } finally {
    await fh.close();
  }
}

describe('FolderSource: complete files only', () => {
  it('applies an atomic save without waiting for the settle window', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'web.yaml'), manifestYaml({ name: 'web', mem: 32 }));
    // A settle window of a minute: only the atomic-save path can apply the change now.
    const source = new FolderSource({ dir, logger: silentLogger(), settleMs: 60_000, wallClock: () => Date.now() + 120_000 });
    sources.push(source);
    await source.start(() => undefined);
    await writeFile(join(dir, '.web.yaml.tmp'), manifestYaml({ name: 'web', mem: 64 }));
    await rename(join(dir, '.web.yaml.tmp'), join(dir, 'web.yaml'));
    await until(() => source.snapshot().apps.get('/web')?.definition.mem === 64, 'the saved file');
  });

  it('keeps a file rewritten in place at its previous content until it is left alone for the window', async () => {
    const dir = await tempDir();
    const path = join(dir, 'apps.yaml');
    await writeFile(path, threeApps('sleep 1'));
    const { source, timers } = await manualSource(dir);
    expect([...source.snapshot().apps.keys()].sort()).toEqual(['/a', '/b', '/c']);

    // Truncated and half written: valid YAML with one app and a cut command.
    const fh = await open(path, 'w');
    await fh.write(threeApps('sleep 2').slice(0, 120));
    await until(
      () => source.settlingFiles.includes('apps.yaml'),
      'the write to be seen',
      () => timers.advance(10),
    );
    expect([...source.snapshot().apps.keys()].sort()).toEqual(['/a', '/b', '/c']);
    expect(source.snapshot().apps.get('/a')?.definition.cmd).toBe('sleep 1');
    // ...and says the file is changing, so its apps are kept but not written meanwhile.
    expect([...(source.snapshot().changing ?? [])]).toEqual(['apps.yaml']);

    await fh.write(threeApps('sleep 2').slice(120));
    await fh.close();
    timers.advance(SETTLE_MS - 20);
    await realTick(20);
    expect(source.snapshot().apps.get('/a')?.definition.cmd).toBe('sleep 1');

    await until(
      () => source.snapshot().apps.get('/c')?.definition.cmd === 'sleep 2',
      'the settled file',
      () => timers.advance(20),
    );
    expect([...source.snapshot().apps.keys()].sort()).toEqual(['/a', '/b', '/c']);
    expect(source.snapshot().changing).toBeUndefined();
  });

  it('reports a new file being written as unread until it is read, and one that keeps changing past the warning no more', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'web.yaml'), manifestYaml({ name: 'web' }));
    const { source, timers } = await manualSource(dir);
    const fh = await open(join(dir, 'new.yaml'), 'w');
    await fh.write(manifestYaml({ name: 'new' }).slice(0, 40));
    await until(
      () => source.snapshot().unreadFiles?.has('new.yaml') === true,
      'the new file seen',
      () => timers.advance(10),
    );
    await fh.write(manifestYaml({ name: 'new' }).slice(40));
    await fh.close();
    await until(
      () => source.snapshot().apps.has('/new'),
      'the new file read',
      () => timers.advance(20),
    );
    expect(source.snapshot().unreadFiles).toBeUndefined();

    // A file written without end: unread until the folder warns about it (5 s here), then not.
    const log = await open(join(dir, 'log.yaml'), 'w');
    const since = timers.now();
    let writes = 0;
    await until(
      () => source.snapshot().unreadFiles?.has('log.yaml') === true,
      'the endless file seen',
      () => timers.advance(10),
    );
    await until(
      () => source.snapshot().unreadFiles === undefined,
      'the endless file no longer holding creations',
      () => {
        void log.write(`# ${writes++}\n`);
        timers.advance(SETTLE_MS / 5);
      },
    );
    await log.close();
    expect(timers.now() - since).toBeGreaterThanOrEqual(5000);
    expect(source.settlingFiles).toContain('log.yaml');
  });

  it('never publishes the intermediate content of hundreds of in-place rewrites (8 files × 25 rewrites)', async () => {
    const FILES = 8;
    const REWRITES = 25;
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const runs = Array.from({ length: FILES }, async (_, f) => {
      const dir = await tempDir();
      const path = join(dir, 'apps.yaml');
      let version = 0;
      await writeFile(path, threeApps(`sleep ${version}`));
      const { source, timers, snapshots } = await manualSource(dir);
      const complete = new Set([`sleep ${version}`]);
      for (let r = 0; r < REWRITES; r++) {
        // Half the rewrites write the same content again, half a new version.
        if (random() < 0.5) version++;
        complete.add(`sleep ${version}`);
        const text = threeApps(`sleep ${version}`);
        // Writes with pauses; the source's clock moves by less than the window meanwhile.
        let advanced = 0;
        await rewriteInPlace(path, text, 2 + Math.floor(random() * 6), async () => {
          await realTick(Math.floor(random() * 4));
          const step = Math.floor(random() * 20);
          if (advanced + step < SETTLE_MS - 20) {
            advanced += step;
            timers.advance(step);
          }
        });
        await until(
          () => source.settlingFiles.length === 0 && source.snapshot().apps.get('/a')?.definition.cmd === `sleep ${version}`,
          `rewrite ${r} of file ${f} to settle`,
          () => timers.advance(60),
        );
      }
      return { snapshots, complete, version };
    });
    for (const { snapshots, complete, version } of await Promise.all(runs)) {
      expect(snapshots.length).toBeGreaterThan(0);
      for (const snap of snapshots) {
        // Never an app missing (a delete), never a command that was not a whole version.
        expect([...snap.apps.keys()].sort()).toEqual(['/a', '/b', '/c']);
        for (const app of snap.apps.values()) expect(complete.has(app.definition.cmd as string)).toBe(true);
        expect(snap.invalid.size).toBe(0);
      }
      expect(snapshots.at(-1)?.apps.get('/c')?.definition.cmd).toBe(`sleep ${version}`);
    }
  }, 120_000);

  it('a resync never waits on the file watcher, even when the folder moves while it is being watched', async () => {
    const parent = await tempDir();
    const dir = join(parent, 'manifests');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'a', 'b'), { recursive: true });
    await writeFile(join(dir, 'a', 'web.yaml'), manifestYaml({ name: 'web' }));
    const source = new FolderSource({ dir, logger: silentLogger(), wallClock: () => Date.now() + 120_000 });
    sources.push(source);
    await source.start(() => undefined);
    for (let i = 0; i < 20; i++) {
      await rename(dir, `${dir}-away`);
      await realTick(i % 4);
      await rename(`${dir}-away`, dir);
      // Used to hang forever: the resync awaited a chokidar `ready` that never came.
      await source.resync();
      expect(source.snapshot().state).toBe('Ready');
    }
    expect([...source.snapshot().apps.keys()]).toEqual(['/web']);
  });

  it('publishes no first read of a file that was replaced while the read ran: it reads what moved again first', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'app.yaml'), manifestYaml({ name: 'app', instances: 0 }));
    await writeFile(join(dir, 'other.yaml'), manifestYaml({ name: 'other' }));
    const timers = new ManualClock();
    let replaced = false;
    // The save lands while the first read is at another file: app.yaml was read (and checked
    // unchanged after its read) already.
    const parser = {
      ...INLINE_PARSER,
      async parseFile(text: string, file: string, opts: Parameters<typeof INLINE_PARSER.parseFile>[2]) {
        if (file === 'other.yaml' && !replaced) {
          replaced = true;
          await writeFile(join(dir, '.app.yaml.tmp'), manifestYaml({ name: 'app', instances: 1 }));
          await rename(join(dir, '.app.yaml.tmp'), join(dir, 'app.yaml'));
        }
        return INLINE_PARSER.parseFile(text, file, opts);
      },
    };
    // Files look long settled: their age lets them in at once, as in a folder nobody touches.
    const source = new FolderSource({ dir, logger: silentLogger(), timers, settleMs: SETTLE_MS, parser, wallClock: () => Date.now() + 3_600_000 });
    sources.push(source);
    const snapshots: Array<ReturnType<FolderSource['snapshot']>> = [];
    await driven(
      source.start(() => snapshots.push(source.snapshot())),
      timers,
    );
    expect(replaced).toBe(true);
    // Every snapshot ever published has the saved file's content, never the replaced one.
    expect(snapshots.length).toBeGreaterThan(0);
    for (const snap of snapshots) expect(snap.apps.get('/app')?.definition.instances).toBe(1);
  });
});

describe('FolderSource: a file gone is gone once it stayed away for the window', () => {
  /** Rescans only (each step one resync), on a hand-driven clock; files look long settled, so only absence is judged. */
  async function rescanned(dir: string) {
    const timers = new ManualClock();
    const published: Array<{ snap: ReturnType<FolderSource['snapshot']>; at: number }> = [];
    const source = new FolderSource({ dir, logger: silentLogger(), timers, settleMs: SETTLE_MS, watch: false, wallClock: () => Date.now() + 3_600_000 });
    sources.push(source);
    await driven(
      source.start(() => published.push({ snap: source.snapshot(), at: timers.now() })),
      timers,
    );
    return { source, timers, snapshots: published.map((p) => p.snap), published };
  }

  async function twoFiles(): Promise<string> {
    const dir = await tempDir();
    await writeFile(join(dir, 'web.yaml'), manifestYaml({ name: 'web' }));
    await writeFile(join(dir, 'other.yaml'), manifestYaml({ name: 'other' }));
    return dir;
  }

  /** web.yaml deleted, and a rescan begun that found it missing: still in force, changing. */
  async function webDeleted() {
    const dir = await twoFiles();
    const source = await rescanned(dir);
    await rm(join(dir, 'web.yaml'));
    const resync = source.source.resync();
    await until(() => source.source.snapshot().changing?.has('web.yaml') === true, 'the deletion seen');
    return { dir, resync, ...source };
  }

  it('keeps a file deleted and created again within the window (git checkout) in force, and judges what came back as a change of it', async () => {
    // The rescan lands between the deletion and the creation, and the window has not passed.
    const { dir, source, timers, published, resync: first } = await webDeleted();
    expect(source.snapshot().apps.has('/web')).toBe(true);
    // What comes back is not even a file: the apps of web.yaml stay, invalid, never gone.
    expect(spawnSync('mkfifo', [join(dir, 'web.yaml')]).status).toBe(0);
    await driven(first, timers);
    expect(
      source
        .snapshot()
        .invalid.get('/web')
        ?.map((p) => p.code),
    ).toEqual(['not-a-file']);
    for (const { snap } of published) expect(snap.apps.has('/web') || snap.invalid.has('/web')).toBe(true);
    expect(source.snapshot().apps.has('/other')).toBe(true);
  });

  it('applies a deletion once the file stayed gone for the window, never before', async () => {
    const { source, timers, published, resync } = await webDeleted();
    await driven(resync, timers);
    expect(source.snapshot().apps.has('/web')).toBe(false);
    expect(source.snapshot().changing).toBeUndefined();
    // Seen gone (in force, changing), then dropped only a whole window later.
    const seen = published.find(({ snap }) => snap.changing?.has('web.yaml'));
    const dropped = published.find(({ snap }) => !snap.apps.has('/web'));
    expect(seen?.snap.apps.has('/web')).toBe(true);
    expect((dropped?.at ?? 0) - (seen?.at ?? Infinity)).toBeGreaterThanOrEqual(SETTLE_MS);
    expect(source.snapshot().apps.has('/other')).toBe(true);
  });

  it('takes a file renamed (git mv) as gone at once: its apps are declared by the new name, never twice', async () => {
    const dir = await twoFiles();
    const { source, timers, published } = await rescanned(dir);
    await rename(join(dir, 'web.yaml'), join(dir, 'web-renamed.yaml'));
    await driven(source.resync(), timers);
    expect(source.snapshot().apps.get('/web')?.source).toMatchObject({ kind: 'file', path: 'web-renamed.yaml' });
    for (const { snap } of published) expect(snap.conflicts.size).toBe(0);
    expect(source.snapshot().changing).toBeUndefined();
  });

  it('keeps the file of apps only partly declared elsewhere in force for the window', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'both.yaml'), multiDoc(manifestYaml({ name: 'a' }), manifestYaml({ name: 'b' })));
    const { source, timers } = await rescanned(dir);
    await rm(join(dir, 'both.yaml'));
    await writeFile(join(dir, 'a.yaml'), manifestYaml({ name: 'a' }));
    const resync = source.resync();
    await until(() => source.snapshot().changing?.has('both.yaml') === true, 'the deletion seen');
    expect(source.snapshot().apps.has('/b')).toBe(true);
    await driven(resync, timers);
    expect([...source.snapshot().apps.keys()]).toEqual(['/a']);
  });

  /**
   * Rescans only, on a hand-driven clock, and files that always look just written: a new
   * content is read once a rescan has seen it unchanged for the window, so the test says when
   * each file settles. Every snapshot published is kept.
   */
  async function unsettled(dir: string, extra: Partial<ConstructorParameters<typeof FolderSource>[0]> = {}) {
    const timers = new ManualClock();
    const published: Array<ReturnType<FolderSource['snapshot']>> = [];
    const source = new FolderSource({ dir, logger: silentLogger(), timers, settleMs: SETTLE_MS, watch: false, wallClock: () => 0, ...extra });
    sources.push(source);
    await driven(
      source.start(() => published.push(source.snapshot())),
      timers,
    );
    return { source, timers, published };
  }

  it('keeps a file renamed and then edited under its new name in force until the new file is read, however long that takes', async () => {
    const dir = await twoFiles();
    const { source, timers, published } = await unsettled(dir);
    expect(source.snapshot().apps.has('/web')).toBe(true);
    await mkdir(join(dir, 'moved'));
    await rename(join(dir, 'web.yaml'), join(dir, 'moved', 'web.yaml'));
    const resync = source.resync();
    await until(() => source.snapshot().changing?.has('web.yaml') === true, 'the rename seen');
    // Edited under its new name just before web.yaml's window ends: the new file's content
    // is read a whole window after that edit, long after web.yaml counts as gone.
    timers.advance(SETTLE_MS - 50);
    await writeFile(join(dir, 'moved', 'web.yaml'), manifestYaml({ name: 'web', mem: 64 }));
    await driven(resync, timers);
    await driven(source.resync(), timers);
    // /web was declared all along: first by web.yaml, then by moved/web.yaml, never by both.
    for (const snap of published) {
      expect(snap.apps.has('/web')).toBe(true);
      expect(snap.conflicts.size).toBe(0);
    }
    expect(source.snapshot().apps.get('/web')?.source).toMatchObject({ kind: 'file', path: 'moved/web.yaml' });
    expect(source.snapshot().apps.get('/web')?.definition.mem).toBe(64);
    expect(source.snapshot().changing).toBeUndefined();
    expect(source.settlingFiles).toEqual([]);
  });

  it('keeps the files of a folder renamed in force until their new names are read, one of them edited meanwhile', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'team'));
    await writeFile(join(dir, 'team', 'a.yaml'), manifestYaml({ name: 'a' }));
    await writeFile(join(dir, 'team', 'b.yaml'), manifestYaml({ name: 'b' }));
    const { source, timers, published } = await unsettled(dir);
    await rename(join(dir, 'team'), join(dir, 'team-renamed'));
    const resync = source.resync();
    await until(() => source.snapshot().changing?.has('team/a.yaml') === true, 'the rename seen');
    timers.advance(SETTLE_MS - 50);
    await writeFile(join(dir, 'team-renamed', 'a.yaml'), manifestYaml({ name: 'a', mem: 64 }));
    await driven(resync, timers);
    await driven(source.resync(), timers);
    for (const snap of published) {
      expect([...snap.apps.keys()].sort()).toEqual(['/a', '/b']);
      expect(snap.conflicts.size).toBe(0);
    }
    expect(source.snapshot().apps.get('/a')?.source).toMatchObject({ path: 'team-renamed/a.yaml' });
    expect(source.snapshot().apps.get('/b')?.source).toMatchObject({ path: 'team-renamed/b.yaml' });
    expect(source.snapshot().changing).toBeUndefined();
  });

  it('keeps a file gone in force through a listing that missed where it went (it moved again while the folder was listed)', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.yaml'), manifestYaml({ name: 'a' }));
    let moveWhileListed: { from: string; to: string; atStamp: number } | undefined;
    // Stamps taken on the event loop, one call per file: the move lands between a listing
    // and the stamp of the file that moves (the `atStamp`-th stamp of it from now on).
    const stamp = async (abs: string) => {
      const move = moveWhileListed;
      if (move && abs === join(dir, move.from) && --move.atStamp === 0) {
        moveWhileListed = undefined;
        await rename(join(dir, move.from), join(dir, move.to));
      }
      return stampOf(abs);
    };
    const { source, timers, published } = await unsettled(dir, { sweep: false, stamp });
    await rename(join(dir, 'a.yaml'), join(dir, 'b.yaml'));
    const first = source.resync();
    await until(() => source.settlingFiles.includes('b.yaml'), 'the rename seen');
    // a.yaml's window passes; both are looked at again (b.yaml's first stamp), a.yaml is
    // missing, so the folder is listed: it lists b.yaml, c.yaml by its stamp (the second).
    moveWhileListed = { from: 'b.yaml', to: 'c.yaml', atStamp: 2 };
    timers.advance(SETTLE_MS + 10);
    await driven(first, timers);
    await driven(source.resync(), timers);
    expect(moveWhileListed).toBeUndefined();
    for (const snap of published) expect(snap.apps.has('/a')).toBe(true);
    expect(source.snapshot().apps.get('/a')?.source).toMatchObject({ path: 'c.yaml' });
    expect(source.snapshot().changing).toBeUndefined();
  });

  it('drops a deleted file once another file being written has kept changing past the warning: it is no rename of it', async () => {
    const dir = await twoFiles();
    const { source, timers, published } = await unsettled(dir);
    await rm(join(dir, 'web.yaml'));
    await writeFile(join(dir, 'log.yaml'), '# 0\n');
    const since = timers.now();
    const look = source.resync();
    // log.yaml changes between every two looks at it: it never settles.
    for (let i = 1; source.snapshot().apps.has('/web'); i++) {
      if (timers.now() - since > 20_000) throw new Error('web.yaml held for good');
      await writeFile(join(dir, 'log.yaml'), `# ${'x'.repeat(i)}\n`);
      timers.advance(SETTLE_MS / 2);
      await realTick(5);
    }
    expect(timers.now() - since).toBeGreaterThanOrEqual(5000);
    await driven(look, timers);
    expect(published.at(-1)?.apps.has('/other')).toBe(true);
  });

  it('applies a deletion at once with a settle window of 0', async () => {
    const dir = await twoFiles();
    const timers = new ManualClock();
    const source = new FolderSource({ dir, logger: silentLogger(), timers, settleMs: 0, watch: false, wallClock: () => Date.now() + 3_600_000 });
    sources.push(source);
    await driven(
      source.start(() => undefined),
      timers,
    );
    await rm(join(dir, 'web.yaml'));
    await source.resync();
    expect(source.snapshot().apps.has('/web')).toBe(false);
  });
});
