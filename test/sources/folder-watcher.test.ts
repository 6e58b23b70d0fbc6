// The folder watcher with inotify: one watch per folder, none per file, and still every
// kind of change to a manifest reported by name (written in place, saved atomically over,
// created, deleted), including in a folder that appears after the start.

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { appendFile, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/base/log.js';
import { systemTimers } from '../../src/base/timers.js';
import { FolderWatcher, type WatchEvent } from '../../src/sources/folder-watcher.js';
import { tempDir } from '../helpers/tmp.js';

const watchers: FolderWatcher[] = [];
afterEach(async () => {
  while (watchers.length > 0) await watchers.pop()?.close();
});

/** inotify watches this process holds (Linux: one `inotify wd:` line per watch in fdinfo). */
function inotifyWatches(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    let target = '';
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue;
    }
    if (target !== 'anon_inode:inotify') continue;
    n += readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('inotify wd:')).length;
  }
  return n;
}

async function watching(dir: string) {
  const events: WatchEvent[] = [];
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const waiters: Array<() => void> = [];
  const watcher = new FolderWatcher({
    dir,
    usePolling: false,
    timers: systemTimers,
    logger: silentLogger(),
    readyTimeoutMs: 60_000,
    onEvent: (e) => {
      events.push(e);
      for (const w of waiters.splice(0)) w();
    },
    onReady: () => ready(),
    onError: (err) => {
      throw err;
    },
  });
  watchers.push(watcher);
  watcher.ensure();
  await isReady;
  /** Resolves once an event matching `match` has arrived (events are the proof, not time). */
  const seen = async (match: (e: WatchEvent) => boolean): Promise<WatchEvent> => {
    for (;;) {
      const found = events.find(match);
      if (found) return found;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { events, seen };
}

const fileEvent = (rel: string, inPlace?: boolean) => (e: WatchEvent) => e.kind === 'file' && e.rel === rel && (inPlace === undefined || e.inPlace === inPlace);

describe.runIf(process.platform === 'linux')('FolderWatcher with inotify', () => {
  it('holds one watch per folder, not one per file', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'team'));
    for (let i = 0; i < 200; i++) await writeFile(join(dir, i % 2 ? 'team' : '', `app${i}.yaml`), `name: app${i}\n`);
    const before = inotifyWatches();
    await watching(dir);
    // The folder and its sub-folder; before, 202.
    expect(inotifyWatches() - before).toBe(2);
  });

  it('reports a manifest written in place, saved atomically over, created and deleted, by name', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'web.yaml'), 'name: web\n');
    await writeFile(join(dir, 'api.yaml'), 'name: api\n');
    const { seen } = await watching(dir);
    await appendFile(join(dir, 'web.yaml'), '# edited in place\n');
    await seen(fileEvent('web.yaml', true));
    await writeFile(join(dir, '.api.yaml.tmp'), 'name: api\ninstances: 2\n');
    await rename(join(dir, '.api.yaml.tmp'), join(dir, 'api.yaml'));
    await seen(fileEvent('api.yaml', false));
    await writeFile(join(dir, 'new.yml'), 'name: new\n');
    await seen(fileEvent('new.yml'));
    await rm(join(dir, 'web.yaml'));
    await seen(fileEvent('web.yaml', false));
  });

  it('says the tree changed when a folder appears (the rescan it asks for lists what is in it)', async () => {
    const dir = await tempDir();
    const { seen } = await watching(dir);
    await mkdir(join(dir, 'later'));
    await writeFile(join(dir, 'later', 'app.yaml'), 'name: a\n');
    await seen((e) => e.kind === 'tree');
  });

  it('says the tree changed when the folder itself is moved away: listed again, it is found gone', async () => {
    const parent = await tempDir();
    const dir = join(parent, 'manifests');
    await mkdir(join(dir, 'team'), { recursive: true });
    await writeFile(join(dir, 'web.yaml'), 'name: web\n');
    const { seen } = await watching(dir);
    await rename(dir, join(parent, 'away'));
    await seen((e) => e.kind === 'tree');
  });

  it('says the tree changed when a sub-folder is moved away', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'team'));
    await writeFile(join(dir, 'team', 'web.yaml'), 'name: web\n');
    const { seen } = await watching(dir);
    await rename(join(dir, 'team'), join(dir, '.old-team'));
    await seen((e) => e.kind === 'tree');
  });

  it('ignores editors swap files and files that are not manifests', async () => {
    const dir = await tempDir();
    const { seen, events } = await watching(dir);
    await writeFile(join(dir, '.web.yaml.swp'), 'x');
    await writeFile(join(dir, 'notes.txt'), 'x');
    await writeFile(join(dir, 'web.yaml'), 'name: web\n');
    await seen(fileEvent('web.yaml'));
    expect(events.filter((e) => e.kind === 'file').map((e) => (e.kind === 'file' ? e.rel : ''))).toEqual(expect.arrayContaining(['web.yaml']));
    expect(events.some((e) => e.kind === 'file' && (e.rel === 'notes.txt' || e.rel === '.web.yaml.swp'))).toBe(false);
  });

  it('keeps a watch on a link, which follows it to a target that is not a manifest', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'data'));
    await writeFile(join(dir, 'data', 'web.txt'), 'name: web\n');
    await symlink(join('data', 'web.txt'), join(dir, 'web.yaml'));
    const { seen } = await watching(dir);
    await appendFile(join(dir, 'data', 'web.txt'), '# edited\n');
    await seen(fileEvent('web.yaml'));
  });
});
