import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/base/log.js';
import { GitMirror } from '../../src/git/mirror.js';
import { passwordFileCredentials } from '../../src/git/password-file.js';
import { parseRemote, type RemoteCredentials } from '../../src/git/remote.js';
import { gitEnvironment } from '../../src/git/run.js';
import type { SourceChange } from '../../src/sources/source.js';
import { GitSource } from '../../src/sources/git-repo.js';
import { gitDaemon, gitHttpServer, upstream } from '../helpers/git-remote.js';
import { plantBareRepository } from '../helpers/planted-git.js';
import { recordingLogger } from '../helpers/log-lines.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { manifestYaml } from '../helpers/manifests.js';
import { tempDir } from '../helpers/tmp.js';

const env = gitEnvironment({ PATH: process.env.PATH, HOME: '/nonexistent' });

async function source(
  url: string,
  o: { path?: string; ref?: string; creds?: RemoteCredentials; clock?: ManualClock; logger?: ReturnType<typeof recordingLogger> } = {},
) {
  const parsed = parseRemote(url, o.creds ?? {}, '/');
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const data = await tempDir('maracker-clone-');
  const mirror = new GitMirror({ dir: join(data, 'clone.git'), remote: parsed.remote, ref: o.ref ?? 'main', env });
  const changes: SourceChange[] = [];
  const s = new GitSource({
    mirror,
    url: parsed.remote.display,
    ref: o.ref ?? 'main',
    path: o.path ?? 'manifests',
    logger: o.logger?.logger ?? silentLogger(),
    timers: o.clock ?? new ManualClock(),
    random: () => 0.5,
  });
  await s.start((c) => changes.push(c));
  return { s, changes, mirror };
}

const ids = (s: GitSource): string[] => [...s.snapshot().apps.keys()].sort();

/** The commit that last changed the manifest of app `id`. */
function commitOf(s: GitSource, id: string): string | undefined {
  const source = s.snapshot().apps.get(id as never)?.source;
  return source?.kind === 'file' ? source.commit : undefined;
}

/** A clone of `bare`'s main, created (empty) in a folder of its own. */
async function mirrorOf(bare: string, o: { tidyLooseObjects?: number; tidyPacks?: number } = {}) {
  const parsed = parseRemote(bare, {}, '/');
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const dir = join(await tempDir('maracker-clone-'), 'clone.git');
  const mirror = new GitMirror({ dir, remote: parsed.remote, ref: 'main', env, ...o });
  expect(await mirror.ensure()).toEqual({ ok: true });
  return { mirror, dir, display: parsed.remote.display };
}

/**
 * A fetch that fails (the remote gone: git ends as a killed one would have, the source
 * Unknown), `meanwhile` run, then the remote back with a commit adding /api: the next fetch
 * must be the one that reads it.
 */
async function failOnceThenAddApi(up: Awaited<ReturnType<typeof upstream>>, s: GitSource, meanwhile: () => Promise<void>): Promise<void> {
  await rename(up.bare, `${up.bare}.away`);
  await s.sync();
  expect(s.snapshot().state).toBe('Unknown');
  await meanwhile();
  await rename(`${up.bare}.away`, up.bare);
  await up.write('manifests/api.yaml', manifestYaml({ name: 'api' }));
  up.commit('second');
  await s.sync();
  expect(s.snapshot().state).toBe('Ready');
  expect(ids(s)).toEqual(['/api', '/web']);
}

