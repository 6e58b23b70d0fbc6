// A file's stamp (size, times, inode) can hide a rewrite: on a file system whose clock ticks
// coarsely, a rewrite of the same size within one tick keeps it. The folder source reads
// every file again at the first rescan a period after the last full read, and what did not
// change stays the very same objects (nothing downstream is planned again for it).

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/base/log.js';
import { type FileStamp, stampOf } from '../../src/sources/file-stamp.js';
import { FolderSource } from '../../src/sources/folder.js';
import { manifestYaml } from '../helpers/manifests.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { tempDir } from '../helpers/tmp.js';

const sources: FolderSource[] = [];
afterEach(async () => {
  while (sources.length > 0) await sources.pop()?.stop();
});

/** A file system whose clock never ticks and whose inodes all look alike: only the size tells. */
async function coarse(abs: string): Promise<FileStamp> {
  const s = await stampOf(abs);
  return s.kind === 'file' ? { ...s, mtimeMs: 0, ctimeMs: 0, ino: 1 } : s;
}

async function folder(fullReadEveryMs: number) {
  const dir = await tempDir();
  await writeFile(join(dir, 'web.yaml'), manifestYaml({ name: 'web', mem: 32 }));
  await writeFile(join(dir, 'other.yaml'), manifestYaml({ name: 'other', mem: 32 }));
  const timers = new ManualClock();
  // Files look long settled (the wall clock is far ahead of their times): read at once.
  const source = new FolderSource({
    dir,
    logger: silentLogger(),
    timers,
    watch: false,
    fullReadEveryMs,
    stamp: coarse,
    wallClock: () => Date.now() + 3_600_000,
  });
  sources.push(source);
  await source.start(() => undefined);
  return { dir, timers, source, mem: (id: string) => source.snapshot().apps.get(id)?.definition.mem };
}

describe('FolderSource: the full read (a backstop for stamps that hide a change)', () => {
  it('sees at the next full read a same-size rewrite the stamps could not tell, and only then', async () => {
    const f = await folder(60_000);
    expect(f.mem('/web')).toBe(32);
    const other = f.source.snapshot().apps.get('/other');
    await writeFile(join(f.dir, 'web.yaml'), manifestYaml({ name: 'web', mem: 64 }));
    await f.source.resync();
    expect(f.mem('/web')).toBe(32); // what the stamps alone can see: nothing
    f.timers.advance(59_999);
    await f.source.resync();
    expect(f.mem('/web')).toBe(32);
    f.timers.advance(1);
    await f.source.resync();
    expect(f.mem('/web')).toBe(64);
    expect(f.source.snapshot().apps.get('/other')).toBe(other);
  });

  it('reads every file again once per period, not at every rescan after it', async () => {
    const f = await folder(60_000);
    f.timers.advance(60_000);
    await f.source.resync();
    await writeFile(join(f.dir, 'web.yaml'), manifestYaml({ name: 'web', mem: 64 }));
    f.timers.advance(30_000);
    await f.source.resync();
    expect(f.mem('/web')).toBe(32);
    f.timers.advance(30_000);
    await f.source.resync();
    expect(f.mem('/web')).toBe(64);
  });

  it('never reads in full when the period is 0', async () => {
    const f = await folder(0);
    await writeFile(join(f.dir, 'web.yaml'), manifestYaml({ name: 'web', mem: 64 }));
    f.timers.advance(24 * 3_600_000);
    await f.source.resync();
    expect(f.mem('/web')).toBe(32);
  });

  it('keeps the same declarations (the very maps) after a rescan that found nothing new, and says when it read', async () => {
    const f = await folder(60_000);
    const before = f.source.snapshot();
    f.timers.advance(1_000);
    await f.source.resync();
    const after = f.source.snapshot();
    expect(after.apps).toBe(before.apps);
    expect(after.invalid).toBe(before.invalid);
    expect(after.conflicts).toBe(before.conflicts);
    expect(after.lastReadAt?.getTime()).toBeGreaterThanOrEqual(before.lastReadAt?.getTime() ?? Number.POSITIVE_INFINITY);
    expect(after).not.toBe(before);
    await writeFile(join(f.dir, 'web.yaml'), manifestYaml({ name: 'web', mem: 640 }));
    await f.source.resync();
    expect(f.source.snapshot().apps).not.toBe(before.apps);
    expect(f.mem('/web')).toBe(640);
  });
});
