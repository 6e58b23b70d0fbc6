import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitEnvironment } from '../../src/git/run.js';
import { readGitRevision, type GitRevisionOptions } from '../../src/sources/git.js';
import { plantBareRepository } from '../helpers/planted-git.js';
import { tempDir } from '../helpers/tmp.js';

const me: GitRevisionOptions = { env: gitEnvironment({ PATH: process.env.PATH }), uid: process.geteuid?.() };

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, '-c', 'user.email=t@example.org', '-c', 'user.name=t', ...args], { encoding: 'utf8' }).trim();
}

/** A repository whose first commit holds manifests/a.yaml. */
async function repoWithManifests(): Promise<string> {
  const repo = await tempDir();
  git(repo, 'init', '-q');
  await mkdir(join(repo, 'manifests'));
  await writeFile(join(repo, 'manifests', 'a.yaml'), 'x: 1\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'first');
  return repo;
}

describe('readGitRevision', () => {
  it('reports the HEAD commit of the work tree that holds the folder, and whether it is dirty there', async () => {
    const repo = await repoWithManifests();
    const head = git(repo, 'rev-parse', 'HEAD');
    expect(await readGitRevision(join(repo, 'manifests'), me)).toEqual({ kind: 'revision', commit: head, dirty: false });
    await writeFile(join(repo, 'manifests', 'b.yaml'), 'y: 2\n');
    expect(await readGitRevision(join(repo, 'manifests'), me)).toEqual({ kind: 'revision', commit: head, dirty: true });
  });

  it('ignores changes outside the manifests folder', async () => {
    const repo = await repoWithManifests();
    await writeFile(join(repo, 'README'), 'elsewhere\n');
    expect(await readGitRevision(join(repo, 'manifests'), me)).toMatchObject({ dirty: false });
  });

  it('has no revision outside a work tree, nor before the first commit', async () => {
    expect(await readGitRevision(await tempDir(), me)).toEqual({ kind: 'none' });
    const fresh = await tempDir();
    git(fresh, 'init', '-q');
    expect(await readGitRevision(fresh, me)).toEqual({ kind: 'none' });
  });

  it('reads the real repository, never a planted one, and runs nothing the planted one names', async () => {
    const repo = await repoWithManifests();
    const first = git(repo, 'rev-parse', 'HEAD');
    const { marker } = await plantBareRepository(join(repo, 'manifests'), { markerDir: repo, realObjects: join(repo, '.git', 'objects'), headCommit: first });
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'planted');
    const head = git(repo, 'rev-parse', 'HEAD');
    expect(await readGitRevision(join(repo, 'manifests'), me)).toEqual({ kind: 'revision', commit: head, dirty: false });
    expect(existsSync(marker)).toBe(false);
  });

  it("refuses, and says how to fix it, a checkout that belongs to another user (git's safe.directory rule)", async () => {
    const repo = await repoWithManifests();
    const root = await realpath(repo);
    const other = (process.geteuid?.() ?? 0) + 4242;
    expect(await readGitRevision(join(repo, 'manifests'), { ...me, uid: other })).toEqual({
      kind: 'unavailable',
      reason: expect.stringContaining(`git refuses ${root}: ${root} belongs to uid ${process.geteuid?.()} and maracker runs as uid ${other}`),
    });

    // Trusting that one path in the user's own configuration lets it through.
    const home = await tempDir();
    await writeFile(join(home, '.gitconfig'), `[safe]\n\tdirectory = ${root}\n`);
    expect(await readGitRevision(join(repo, 'manifests'), { uid: other, env: gitEnvironment({ PATH: process.env.PATH, HOME: home }) })).toMatchObject({
      kind: 'revision',
    });
  });

  it('says why when git itself is missing', async () => {
    const repo = await repoWithManifests();
    expect(await readGitRevision(join(repo, 'manifests'), { ...me, env: { ...me.env, PATH: '/nonexistent' } })).toEqual({
      kind: 'unavailable',
      reason: 'git is not installed (not found on PATH)',
    });
  });
});
