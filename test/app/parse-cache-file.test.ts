// The parse cache on disk: read only when it is this user's own and no one else can write it,
// written whole and renamed into place once every source was read, then added to at most
// once per interval and at stop, never beyond its budget.

import { chmod, mkdir, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendCacheLines, ParseCacheKeeper, readCacheFile, writeCacheFile } from '../../src/app/parse-cache-file.js';
import { ParseCache } from '../../src/manifest/parse-cache.js';
import { parseManifestText } from '../../src/manifest/parse.js';
import { recordingLogger } from '../helpers/log-lines.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { tempDir } from '../helpers/tmp.js';
import { doc, yamlOf } from '../manifest/builders.js';

const CODE = 'c'.repeat(64);
const opts = { displayPath: 'manifests/web.yaml' };

function filled(names: readonly string[] = ['web']): ParseCache {
  const cache = new ParseCache({ code: CODE });
  for (const name of names) add(cache, name);
  return cache;
}

function add(cache: ParseCache, name: string): string {
  const text = yamlOf(doc({ name, group: 'demo' }));
  const key = cache.keyOf(text, `${name}.yaml`, opts);
  cache.set(key, parseManifestText(text, `${name}.yaml`, opts));
  return key;
}

describe('the cache file', () => {
  it('is written 0600 in a folder made 0700, with no temporary file left, and read back whole', async () => {
    const dir = join(await tempDir(), 'cache', 'maracker');
    const path = join(dir, 'x.cache');
    const cache = filled(['a', 'b', 'c']);
    await writeCacheFile(path, cache.seal());
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect(await readdir(dir)).toEqual(['x.cache']);
    const read = await readCacheFile(path);
    expect(read.kind).toBe('read');
    const again = new ParseCache({ code: CODE });
    expect(again.load((read as { text: string }).text)).toEqual({ loaded: 3, badLines: 0 });
  });

  it('is absent when there is none, and refused as a link, a folder, or writable by others', async () => {
    const dir = await tempDir();
    const path = join(dir, 'x.cache');
    expect(await readCacheFile(path)).toEqual({ kind: 'absent' });
    await writeCacheFile(join(dir, 'real.cache'), filled().seal());
    await symlink(join(dir, 'real.cache'), path);
    expect(await readCacheFile(path)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('symbolic link') });
    await mkdir(join(dir, 'folder.cache'));
    expect(await readCacheFile(join(dir, 'folder.cache'))).toMatchObject({ kind: 'refused', reason: expect.stringContaining('not a regular file') });
    for (const mode of [0o666, 0o620]) {
      await chmod(join(dir, 'real.cache'), mode);
      expect(await readCacheFile(join(dir, 'real.cache'))).toMatchObject({ kind: 'refused', reason: expect.stringContaining('others can write it') });
    }
  });

  it('replaces the previous file in one step', async () => {
    const path = join(await tempDir(), 'x.cache');
    await writeCacheFile(path, filled(['a']).seal());
    await writeCacheFile(path, filled(['a', 'b']).seal());
    const again = new ParseCache({ code: CODE });
    expect(again.load(await readFile(path, 'utf8'))).toEqual({ loaded: 2, badLines: 0 });
  });

  it('is added to when it is there, and never created by an addition', async () => {
    const path = join(await tempDir(), 'x.cache');
    const cache = filled(['a']);
    expect(await appendCacheLines(path, ['anything'])).toBe(0);
    await expect(stat(path)).rejects.toThrow();
    await writeCacheFile(path, cache.seal());
    add(cache, 'b');
    expect(await appendCacheLines(path, cache.takePending())).toBeGreaterThan(0);
    const again = new ParseCache({ code: CODE });
    expect(again.load(await readFile(path, 'utf8'))).toEqual({ loaded: 2, badLines: 0 });
  });
});

