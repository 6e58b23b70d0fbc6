import { mkdir, realpath, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { locateRepository } from '../../src/git/locate.js';
import { gitRepo } from '../helpers/git-repo.js';
import { plantBareRepository } from '../helpers/planted-git.js';
import { tempDir } from '../helpers/tmp.js';

describe('locateRepository', () => {
  it('finds the .git folder of an ancestor, with the folder holding it as the work tree', async () => {
    const repo = await gitRepo();
    await mkdir(join(repo.manifests, 'team', 'web'), { recursive: true });
    const root = await realpath(repo.root);
    expect(await locateRepository(join(repo.manifests, 'team', 'web'))).toEqual({ kind: 'found', gitDir: join(root, '.git'), workTree: root });
  });

  it('finds a .git folder in the folder itself', async () => {
    const repo = await gitRepo();
    const root = await realpath(repo.root);
    expect(await locateRepository(repo.root)).toEqual({ kind: 'found', gitDir: join(root, '.git'), workTree: root });
  });

  it('follows a gitfile ("gitdir: <path>", relative to the file) as linked worktrees and submodules have', async () => {
    const repo = await gitRepo();
    repo.commit('first');
    const linked = join(await tempDir(), 'linked');
    repo.git('worktree', 'add', '-q', linked);
    await mkdir(join(linked, 'manifests'), { recursive: true });
    const found = await locateRepository(join(linked, 'manifests'));
    const realLinked = await realpath(linked);
    expect(found).toEqual({
      kind: 'found',
      gitDir: join(await realpath(repo.root), '.git', 'worktrees', 'linked'),
      workTree: realLinked,
      gitFile: join(realLinked, '.git'),
    });

    const relative = await tempDir();
    await mkdir(join(relative, 'modules', 'm'), { recursive: true });
    await writeFile(join(relative, 'modules', 'm', 'HEAD'), 'ref: refs/heads/main\n');
    await mkdir(join(relative, 'modules', 'm', 'objects'));
    await mkdir(join(relative, 'checkout'));
    await writeFile(join(relative, 'checkout', '.git'), 'gitdir: ../modules/m\n');
    expect(await locateRepository(join(relative, 'checkout'))).toMatchObject({ kind: 'found', gitDir: join(await realpath(relative), 'modules', 'm') });
  });

  it('has nothing to find outside any work tree', async () => {
    expect(await locateRepository(await tempDir())).toEqual({ kind: 'none' });
    expect(await locateRepository(join(await tempDir(), 'does-not-exist'))).toEqual({ kind: 'none' });
  });

  it('never takes planted bare-repository files (HEAD, config, objects/, refs/) for a repository', async () => {
    const outside = await tempDir();
    const folder = join(outside, 'manifests');
    await mkdir(folder);
    await plantBareRepository(folder, { markerDir: outside, realObjects: join(outside, 'nothing'), headCommit: 'a'.repeat(40) });
    // git itself would use the folder as a repository; maracker sees no .git anywhere.
    expect(await locateRepository(folder)).toEqual({ kind: 'none' });

    const repo = await gitRepo();
    await plantBareRepository(repo.manifests, { markerDir: repo.root, realObjects: join(repo.root, '.git', 'objects'), headCommit: 'a'.repeat(40) });
    const root = await realpath(repo.root);
    expect(await locateRepository(repo.manifests)).toEqual({ kind: 'found', gitDir: join(root, '.git'), workTree: root });
  });

  it('reports a .git it cannot use instead of walking past it', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, '.git'), 'not a gitfile\nat all\n');
    expect(await locateRepository(dir)).toMatchObject({ kind: 'unusable', reason: expect.stringContaining('is not a gitfile') });

    const dangling = await tempDir();
    await writeFile(join(dangling, '.git'), 'gitdir: /nonexistent/repo\n');
    expect(await locateRepository(dangling)).toMatchObject({ kind: 'unusable', reason: expect.stringContaining('does not exist') });

    const notRepo = await tempDir();
    await mkdir(join(notRepo, '.git'));
    expect(await locateRepository(notRepo)).toMatchObject({ kind: 'unusable', reason: expect.stringContaining('is not a git repository') });

    const link = await tempDir();
    await symlink('/nonexistent', join(link, '.git'));
    expect(await locateRepository(link)).toMatchObject({ kind: 'unusable' });
  });
});
