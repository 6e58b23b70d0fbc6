// End-to-end: a daemon restarted over the same manifests takes what it parsed last time from
// its parse cache (--manifest-cache), and still applies exactly what the files say now: a
// file edited while it was stopped is its new content, a file removed meanwhile declares
// nothing, and a damaged or foreign cache file is only slower.

import { appendFile, chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually, startDaemonProcess, type DaemonProcess } from '../helpers/daemon-process.js';
import { appWrites, describeWrites, sandbox } from '../helpers/sandbox.js';
import { tempDir } from '../helpers/tmp.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';

const manifest = (name: string, cmd: string, instances = 1) =>
  [
    'apiVersion: maracker/v1',
    'kind: App',
    'metadata:',
    `  name: ${name}`,
    '  group: cached',
    'spec:',
    `  instances: ${instances}`,
    '  cpus: 0.1',
    '  mem: 32',
    `  cmd: ${cmd}`,
    '',
  ].join('\n');

const NAMES = ['a', 'b', 'c', 'd'];

async function setup(): Promise<{ dir: string; manifests: string; cache: string; marathon: Sandbox }> {
  const dir = await tempDir();
  const manifests = join(dir, 'manifests');
  await mkdir(manifests);
  for (const [i, n] of NAMES.entries()) await writeFile(join(manifests, `${n}.yaml`), manifest(n, `sleep ${1000 + i}`));
  return { dir, manifests, cache: join(dir, 'cache', 'm.cache'), marathon: await sandbox() };
}

async function start(s: { manifests: string; cache: string; marathon: Sandbox }, prune = true): Promise<DaemonProcess> {
  const daemon = await startDaemonProcess({
    marathonUrl: s.marathon.url,
    manifests: s.manifests,
    args: ['--resync-interval', '3600', '--manifest-cache', s.cache, ...(prune ? [] : ['--no-prune'])],
  });
  await eventually(async () => {
    const st = await daemon.status();
    return st.apps.length > 0 && st.apps.every((a) => a.sync === 'Synced') && s.marathon.deployments().length === 0;
  }, 'every app in sync');
  return daemon;
}

function logged(daemon: DaemonProcess, msg: string): Record<string, unknown> | undefined {
  for (const line of daemon.output().split('\n')) {
    if (!line.startsWith('{')) continue;
    const rec = JSON.parse(line) as Record<string, unknown>;
    if (rec.msg === msg) return rec;
  }
  return undefined;
}

/** Waits for the daemon's count of its first read: files taken from the cache, files parsed. */
async function firstReadCounted(daemon: DaemonProcess, hits: number, misses: number): Promise<void> {
  const msg = `first read of the sources: ${hits} files taken from the parse cache, ${misses} parsed`;
  await eventually(async () => logged(daemon, msg) !== undefined, 'the first read counted');
}

describe('the parse cache across restarts', () => {
  it('parses nothing unchanged, and applies what the files say now: an edit made while stopped, a file removed', async () => {
    const s = await setup();
    const first = await start(s);
    expect(logged(first, 'no parse cache yet: every manifest is parsed')).toBeDefined();
    await eventually(
      async () => (await readFile(s.cache, 'utf8').catch(() => '')).split('\n').filter((l) => /^[0-9a-f]{64} /.test(l)).length === 4,
      'the cache written',
    );
    await first.stop();

    // While it is stopped: one file edited (same size), one removed.
    await writeFile(join(s.manifests, 'b.yaml'), manifest('b', 'sleep 2000'));
    await rm(join(s.manifests, 'd.yaml'));
    const since = s.marathon.requestLog().at(-1)?.seq ?? 0;
    const second = await start(s);
    expect(logged(second, 'parse cache loaded')).toMatchObject({ entries: 4 });
    // a and c from the cache; b parsed (its text changed); d gone.
    await firstReadCounted(second, 2, 1);
    await eventually(
      async () => s.marathon.app('/cached/b')?.cmd === 'sleep 2000' && s.marathon.app('/cached/d') === undefined,
      'the edit and the removal applied',
    );
    expect(describeWrites(appWrites(s.marathon, undefined, since)).sort()).toEqual(['DELETE /v2/apps/cached/d', 'PUT /v2/apps/cached/b?partialUpdate=false']);
    expect(s.marathon.app('/cached/a')?.cmd).toBe('sleep 1000');
    // An edit while it runs is added to the file (at the latest when it stops).
    await writeFile(join(s.manifests, 'c.yaml'), manifest('c', 'sleep 3000'));
    await eventually(async () => s.marathon.app('/cached/c')?.cmd === 'sleep 3000', 'the edit applied');
    await second.stop();

    // A third start takes every file from the cache: b's new content, c's edit; d is gone from it.
    const third = await start(s);
    await firstReadCounted(third, 3, 0);
    await third.stop();
    const entries = (await readFile(s.cache, 'utf8')).split('\n').filter((l) => /^[0-9a-f]{64} /.test(l));
    expect(entries).toHaveLength(3);
    expect(entries.some((l) => l.includes('/cached/d'))).toBe(false);
    expect(describeWrites(appWrites(s.marathon, undefined, since))).toHaveLength(3);
  }, 120_000);

  it('starts as if there were none from a damaged cache, or one others can write, and writes nothing it should not', async () => {
    const s = await setup();
    const first = await start(s);
    // The file is written once every source has been read (not when the apps are in sync).
    await firstReadCounted(first, 0, 4);
    await first.stop();
    const text = await readFile(s.cache, 'utf8');

    // Damaged: an entry's content changed (its digest no longer matches), garbage appended.
    await writeFile(s.cache, text.replace('sleep 1001', 'sleep 6666'), { mode: 0o600 });
    await appendFile(s.cache, 'garbage\n\u0000\u0001{"x":');
    const since = s.marathon.requestLog().at(-1)?.seq ?? 0;
    const damaged = await start(s);
    expect(logged(damaged, 'parse cache loaded')).toMatchObject({ entries: 4 });
    await firstReadCounted(damaged, 3, 1);
    expect(s.marathon.app('/cached/b')?.cmd).toBe('sleep 1001');
    await damaged.stop();

    // Writable by others: not read at all.
    await chmod(s.cache, 0o666);
    const loose = await start(s);
    expect(loose.output()).toContain('not read: others can write it');
    await loose.stop();
    expect(appWrites(s.marathon, undefined, since)).toEqual([]);
  }, 120_000);
});