describe('GitSource', () => {
  it('reads the manifests of the commit the ref names, and shows that commit', async () => {
    const up = await upstream();
    await up.write('manifests/web.yaml', manifestYaml({ name: 'web' }));
    await up.write('manifests/team/api.yml', manifestYaml({ name: 'api', group: 'team' }));
    await up.write('README.md', 'not a manifest');
    const c1 = up.commit('add web and api');
    const { s } = await source(up.bare);
    const snap = s.snapshot();
    expect(snap.state).toBe('Ready');
    expect(ids(s)).toEqual(['/team/api', '/web']);
    expect(snap.revision).toBe(c1);
    expect(snap.commit).toMatchObject({ hash: c1, subject: 'add web and api', author: 'ops <ops@example.org>' });
    expect(Date.parse(snap.commit?.time ?? '')).not.toBeNaN();
    expect(snap.remote).toEqual({ url: up.bare, ref: 'main', path: 'manifests' });
    expect(snap.apps.get('/web' as never)?.source).toMatchObject({ kind: 'file', path: 'web.yaml', commit: c1 });
  });

  it('per app, names the commit that last changed its manifest, not the newest commit', async () => {
    const up = await upstream();
    await up.write('manifests/web.yaml', manifestYaml({ name: 'web' }));
    await up.write('manifests/api.yaml', manifestYaml({ name: 'api' }));
    const c1 = up.commit('first');
    const { s } = await source(up.bare);
    await up.write('manifests/api.yaml', manifestYaml({ name: 'api', instances: 2 }));
    const c2 = up.commit('scale api');
    await up.write('other.txt', 'x');
    const c3 = up.commit('unrelated');
    await s.sync();
    expect(s.snapshot().revision).toBe(c3);
    expect(commitOf(s, '/web')).toBe(c1);
    expect(commitOf(s, '/api')).toBe(c2);
    expect(s.snapshot().apps.get('/api' as never)?.definition.instances).toBe(2);
  });

  it('the same at the first read of a repository with history', async () => {
    const up = await upstream();
    await up.write('manifests/web.yaml', manifestYaml({ name: 'web' }));
    const c1 = up.commit('first');
    await up.write('manifests/api.yaml', manifestYaml({ name: 'api' }));
    const c2 = up.commit('second');
    const { s } = await source(up.bare);
    expect([commitOf(s, '/web'), commitOf(s, '/api')]).toEqual([c1, c2]);
  });

  it('an unchanged ref costs the fetch alone: no listing, no read', async () => {
    const up = await upstream();
    await up.write('manifests/web.yaml', manifestYaml({ name: 'web' }));
    up.commit('first');
    const { s, mirror, changes } = await source(up.bare);
    const tree = vi.spyOn(mirror, 'tree');
    const blobs = vi.spyOn(mirror, 'blobs');
    const before = changes.length;
    await s.sync();
    await s.sync();
    expect([tree.mock.calls.length, blobs.mock.calls.length, changes.length - before]).toEqual([0, 0, 0]);
    const reads = mirror.readCounts;
    await up.write('manifests/web.yaml', manifestYaml({ name: 'web', instances: 2 }));
    up.commit('second');
    await s.sync();
    // Listed while the commit was read (the root tree and manifests/, through the cat-file
    // process already running: none started), the one changed blob read.
    expect(tree.mock.calls).toEqual([]);
    expect(mirror.readCounts).toEqual({ catFileStarts: reads.catFileStarts, treesRead: reads.treesRead + 2 });
    expect(reads.catFileStarts).toBe(1);
    expect(blobs.mock.calls.at(-1)?.[0]).toHaveLength(1);
    expect(changes.slice(before)).toEqual([{ ids: new Set(['/web']) }]);
  });

  it('a half-valid commit: valid apps apply, an invalid file keeps protecting the apps it declared', async () => {
    const up = await upstream();
    await up.write('manifests/web.yaml', manifestYaml({ name: 'web' }));
    await up.write('manifests/api.yaml', manifestYaml({ name: 'api' }));
    up.commit('first');
    const { s } = await source(up.bare);
    await up.write('manifests/web.yaml', manifestYaml({ name: 'web', instances: 3 }));
    await up.write('manifests/api.yaml', 'apiVersion: maracker/v1\nkind: App\nmetadata: {name: api}\nspec: [broken\n');
    up.commit('half valid');
    await s.sync();
    const snap = s.snapshot();
    expect(snap.state).toBe('Ready');
    expect(snap.apps.get('/web' as never)?.definition.instances).toBe(3);
    expect([...snap.invalid.keys()]).toEqual(['/api']);
    expect(snap.problems[0]?.location.file).toBe('api.yaml');
    // Both forms: git:, and the file: a git source wrote before its files were labelled git:.
    expect([...snap.unknownSourceLabels].sort()).toEqual(['file:api.yaml', 'git:api.yaml']);
    expect(snap.apps.get('/web' as never)?.definition.labels?.['maracker.source']).toBe('git:web.yaml');
  });

  it('reads only the blobs whose id changed; an unchanged blob keeps its parse; a force-push back re-reads what differs', async () => {
    const up = await upstream();
    await up.write('manifests/web.yaml', manifestYaml({ name: 'web' }));
    await up.write('manifests/api.yaml', manifestYaml({ name: 'api' }));
    await up.write('manifests/team/db.yaml', manifestYaml({ name: 'db', group: 'team' }));
    const c1 = up.commit('first');
    const blobOf = (commit: string, rel: string): string => up.git('rev-parse', `${commit}:manifests/${rel}`);
    const { s, mirror } = await source(up.bare);
    const blobs = vi.spyOn(mirror, 'blobs');
    const asked = (): string[] => blobs.mock.calls.flatMap((c) => [...c[0]]);

    await up.write('manifests/web.yaml', manifestYaml({ name: 'web', instances: 3 }));
    const c2 = up.commit('scale web');
    await s.sync();
    expect(asked()).toEqual([blobOf(c2, 'web.yaml')]);
    expect(s.snapshot().apps.get('/web' as never)?.definition.instances).toBe(3);

    // The old content again: a blob id this source read before, at another commit. Still read
    // (only the commit in force is kept), and what it says is what the old commit says.
    blobs.mockClear();
    up.forcePush(c1);
    await s.sync();
    expect(s.snapshot().revision).toBe(c1);
    expect(asked()).toEqual([blobOf(c1, 'web.yaml')]);
    expect(s.snapshot().apps.get('/web' as never)?.definition.instances).toBe(1);
    expect(ids(s)).toEqual(['/api', '/team/db', '/web']);

    // A file moved with the same content is read under its new name (its apps name their file).
    blobs.mockClear();
    up.git('reset', '-q', '--hard', c1);
    up.git('mv', 'manifests/team/db.yaml', 'manifests/db.yaml');
    up.commit('move db');
    await s.sync();
    expect(asked()).toEqual([blobOf(c1, 'team/db.yaml')]);
    expect(s.snapshot().apps.get('/team/db' as never)?.source).toMatchObject({ kind: 'file', path: 'db.yaml' });
  });

  it('follows a force-push to an older commit, and logs it', async () => {
    const up = await upstream();
    await up.write('manifests/web.yaml', manifestYaml({ name: 'web' }));
    const c1 = up.commit('first');
    const log = recordingLogger();
    const { s } = await source(up.bare, { logger: log });
    await up.write('manifests/api.yaml', manifestYaml({ name: 'api' }));
    up.commit('second');
    await s.sync();
    expect(ids(s)).toEqual(['/api', '/web']);
    up.forcePush(c1);
    await s.sync();
    expect(s.snapshot().revision).toBe(c1);
    expect(ids(s)).toEqual(['/web']);
    expect(log.messages().some((m) => /rewritten \(force-push\)/.test(m))).toBe(true);
  });

  it('a remote that cannot be read makes the source Unknown, never empty, and it recovers', async () => {
    const up = await upstream();
    await up.write('manifests/web.yaml', manifestYaml({ name: 'web' }));
    const c1 = up.commit('first');
    const http = await gitHttpServer(up.base);
    const { s, changes } = await source(http.url('origin.git'));
    expect(ids(s)).toEqual(['/web']);
    await http.stop();
    await s.sync();
    const down = s.snapshot();
    expect(down.state).toBe('Unknown');
    expect([...(down.lastKnownIds ?? [])]).toEqual(['/web']);
    expect(down.revision).toBe(c1);
    expect(down.lastError?.message).toMatch(/^cannot fetch main from http:\/\/127\.0\.0\.1:\d+\/origin\.git: fatal: unable to access/);
    expect(changes.at(-1)).toEqual({ all: true });
    // Still down: the ids stay protected.
    await s.sync();
    expect([...(s.snapshot().lastKnownIds ?? [])]).toEqual(['/web']);
    await http.start();
    await up.write('manifests/api.yaml', manifestYaml({ name: 'api' }));
    up.commit('second');
    // The port may differ after a restart only if it was free; it is the same server here.
    await s.sync();
    expect(s.snapshot().state).toBe('Ready');
    expect(ids(s)).toEqual(['/api', '/web']);
  });

  it('a missing ref or a missing path is Unknown too, with the reason', async () => {
    const up = await upstream();
    await up.write('manifests/web.yaml', manifestYaml({ name: 'web' }));
    up.commit('first');
    const noRef = await source(up.bare, { ref: 'release' });
    expect(noRef.s.snapshot().state).toBe('Unknown');
    expect(noRef.s.snapshot().lastError?.message).toBe(`ref release not found in ${up.bare}`);
    const noPath = await source(up.bare, { path: 'deploy' });
    expect(noPath.s.snapshot().state).toBe('Unknown');
    expect(noPath.s.snapshot().lastError?.message).toMatch(/^--git-path deploy: deploy is missing in commit [0-9a-f]{12}, not a folder$/);

    // A path that disappears later keeps the last commit's ids protected.
    const { s } = await source(up.bare);
    await up.remove('manifests');
    await up.write('keep.txt', 'x');
    up.commit('move away');
    await s.sync();
    expect(s.snapshot().state).toBe('Unknown');
    expect([...(s.snapshot().lastKnownIds ?? [])]).toEqual(['/web']);
  });

  it('a commit whose folder holds no manifest is a real emptying (Ready, no apps)', async () => {
    const up = await upstream();
    await up.write('manifests/web.yaml', manifestYaml({ name: 'web' }));
    up.commit('first');
    const { s } = await source(up.bare);
    await up.remove('manifests/web.yaml');
    await up.write('manifests/README.md', 'nothing here');
    up.commit('empty it');
    await s.sync();
    expect(s.snapshot().state).toBe('Ready');
    expect(ids(s)).toEqual([]);
  });

  it('refuses hostile entries of a commit by name: links out of the tree, huge files, submodules, non-text', async () => {
    const up = await upstream();
    await up.write('manifests/web.yaml', manifestYaml({ name: 'web' }));
    await up.write('manifests/shared/api.yaml', manifestYaml({ name: 'api' }));
    up.git('-C', up.work, 'config', 'core.symlinks', 'true');
    const { symlinkSync } = await import('node:fs');
    symlinkSync('/etc/passwd', join(up.work, 'manifests/passwd.yaml'));
    symlinkSync('../../outside.yaml', join(up.work, 'manifests/escape.yaml'));
    symlinkSync('shared/api.yaml', join(up.work, 'manifests/alias.yaml'));
    symlinkSync('loop2.yaml', join(up.work, 'manifests/loop1.yaml'));
    symlinkSync('loop1.yaml', join(up.work, 'manifests/loop2.yaml'));
    await up.write('manifests/huge.yaml', `# ${'x'.repeat(2_000_000)}\n`);
    await up.write('manifests/binary.yaml', 'a\0b');
    up.commit('hostile');
    const { s } = await source(up.bare);
    const snap = s.snapshot();
    const byFile = new Map(snap.problems.map((p) => [p.location.file, `${p.code}: ${p.message}`]));
    expect(byFile.get('passwd.yaml')).toBe('link-outside: symbolic link to a place outside the manifests folder; not read');
    expect(byFile.get('escape.yaml')).toBe('link-outside: symbolic link to a place outside the manifests folder; not read');
    expect(byFile.get('huge.yaml')).toMatch(/^limit-exceeded: file is larger than 1048576 bytes \(--max-file-bytes\); not read$/);
    expect(byFile.get('binary.yaml')).toMatch(/^not-text: /);
    expect(byFile.get('loop1.yaml')).toMatch(/^link-loop: /);
    expect(byFile.has('alias.yaml')).toBe(false);
    // The link inside the tree reads its target: /api twice is a conflict (as in a folder).
    expect([...snap.conflicts.keys()]).toEqual(['/api']);
    expect(ids(s)).toEqual(['/web']);
  });

  it('a repository planted in the manifests folder is blobs: its configuration never runs', async () => {
    const up = await upstream();
    await up.write('manifests/web.yaml', manifestYaml({ name: 'web' }));
    const first = up.commit('first');
    const markerDir = await tempDir();
    const planted = await plantBareRepository(join(up.work, 'manifests'), { markerDir, realObjects: join(up.bare, 'objects'), headCommit: first });
    up.commit('plant a repository');
    const { s } = await source(up.bare);
    expect(ids(s)).toEqual(['/web']);
    expect(existsSync(planted.marker)).toBe(false);
  });

  it('a "link" whose target is no path (thousands of bytes) is refused unread', async () => {
    const up = await upstream();
    await up.write('manifests/web.yaml', manifestYaml({ name: 'web' }));
    await up.write('big-target', 'x'.repeat(5000));
    up.commit('first');
    const oid = up.git('hash-object', '-w', 'big-target');
    up.git('update-index', '--add', '--cacheinfo', `120000,${oid},manifests/odd.yaml`);
    up.git('commit', '-q', '-m', 'odd link');
    up.git('push', '-q', '--force', 'origin', 'HEAD:main');
    const { s } = await source(up.bare);
    const p = s.snapshot().problems.find((x) => x.location.file === 'odd.yaml');
    expect(`${p?.code}: ${p?.message}`).toBe('unreadable: cannot read file (a symbolic link whose target is longer than 4096 bytes)');
    expect(ids(s)).toEqual(['/web']);
  });

  it('a submodule named like a manifest is refused, not cloned', async () => {
    const up = await upstream();
    await up.write('manifests/web.yaml', manifestYaml({ name: 'web' }));
    up.commit('first');
    const head = up.git('rev-parse', 'HEAD');
    up.git('update-index', '--add', '--cacheinfo', `160000,${head},manifests/sub.yaml`);
    up.git('commit', '-q', '-m', 'gitlink');
    up.git('push', '-q', '--force', 'origin', 'HEAD:main');
    const { s } = await source(up.bare);
    const p = s.snapshot().problems.find((x) => x.location.file === 'sub.yaml');
    expect(`${p?.code}: ${p?.message}`).toBe('not-a-file: a submodule (a commit of another repository), not a file; not read');
    expect(ids(s)).toEqual(['/web']);
  });

  it('fetches git:// from git daemon on a loopback address, without any proxy command of the user configuration', async () => {
    const up = await upstream();
    await up.write('manifests/web.yaml', manifestYaml({ name: 'web' }));
    up.commit('first');
    const daemon = await gitDaemon(up.base);
    // git takes the first core.gitProxy it finds (the user's before any -c): the fetch's
    // environment must keep this one from running.
    const home = await tempDir();
    const ran = join(home, 'proxy-ran');
    await writeFile(join(home, 'proxy'), `#!/bin/sh\ntouch '${ran}'\nexit 1\n`, { mode: 0o755 });
    await writeFile(join(home, '.gitconfig'), `[core]\n\tgitProxy = ${join(home, 'proxy')}\n`);
    const parsed = parseRemote(daemon.url('origin.git'), {}, '/');
    if (!parsed.ok) throw new Error(parsed.problems.join());
    expect(parsed.remote.transport).toBe('git');
    const data = await tempDir();
    const mirror = new GitMirror({
      dir: join(data, 'clone.git'),
      remote: parsed.remote,
      ref: 'main',
      env: gitEnvironment({ PATH: process.env.PATH, HOME: home }),
    });
    const s = new GitSource({ mirror, url: parsed.remote.display, ref: 'main', path: 'manifests', logger: silentLogger(), timers: new ManualClock() });
    await s.start(() => undefined);
    expect(s.snapshot().lastError?.message).toBeUndefined();
    expect(ids(s)).toEqual(['/web']);
    expect(existsSync(ran)).toBe(false);
    await s.stop();
  });

  it('fetches over http with basic credentials that never show', async () => {
    const up = await upstream();
    await up.write('manifests/web.yaml', manifestYaml({ name: 'web' }));
    up.commit('first');

    const http = await gitHttpServer(up.base, { user: 'deploy', password: 's3cret-token' });
    const log = recordingLogger();
    const ok = await source(http.url('origin.git'), { creds: { username: 'deploy', password: 's3cret-token' }, logger: log });
    expect(ids(ok.s)).toEqual(['/web']);
    expect(http.requests.every((r) => r.authorization === `Basic ${Buffer.from('deploy:s3cret-token').toString('base64')}`)).toBe(true);

    const refused = await source(http.url('origin.git'), { creds: { username: 'deploy', password: 'wrong-token' }, logger: log });
    expect(refused.s.snapshot().state).toBe('Unknown');
    expect(refused.s.snapshot().lastError?.message).toMatch(
      /^cannot fetch main from http:\/\/127\.0\.0\.1:\d+\/origin\.git: authentication refused \(check --git-username and --git-password\)$/,
    );
    const text = JSON.stringify(log.lines()) + JSON.stringify(refused.s.snapshot().lastError);
    expect(text).not.toContain('s3cret-token');
    expect(text).not.toContain('wrong-token');
    expect(text).not.toContain(Buffer.from('deploy:wrong-token').toString('base64'));
  });

  it('a --git-password-file is read again before every fetch: a rotated token is used without a restart, a vanished file keeps the apps', async () => {
    const up = await upstream();
    await up.write('manifests/web.yaml', manifestYaml({ name: 'web' }));
    up.commit('first');
    const basic = { user: 'deploy', password: 'token-one-1234' };
    const http = await gitHttpServer(up.base, basic);
    const file = join(await tempDir(), 'token');
    await writeFile(file, 'token-one-1234\n');
    const parsed = parseRemote(http.url('origin.git'), { username: 'deploy', password: 'token-one-1234' }, '/');
    if (!parsed.ok) throw new Error(parsed.problems.join());
    const log = recordingLogger();
    const mirror = new GitMirror({
      dir: join(await tempDir(), 'clone.git'),
      remote: parsed.remote,
      ref: 'main',
      env,
      credentials: passwordFileCredentials(file, 'deploy'),
    });
    const s = new GitSource({ mirror, url: parsed.remote.display, ref: 'main', path: 'manifests', logger: log.logger, timers: new ManualClock() });
    await s.start(() => undefined);
    expect(ids(s)).toEqual(['/web']);

    // The forge rotates the token: refused until the file has the new one, then fetched.
    basic.password = 'token-two-5678';
    await up.write('manifests/api.yaml', manifestYaml({ name: 'api' }));
    up.commit('second');
    await s.sync();
    expect(s.snapshot().state).toBe('Unknown');
    expect(s.snapshot().lastError?.message).toMatch(/authentication refused/);
    await writeFile(file, 'token-two-5678\n');
    await s.sync();
    expect(s.snapshot().state).toBe('Ready');
    expect(ids(s)).toEqual(['/api', '/web']);
    expect(http.requests.at(-1)?.authorization).toBe(`Basic ${Buffer.from('deploy:token-two-5678').toString('base64')}`);

    // The file vanishes (a secret store between two versions): Unknown with the reason, the apps kept.
    await rm(file);
    await s.sync();
    expect(s.snapshot().state).toBe('Unknown');
    expect(s.snapshot().lastError?.message).toBe(`cannot fetch main from ${parsed.remote.display}: --git-password-file: cannot read ${file} (ENOENT)`);
    expect([...(s.snapshot().lastKnownIds ?? [])].sort()).toEqual(['/api', '/web']);
    const shown = JSON.stringify(log.lines()) + JSON.stringify(s.snapshot());
    expect(shown).not.toContain('token-two-5678');
    expect(shown).not.toContain(Buffer.from('deploy:token-two-5678').toString('base64'));
    await s.stop();
  });

  it('credentials written in the URL are moved out of it', async () => {
    const up = await upstream();
    await up.write('manifests/web.yaml', manifestYaml({ name: 'web' }));
    up.commit('first');
    const http = await gitHttpServer(up.base, { user: 'deploy', password: 'in-url-token' });
    const { s } = await source(http.url('origin.git').replace('http://', 'http://deploy:in-url-token@'));
    expect(ids(s)).toEqual(['/web']);
    expect(s.snapshot().remote?.url).not.toContain('in-url-token');
  });

  it('fetches again on a jittered interval, and backs off while the remote fails', async () => {
    const up = await upstream();
    await up.write('manifests/web.yaml', manifestYaml({ name: 'web' }));
    up.commit('first');
    const clock = new ManualClock();
    const { s, mirror } = await source(up.bare, { clock });
    const fetch = vi.spyOn(mirror, 'fetch');
    expect(clock.pending).toBe(1);
    await up.write('manifests/api.yaml', manifestYaml({ name: 'api' }));
    up.commit('second');
    // random() = 0.5, jitter 0.2: 30 s less 10%.
    clock.advance(26_999);
    expect(fetch).toHaveBeenCalledTimes(0);
    clock.advance(1);
    expect(fetch).toHaveBeenCalledTimes(1);
    await vi.waitFor(() => expect(ids(s)).toEqual(['/api', '/web']));
    await vi.waitFor(() => expect(clock.pending).toBe(1));

    // The remote goes away: the next fetch fails, and the one after comes sooner (backoff, 2 s less 10%).
    await rm(up.bare, { recursive: true });
    clock.advance(27_000);
    await vi.waitFor(() => expect(s.snapshot().state).toBe('Unknown'));
    await vi.waitFor(() => expect(clock.pending).toBe(1));
    clock.advance(1_799);
    expect(fetch).toHaveBeenCalledTimes(2);
    clock.advance(1);
    expect(fetch).toHaveBeenCalledTimes(3);
    await s.stop();
    expect(clock.pending).toBe(0);
  });

  it("a fetch killed half-way leaves no disk behind: git's temporary files of what it had received are removed before the next fetch", async () => {
    const up = await upstream();
    await up.write('manifests/web.yaml', manifestYaml({ name: 'web' }));
    up.commit('first');
    const { mirror, dir, display } = await mirrorOf(up.bare);
    // What git leaves when killed while it receives (the names it gives them): an object being
    // unpacked, a pack and its index being kept, a repack's pack.
    const leftovers = ['objects/93/tmp_obj_j4vJzK', 'objects/pack/tmp_pack_Ab12Cd', 'objects/pack/tmp_idx_Ab12Cd', 'objects/pack/.tmp-4242-pack-0a1b.pack'];
    const plant = async (): Promise<void> => {
      for (const rel of leftovers) {
        await mkdir(join(dir, rel, '..'), { recursive: true });
        await writeFile(join(dir, rel), Buffer.alloc(64 * 1024, 1));
      }
    };
    // Named like an object: not a leftover, left alone.
    const object = join(dir, 'objects', '93', 'a'.repeat(38));
    await plant();
    await writeFile(object, 'x');
    const s = new GitSource({ mirror, url: display, ref: 'main', path: 'manifests', logger: silentLogger(), timers: new ManualClock() });
    await s.start(() => undefined);
    try {
      expect(s.snapshot().state).toBe('Ready');
      for (const rel of leftovers) expect(existsSync(join(dir, rel)), rel).toBe(false);
      expect(existsSync(object)).toBe(true);

      // A fetch that failed: the next one removes what it may have left.
      await failOnceThenAddApi(up, s, plant);
      for (const rel of leftovers) expect(existsSync(join(dir, rel)), rel).toBe(false);

      // After a fetch that ended well, nothing is looked for (a push's fetch is not held up).
      await plant();
      await s.sync();
      for (const rel of leftovers) expect(existsSync(join(dir, rel)), rel).toBe(true);
    } finally {
      await s.stop();
    }
  });

  it('a fetch killed half-way does not block the next ones (its stale lock is removed)', async () => {
    const up = await upstream();
    await up.write('manifests/web.yaml', manifestYaml({ name: 'web' }));
    up.commit('first');
    // The daemon killed during a fetch: the next process finds the lock before its first fetch.
    const { mirror, dir, display } = await mirrorOf(up.bare);
    await mkdir(join(dir, 'refs', 'maracker'), { recursive: true });
    await writeFile(join(dir, 'refs', 'maracker', 'target.lock'), '');
    const s = new GitSource({ mirror, url: display, ref: 'main', path: 'manifests', logger: silentLogger(), timers: new ManualClock() });
    await s.start(() => undefined);
    expect(s.snapshot().state).toBe('Ready');
    expect(ids(s)).toEqual(['/web']);

    // A fetch that failed (git killed: what it leaves, with the remote gone meanwhile): the next one
    // removes the lock first.
    await failOnceThenAddApi(up, s, () => writeFile(join(dir, 'refs', 'maracker', 'target.lock'), ''));
    await s.stop();
  });
});

