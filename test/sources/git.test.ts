import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readGitRevision } from '../../src/sources/git.js';
import { tempDir } from '../helpers/tmp.js';

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
    expect(await readGitRevision(join(repo, 'manifests'))).toEqual({ commit: head, dirty: false });
    await writeFile(join(repo, 'manifests', 'b.yaml'), 'y: 2\n');
    expect(await readGitRevision(join(repo, 'manifests'))).toEqual({ commit: head, dirty: true });
  });

  it('ignores changes outside the manifests folder', async () => {
    const repo = await repoWithManifests();
    await writeFile(join(repo, 'README'), 'elsewhere\n');
    expect((await readGitRevision(join(repo, 'manifests')))?.dirty).toBe(false);
  });

  it('has no revision outside a work tree', async () => {
    expect(await readGitRevision(await tempDir())).toBeUndefined();
  });
});