/** Lets the keeper's pending write run. */
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ParseCacheKeeper', () => {
  function keeper(cache: ParseCache, o: { fail?: boolean; path?: string; maxAppendBytes?: number } = {}) {
    const clock = new ManualClock();
    const writes: number[] = [];
    const appends: number[] = [];
    const log = recordingLogger();
    const k = new ParseCacheKeeper({
      path: o.path ?? '/nowhere/x.cache',
      cache,
      logger: log.logger,
      timers: clock,
      saveIntervalMs: 60_000,
      ...(o.maxAppendBytes !== undefined ? { maxAppendBytes: o.maxAppendBytes } : {}),
      write: async (_path, lines) => {
        if (o.fail) throw Object.assign(new Error('disk full'), { code: 'ENOSPC' });
        writes.push([...lines].length - 1);
      },
      append: async (_path, lines) => {
        if (o.fail) throw Object.assign(new Error('disk full'), { code: 'ENOSPC' });
        appends.push(lines.length);
        return lines.length * 1000;
      },
    });
    return { k, clock, writes, appends, log };
  }

  it('writes nothing before every source was read, then the whole file once, then what was added, at most once per interval', async () => {
    const cache = filled();
    const { k, clock, writes, appends } = keeper(cache);
    clock.advance(600_000);
    await settled();
    expect(writes).toEqual([]);
    k.firstSync();
    k.firstSync();
    await settled();
    expect(writes).toEqual([1]);
    expect(cache.size).toBe(0);
    clock.advance(60_000);
    await settled();
    expect(appends).toEqual([]);
    add(cache, 'b');
    add(cache, 'c');
    clock.advance(59_999);
    await settled();
    expect(appends).toEqual([]);
    clock.advance(1);
    await settled();
    expect(appends).toEqual([2]);
    expect(writes).toEqual([1]);
  });

  it('adds nothing beyond its budget until the next start', async () => {
    const cache = filled();
    const { k, clock, appends, log } = keeper(cache, { maxAppendBytes: 2500 });
    k.firstSync();
    for (const name of ['b', 'c', 'd', 'e']) {
      add(cache, name);
      add(cache, `${name}2`);
      clock.advance(60_000);
      await settled();
    }
    expect(appends).toEqual([2, 2]);
    expect(log.messages()).toContain('parse cache: nothing more is added until the next start rewrites it');
  });

  it('writes at the first sync what the sources asked for, not the rest of what it loaded', async () => {
    const old = new ParseCache({ code: CODE });
    const keyA = add(old, 'a');
    add(old, 'b');
    const path = join(await tempDir(), 'x.cache');
    await writeCacheFile(path, old.seal());
    const cache = new ParseCache({ code: CODE });
    const { k, log, writes } = keeper(cache, { path });
    await k.load();
    expect(log.lines().find((l) => l.msg === 'parse cache loaded')).toMatchObject({ entries: 2 });
    expect(cache.get(keyA)).toBeDefined();
    k.firstSync();
    await settled();
    expect(writes).toEqual([1]);
    expect(log.lines().find((l) => l.msg.startsWith('first read of the sources'))).toMatchObject({ hits: 1, misses: 0 });
  });

  it('adds at stop what was parsed since, and nothing after', async () => {
    const cache = filled();
    const { k, writes, appends } = keeper(cache);
    k.firstSync();
    add(cache, 'b');
    await k.stop();
    expect(writes).toEqual([1]);
    expect(appends).toEqual([1]);
    add(cache, 'c');
    k.firstSync();
    await k.stop();
    expect(appends).toEqual([1]);
  });

  it('writes nothing when stopped before every source was read', async () => {
    const { k, writes, appends } = keeper(filled());
    await k.stop();
    k.firstSync();
    await settled();
    expect([writes, appends]).toEqual([[], []]);
  });

  it('logs a write that fails and carries on, warning once', async () => {
    const cache = filled();
    const { k, log } = keeper(cache, { fail: true });
    k.firstSync();
    add(cache, 'b');
    await k.stop();
    const failures = log.lines().filter((l) => l.code === 'ENOSPC');
    expect(failures.map((l) => [l.level, l.msg])).toEqual([
      [40, 'parse cache /nowhere/x.cache not written; the next start parses what is missing'],
      [20, 'parse cache /nowhere/x.cache not added to; the next start parses what is missing'],
    ]);
  });

  it('starts without a cache it may not trust, and says why', async () => {
    const dir = await tempDir();
    const path = join(dir, 'x.cache');
    await writeFile(path, 'anything', { mode: 0o666 });
    await chmod(path, 0o666);
    const cache = new ParseCache({ code: CODE });
    const { k, log } = keeper(cache, { path });
    await k.load();
    expect(cache.size).toBe(0);
    expect(log.lines().find((l) => l.level === 40)?.msg).toMatch(/not read: others can write it/);
  });

  it('starts without a cache another build wrote', async () => {
    const path = join(await tempDir(), 'x.cache');
    await writeCacheFile(path, filled(['a']).seal());
    const cache = new ParseCache({ code: 'd'.repeat(64) });
    const { k, log } = keeper(cache, { path });
    await k.load();
    expect(cache.size).toBe(0);
    expect(log.lines().find((l) => l.why === 'other-code')).toBeDefined();
  });
});
