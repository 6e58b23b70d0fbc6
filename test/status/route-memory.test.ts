// The route memory: what each app was last served, read back by the next daemon; written a
// moment after a burst of changes, only when a route, URL or host changed; a file it cannot
// trust is said and left out, and the daemon goes on without it.

import { mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Route } from '../../src/model/route.js';
import { ROUTE_MEMORY_WRITE_DELAY_MS, RouteMemory } from '../../src/status/route-memory.js';
import { recordingLogger } from '../helpers/log-lines.js';
import { flush, ManualClock } from '../helpers/manual-clock.js';
import { until } from '../helpers/postgres.js';
import { tempDir } from '../helpers/tmp.js';

const route: Route = { name: 'demo_web', rule: 'Host(`web.example`)', port: { index: 0 } };

function memoryAt(path: string | null, clock = new ManualClock()) {
  const log = recordingLogger();
  return { memory: new RouteMemory({ path, logger: log.logger, timers: clock }), log, clock };
}

/** Lets the timer's write (a rename, on the real file system) finish. */
async function written(m: RouteMemory): Promise<void> {
  await m.close();
}

describe('RouteMemory', () => {
  it('is read back by the next daemon: the route and URL of each app, in a private file', async () => {
    const path = join(await tempDir(), 'state', 'maracker', 'routes', 'x.json');
    const first = memoryAt(path);
    await first.memory.load();
    first.memory.remember('/demo/web', { route, url: 'http://web.example' });
    first.memory.remember('/demo/api', { url: 'http://api.example' });
    await written(first.memory);
    expect((await stat(path)).mode & 0o777).toBe(0o600);

    const next = memoryAt(path);
    await next.memory.load();
    expect(next.memory.get('/demo/web')).toEqual({ route, url: 'http://web.example' });
    expect(next.memory.get('/demo/api')).toEqual({ url: 'http://api.example' });
    expect(next.log.lines().filter((l) => l.level >= 40)).toEqual([]);
  });

  it('writes once a moment after a burst of changes, and not at all when nothing it keeps changed', async () => {
    const path = join(await tempDir(), 'routes.json');
    const { memory, clock } = memoryAt(path);
    await memory.load();
    memory.remember('/a', { route, url: 'http://a.example' });
    memory.remember('/b', { url: 'http://b.example' });
    clock.advance(ROUTE_MEMORY_WRITE_DELAY_MS - 1);
    await flush();
    await expect(readFile(path, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
    clock.advance(1);
    await until(async () => (await readFile(path, 'utf8').catch(() => '')).includes('/b'), 'the first write');
    const before = await stat(path);
    const version = memory.version;
    // The same route again (a reconcile of an app in sync), as a new object: no write is
    // even scheduled (the version, which every change moves, stays).
    memory.remember('/a', { route: { ...route }, url: 'http://a.example' });
    expect(memory.version).toBe(version);
    clock.advance(ROUTE_MEMORY_WRITE_DELAY_MS * 5);
    await flush();
    expect((await stat(path)).ino).toBe(before.ino);
    // Forgotten (the app deleted, or fixed without expose): written without it.
    memory.remember('/a', undefined);
    clock.advance(ROUTE_MEMORY_WRITE_DELAY_MS);
    await until(async () => !(await readFile(path, 'utf8')).includes('"/a"'), 'the write without /a');
    await memory.close();
  });

  it('says why it does not read a file it cannot trust, and goes on empty: a link, a damaged file, another version', async () => {
    const dir = await tempDir();
    const real = join(dir, 'real.json');
    await writeFile(real, JSON.stringify({ version: 1, apps: { '/a': { url: 'http://a.example' } } }), { mode: 0o600 });
    const link = join(dir, 'link.json');
    await symlink(real, link);
    const damaged = join(dir, 'damaged.json');
    await writeFile(damaged, '{"version":1,"apps":{"/a":', { mode: 0o600 });
    const other = join(dir, 'other.json');
    await writeFile(other, '{"version":9}', { mode: 0o600 });
    const folder = join(dir, 'folder.json');
    await mkdir(folder);
    for (const [path, reason] of [
      [link, 'it is a symbolic link'],
      [folder, 'it is not a regular file'],
      [damaged, 'not valid JSON'],
      [other, 'not a version 1 route memory'],
    ] as const) {
      const { memory, log } = memoryAt(path);
      await memory.load();
      expect(memory.get('/a')).toBeUndefined();
      const warned = log.lines().find((l) => l.level === 40);
      expect(warned?.msg).toContain(`route memory ${path} not read`);
      expect(warned?.msg).toContain(reason);
      expect(JSON.stringify(log.lines())).not.toContain('/a');
    }
    // Read, an entry it does not trust is left out and named; the others are kept.
    const mixed = join(dir, 'mixed.json');
    await writeFile(
      mixed,
      JSON.stringify({ version: 1, apps: { '/ok': { url: 'http://ok.example' }, '/bad': { route: { name: 'x', rule: 'a\u0007', port: { index: 0 } } } } }),
      {
        mode: 0o600,
      },
    );
    const { memory, log } = memoryAt(mixed);
    await memory.load();
    expect(memory.get('/ok')).toEqual({ url: 'http://ok.example' });
    expect(memory.get('/bad')).toBeUndefined();
    expect(log.lines().find((l) => l.level === 40)).toMatchObject({ apps: ['/bad'] });
  });

  it('keeps the memory of this process when the file cannot be written, and says so', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'file'), 'x');
    const { memory, log, clock } = memoryAt(join(dir, 'file', 'routes.json'));
    await memory.load();
    memory.remember('/a', { url: 'http://a.example' });
    clock.advance(ROUTE_MEMORY_WRITE_DELAY_MS);
    await until(() => log.lines().some((l) => l.msg.includes('not written')), 'the warning');
    expect(memory.get('/a')).toEqual({ url: 'http://a.example' });
  });

  it('without a file keeps what it is told for this process only', async () => {
    const { memory } = memoryAt(null);
    await memory.load();
    memory.remember('/a', { route });
    expect(memory.get('/a')).toEqual({ route });
    await memory.close();
  });
});