/** Loose objects in a clone: files named by an object id in objects/xx/. */
async function looseObjects(clone: string): Promise<number> {
  const { readdir } = await import('node:fs/promises');
  let n = 0;
  for (const dir of await readdir(join(clone, 'objects'))) {
    if (!/^[0-9a-f]{2}$/.test(dir)) continue;
    n += (await readdir(join(clone, 'objects', dir))).length;
  }
  return n;
}

async function packs(clone: string): Promise<number> {
  const { readdir } = await import('node:fs/promises');
  return (await readdir(join(clone, 'objects', 'pack'))).filter((f) => f.endsWith('.pack')).length;
}

describe('GitMirror.tidy', () => {
  it('packs every object into one pack, those no ref reaches any more included, and every commit still reads', async () => {
    const up = await upstream();
    await up.write('manifests/web.yaml', manifestYaml({ name: 'web' }));
    const c1 = up.commit('first');
    const { mirror, dir } = await mirrorOf(up.bare, { tidyPacks: 1 });
    try {
      expect(await mirror.fetch(undefined)).toMatchObject({ ok: true, commit: c1 });
      await up.write('manifests/web.yaml', manifestYaml({ name: 'web', instances: 2 }));
      const c2 = up.commit('scale web');
      expect(await mirror.fetch(c1)).toMatchObject({ ok: true, commit: c2 });
      // History rewritten back to c1: c2 is reached by no ref of the clone any more.
      up.forcePush(c1);
      expect(await mirror.fetch(c2)).toMatchObject({ ok: true, commit: c1 });
      // Each fetch that brought objects left a pack of its own (the last brought none).
      expect(await packs(dir)).toBe(2);
      const loose = await looseObjects(dir);

      const tidied = await mirror.tidy();
      expect(tidied).toMatchObject({ ok: true, repacked: true, looseObjects: loose, packs: 2 });
      expect(await looseObjects(dir)).toBe(0);
      expect(await packs(dir)).toBe(1);
      for (const commit of [c1, c2]) expect(await mirror.tree(commit, 'manifests')).toMatchObject({ ok: true, entries: [{ path: 'web.yaml' }] });
      const blob = await mirror.tree(c2, 'manifests');
      if (!blob.ok) throw new Error(blob.reason);
      const read = await mirror.blobs([blob.entries[0]?.oid as string], 1 << 20);
      expect(read.ok && read.blobs.size).toBe(1);
      // Packed already: nothing to do.
      expect(await mirror.tidy()).toMatchObject({ ok: true, repacked: false, looseObjects: 0, packs: 1 });
    } finally {
      await mirror.close();
    }
  });

  it('leaves a clone within its bounds as it is', async () => {
    const up = await upstream();
    await up.write('manifests/web.yaml', manifestYaml({ name: 'web' }));
    up.commit('first');
    const { mirror, dir } = await mirrorOf(up.bare);
    try {
      await mirror.fetch(undefined);
      const loose = await looseObjects(dir);
      expect(await mirror.tidy()).toEqual({ ok: true, repacked: false, looseObjects: loose, packs: 1 });
      expect(await looseObjects(dir)).toBe(loose);
      expect(await packs(dir)).toBe(1);
    } finally {
      await mirror.close();
    }
  });
});

