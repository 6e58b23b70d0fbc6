import { execFileSync } from 'node:child_process';
import { chmod, mkdir, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { gitEnvironment } from '../../src/git/run.js';
import { createLogger, silentLogger } from '../../src/base/log.js';
import { stampOf } from '../../src/sources/file-stamp.js';
import { FolderSource, type FolderSourceOptions } from '../../src/sources/folder.js';
import type { SourceChange } from '../../src/sources/source.js';
import { manifestYaml, multiDoc } from '../helpers/manifests.js';
import { tempDir } from '../helpers/tmp.js';

const sources: FolderSource[] = [];
afterEach(async () => {
  while (sources.length > 0) await sources.pop()?.stop();
});

// A bound on liveness only (a loaded CI machine once took more than 5 s here), never a timing claim.
async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function started(dir: string, options: Partial<FolderSourceOptions> = {}) {
  const changes: SourceChange[] = [];
  const source = new FolderSource({ dir, displayRoot: 'manifests', logger: silentLogger(), ...options });
  sources.push(source);
  await source.start((c) => changes.push(c));
  return { source, changes };
}

const idsIn = (changes: SourceChange[]) => changes.flatMap((c) => ('ids' in c ? [...c.ids] : ['*']));

/** The files (or rows) declaring `id` twice, in the order the source lists them. */
function conflictPaths(source: FolderSource, id: string): Array<string | number> | undefined {
  return source
    .snapshot()
    .conflicts.get(id)
    ?.map((r) => (r.kind === 'file' ? r.path : r.row));
}

describe('FolderSource', () => {
  it('loads every manifest below the folder at start', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'team'));
    await writeFile(join(dir, 'web.yaml'), manifestYaml({ name: 'web', group: 'demo' }));
    await writeFile(join(dir, 'team', 'apps.yml'), multiDoc(manifestYaml({ name: 'a', group: 'team' }), manifestYaml({ name: 'b', group: 'team' })));
    await writeFile(join(dir, '.web.yaml.swp'), 'garbage: [');
    const { source } = await started(dir);
    const snap = source.snapshot();
    expect(snap.state).toBe('Ready');
    expect([...snap.apps.keys()].sort()).toEqual(['/demo/web', '/team/a', '/team/b']);
    expect(snap.apps.get('/team/b')?.source).toMatchObject({ kind: 'file', path: 'team/apps.yml' });
    expect(snap.problems).toEqual([]);
  });

  it('keeps the ids it declared when last read while the folder is missing', async () => {
    const parent = await tempDir();
    const dir = join(parent, 'manifests');
    await mkdir(dir);
    await writeFile(join(dir, 'web.yaml'), manifestYaml({ name: 'web' }));
    await writeFile(join(dir, 'broken.yaml'), manifestYaml({ name: 'api', extra: '  instaces: 2' }));
    const { source } = await started(dir);
    await rename(dir, join(parent, 'away'));
    await source.resync();
    expect(source.snapshot().state).toBe('Unknown');
    expect(source.snapshot().apps.size).toBe(0);
    expect([...(source.snapshot().lastKnownIds ?? [])].sort()).toEqual(['/api', '/web']);
    // Still unreadable at the next rescan: still known.
    await source.resync();
    expect([...(source.snapshot().lastKnownIds ?? [])].sort()).toEqual(['/api', '/web']);
    await rename(join(parent, 'away'), dir);
    await source.resync();
    expect(source.snapshot().state).toBe('Ready');
    expect(source.snapshot().lastKnownIds).toBeUndefined();
  });

  it('is unknown, never empty, while the folder is missing, and recovers on resync', async () => {
    const parent = await tempDir();
    const dir = join(parent, 'manifests');
    const { source, changes } = await started(dir);
    expect(source.snapshot().state).toBe('Unknown');
    expect(source.snapshot().lastError?.message).toContain('cannot read manifests folder');
    await mkdir(dir);
    await writeFile(join(dir, 'web.yaml'), manifestYaml({ name: 'web' }));
    const before = changes.length;
    await source.resync();
    expect(source.snapshot().state).toBe('Ready');
    expect([...source.snapshot().apps.keys()]).toEqual(['/web']);
    // Back from unknown: everything is looked at again, not just the ids it names.
    expect(changes[before]).toEqual({ all: true });
  });

  describe('confirm (asked before each write)', () => {
    it('finds the folder moved away with no event at all: Unknown, its ids kept, before it resolves', async () => {
      const parent = await tempDir();
      const dir = join(parent, 'manifests');
      await mkdir(dir);
      await writeFile(join(dir, 'web.yaml'), manifestYaml({ name: 'web' }));
      const { source, changes } = await started(dir, { watch: false });
      await rename(dir, join(parent, 'away'));
      // Listed just now: a write may go on what the listing said.
      await source.confirm(60_000);
      expect(source.snapshot().state).toBe('Ready');
      const before = changes.length;
      await source.confirm(0);
      expect(source.snapshot().state).toBe('Unknown');
      expect([...(source.snapshot().lastKnownIds ?? [])]).toEqual(['/web']);
      expect(changes.slice(before)).toEqual([{ all: true }]);
    });

    it('finds a folder it may no longer list: Unknown', async ({ skip }) => {
      if (process.getuid?.() === 0) skip('root lists any folder whatever its mode');
      const dir = await tempDir();
      await writeFile(join(dir, 'web.yaml'), manifestYaml({ name: 'web' }));
      const { source } = await started(dir, { watch: false });
      await chmod(dir, 0o000);
      try {
        await source.confirm(0);
        expect(source.snapshot().state).toBe('Unknown');
      } finally {
        await chmod(dir, 0o755);
      }
    });

    it('reads a folder put in place of the one it listed, as the folder it now is', async () => {
      const parent = await tempDir();
      const dir = join(parent, 'manifests');
      await mkdir(dir);
      await writeFile(join(dir, 'web.yaml'), manifestYaml({ name: 'web' }));
      const { source } = await started(dir, { watch: false });
      await rename(dir, join(parent, 'old'));
      await mkdir(dir);
      await writeFile(join(dir, 'api.yaml'), manifestYaml({ name: 'api' }));
      await source.confirm(0);
      expect(source.snapshot().state).toBe('Ready');
      // A file that new is read once it has been left alone for a while, and a file gone is
      // gone once it has stayed away as long (settle.ts).
      await until(() => source.snapshot().apps.has('/api') && !source.snapshot().apps.has('/web'), 'the new folder read');
      expect([...source.snapshot().apps.keys()]).toEqual(['/api']);
    });

    it('leaves the same folder, still listable, as it was: no rescan, no change', async () => {
      const dir = await tempDir();
      await writeFile(join(dir, 'web.yaml'), manifestYaml({ name: 'web' }));
      let stamped = 0;
      const stamp = (abs: string) => {
        stamped++;
        return stampOf(abs);
      };
      const { source, changes } = await started(dir, { watch: false, stamp });
      const before = { stamped, changes: idsIn(changes).length };
      await Promise.all([source.confirm(0), source.confirm(0)]);
      expect({ stamped, changes: idsIn(changes).length }).toEqual(before);
      expect(source.snapshot().state).toBe('Ready');
    });
  });

  it('picks up a saved file and names the ids it changed', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'web.yaml'), manifestYaml({ name: 'web', instances: 1 }));
    const { source, changes } = await started(dir);
    await writeFile(join(dir, 'web.yaml'), manifestYaml({ name: 'web', instances: 3 }));
    await until(() => source.snapshot().apps.get('/web')?.definition.instances === 3, 'the change');
    expect(idsIn(changes)).toContain('/web');
  });

  it('with watchAfter, starts watching only once it settles, and then sees what changed meanwhile', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'web.yaml'), manifestYaml({ name: 'web', instances: 1 }));
    let allow = (): void => undefined;
    const watchAfter = new Promise<void>((resolve) => {
      allow = resolve;
    });
    const { source } = await started(dir, { watchAfter });
    // Read, and no watcher: a change now is seen only once the watcher starts (or by a resync).
    expect(source.watching).toBe(false);
    await writeFile(join(dir, 'web.yaml'), manifestYaml({ name: 'web', instances: 2 }));
    expect(source.watching).toBe(false);
    allow();
    // The watcher, once ready, has the folder read again: the change made before it is seen.
    await until(() => source.snapshot().apps.get('/web')?.definition.instances === 2, 'the change made before the watch');
    await writeFile(join(dir, 'web.yaml'), manifestYaml({ name: 'web', instances: 3 }));
    await until(() => source.snapshot().apps.get('/web')?.definition.instances === 3, 'a change seen by the watcher');
  });

  it('sees an editor atomic save (write temporary file, rename over) as one change of the real file', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'web.yaml'), manifestYaml({ name: 'web', mem: 32 }));
    const { source, changes } = await started(dir);
    const before = changes.length;
    await writeFile(join(dir, '.web.yaml.tmp'), manifestYaml({ name: 'web', mem: 64 }));
    await rename(join(dir, '.web.yaml.tmp'), join(dir, 'web.yaml'));
    await until(() => source.snapshot().apps.get('/web')?.definition.mem === 64, 'the saved file');
    await new Promise((r) => setTimeout(r, 300));
    const withWeb = changes.slice(before).filter((c) => 'ids' in c && c.ids.has('/web'));
    expect(withWeb).toHaveLength(1);
  });

  it('makes the apps of a broken file invalid, protects what it declared before, and leaves other files alone', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'web.yaml'), manifestYaml({ name: 'web', group: 'demo' }));
    await writeFile(join(dir, 'other.yaml'), manifestYaml({ name: 'other', group: 'demo' }));
    const { source } = await started(dir);
    await writeFile(join(dir, 'web.yaml'), 'apiVersion: maracker/v1\nkind: App\nmetadata: [unclosed\n');
    await until(() => source.snapshot().invalid.has('/demo/web'), 'the broken file');
    const snap = source.snapshot();
    expect(snap.apps.has('/demo/web')).toBe(false);
    expect(snap.apps.has('/demo/other')).toBe(true);
    expect(snap.unknownSourceLabels.has('file:web.yaml')).toBe(true);
    const problem = snap.invalid.get('/demo/web')?.[0];
    expect(problem?.location).toMatchObject({ file: 'manifests/web.yaml', line: expect.any(Number), column: expect.any(Number) });
    expect(snap.lastError).toMatchObject({ file: 'manifests/web.yaml' });
  });

  it('reports an id declared by two files as a conflict of both', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.yaml'), manifestYaml({ name: 'web' }));
    await writeFile(join(dir, 'b.yaml'), manifestYaml({ name: 'web', mem: 64 }));
    const { source } = await started(dir);
    expect(source.snapshot().apps.has('/web')).toBe(false);
    expect(conflictPaths(source, '/web')).toEqual(['a.yaml', 'b.yaml']);
  });

  it("lists a conflict in the folder's order when the first file had to settle at start-up", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.yaml'), manifestYaml({ name: 'web' }));
    await writeFile(join(dir, 'b.yaml'), manifestYaml({ name: 'web', mem: 64 }));
    // a.yaml looks just written (a time in the future counts as now): it is read once it has
    // stayed the same for the settle time, after b.yaml.
    const future = new Date(Date.now() + 60_000);
    await utimes(join(dir, 'a.yaml'), future, future);
    const past = new Date(Date.now() - 60_000);
    await utimes(join(dir, 'b.yaml'), past, past);
    const { source } = await started(dir, { watch: false });
    expect(conflictPaths(source, '/web')).toEqual(['a.yaml', 'b.yaml']);
  });

  it('drops the apps of a deleted file', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'web.yaml'), manifestYaml({ name: 'web' }));
    const { source } = await started(dir);
    await rm(join(dir, 'web.yaml'));
    await until(() => !source.snapshot().apps.has('/web'), 'the removal');
    expect(source.snapshot().invalid.size).toBe(0);
  });

  it('rescans after a burst of events instead of trusting them, so nothing lost in an overflow is missed', async () => {
    const dir = await tempDir();
    const { source, changes } = await started(dir, { burstThreshold: 20, burstQuietMs: 100, burstSettleMs: 200 });
    await Promise.all(Array.from({ length: 150 }, (_, i) => writeFile(join(dir, `app${i}.yaml`), manifestYaml({ name: `app${i}` }))));
    await until(() => source.snapshot().apps.size === 150, 'all 150 apps', 10_000);
    // Far fewer notifications than files: the burst collapsed into rescans.
    expect(changes.length).toBeLessThan(20);
  });

  it('reports the git commit of the folder and whether it is dirty', async () => {
    const repo = await tempDir();
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.email=t@x', '-c', 'user.name=t', ...args], { encoding: 'utf8' }).trim();
    git('init', '-q');
    await mkdir(join(repo, 'manifests'));
    await writeFile(join(repo, 'manifests', 'web.yaml'), manifestYaml({ name: 'web' }));
    git('add', '.');
    git('commit', '-qm', 'web');
    const { source } = await started(join(repo, 'manifests'));
    await until(() => source.snapshot().revision !== undefined, 'the revision');
    expect(source.snapshot()).toMatchObject({ revision: git('rev-parse', 'HEAD'), dirty: false });
  });

  it('says why a checkout it may not read has no revision, in the snapshot and once in the log', async () => {
    const repo = await tempDir();
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.email=t@x', '-c', 'user.name=t', ...args], { encoding: 'utf8' }).trim();
    git('init', '-q');
    await mkdir(join(repo, 'manifests'));
    await writeFile(join(repo, 'manifests', 'web.yaml'), manifestYaml({ name: 'web' }));
    git('add', '.');
    git('commit', '-qm', 'web');
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const other = (process.geteuid?.() ?? 0) + 4242;
    const { source } = await started(join(repo, 'manifests'), {
      logger: createLogger({ level: 'warn', destination }),
      git: { env: gitEnvironment({ PATH: process.env.PATH }), uid: other },
    });
    await until(() => source.snapshot().revisionError !== undefined, 'the reason');
    expect(source.snapshot().revision).toBeUndefined();
    expect(source.snapshot().revisionError).toContain(`maracker runs as uid ${other}`);
    await source.resync();
    await source.resync();
    await until(() => lines.length > 0, 'the warning');
    expect(lines.filter((l) => l.includes('git revision of the manifests folder unavailable'))).toHaveLength(1);
  });
});