describe('GitSource packs its clone', () => {
  it('after the first commit it reads, then after every `tidyEveryCommits` more, once the commit is published', async () => {
    const up = await upstream();
    await up.write('manifests/web.yaml', manifestYaml({ name: 'web' }));
    up.commit('first');
    const { mirror, dir } = await mirrorOf(up.bare, { tidyPacks: 0 });
    const order: string[] = [];
    const tidy = mirror.tidy.bind(mirror);
    vi.spyOn(mirror, 'tidy').mockImplementation(async (o) => {
      order.push('tidy');
      return tidy(o);
    });
    const log = recordingLogger();
    const s = new GitSource({
      mirror,
      url: up.bare,
      ref: 'main',
      path: 'manifests',
      logger: log.logger,
      timers: new ManualClock(),
      random: () => 0.5,
      tidyEveryCommits: 3,
    });
    await s.start(() => order.push('change'));
    try {
      expect(order).toEqual(['change', 'tidy']);
      expect(await packs(dir)).toBe(1);
      expect(log.messages()).toContain('git clone packed into one pack (it held 0 loose objects and 1 packs)');
      for (let i = 2; i <= 6; i++) {
        await up.write('manifests/web.yaml', manifestYaml({ name: 'web', instances: i }));
        up.commit(`scale web to ${i}`);
        await s.sync();
      }
      // Five more commits: packed after the third (commit 4), after which 5 and 6 brought a pack each.
      expect(order.filter((x) => x === 'tidy')).toHaveLength(2);
      expect(order.slice(-3)).toEqual(['tidy', 'change', 'change']);
      expect(await packs(dir)).toBe(3);
      expect(s.snapshot().apps.get('/web' as never)?.definition.instances).toBe(6);
    } finally {
      await s.stop();
    }
  });
});
