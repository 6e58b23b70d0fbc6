// Listing a commit's folder from its tree objects gives what `git ls-tree -r -l` prints, and
// reads only the trees a commit changed: the listing of an unchanged subtree (same id, same
// content) is taken again. Checked against git itself after each commit, and after going
// back to an older one (a force-push).

import { execFileSync } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CatFile } from '../../src/git/cat-file.js';
import { gitEnvironment } from '../../src/git/run.js';
import { TreeLister, type TreeEntry } from '../../src/git/tree.js';
import { upstream, type Upstream } from '../helpers/git-remote.js';

const env = gitEnvironment({ PATH: process.env.PATH, HOME: '/nonexistent' });

/** What git prints for `<commit>:<path>`: the reference. */
function lsTree(up: Upstream, commit: string, path: string): TreeEntry[] {
  const spec = path === '' ? `${commit}^{tree}` : `${commit}:${path}`;
  const text = execFileSync('git', ['-C', up.bare, 'ls-tree', '-r', '-l', '-z', spec], { encoding: 'utf8' });
  return text
    .split('\0')
    .filter((r) => r !== '')
    .map((r) => {
      const tab = r.indexOf('\t');
      const [mode = '', type = '', oid = '', size = ''] = r.slice(0, tab).split(/ +/);
      return { mode, type: type as TreeEntry['type'], oid, size: size === '-' ? undefined : Number(size), path: r.slice(tab + 1) };
    });
}

const rootTree = (up: Upstream, commit: string): string => execFileSync('git', ['-C', up.bare, 'rev-parse', `${commit}^{tree}`], { encoding: 'utf8' }).trim();

async function lister() {
  const up = await upstream();
  const cat = new CatFile({ gitDir: up.bare, env });
  onTestFinished(() => cat.close());
  return { up, cat, list: new TreeLister(cat) };
}

describe('TreeLister', () => {
  it('lists what git ls-tree -r -l lists: nested folders, odd names, links, submodules, sizes', async () => {
    const { up, list } = await lister();
    await up.write('README.md', '# x\n');
    await up.write('deploy/web app.yaml', 'a: 1\n');
    await up.write('deploy/team/api.yaml', 'b: 22\n');
    await up.write('deploy/team/deep/er/x.yml', 'c: 333\n');
    await up.write('deploy/a\nb.yaml', 'd\n');
    up.git('add', '-A');
    up.git('update-index', '--add', '--cacheinfo', `160000,${'1'.repeat(40)},deploy/sub`);
    const link = up.git('hash-object', '-w', '--stdin', '--path', 'x');
    up.git('update-index', '--add', '--cacheinfo', `120000,${link},deploy/link.yaml`);
    const c1 = up.commit('first');
    for (const path of ['', 'deploy', 'deploy/team']) {
      expect(await list.list(rootTree(up, c1), path, c1.slice(0, 12)), path).toEqual({ ok: true, entries: lsTree(up, c1, path) });
    }
  });

  it('reads only the trees on the way to what changed, and lists an older commit (a force-push) exactly', async () => {
    const { up, cat, list } = await lister();
    for (let g = 0; g < 10; g++) for (let a = 0; a < 5; a++) await up.write(`deploy/group-${g}/app-${a}.yaml`, `app: ${g}-${a}\n`);
    const c1 = up.commit('fifty apps in ten folders');
    expect(await list.list(rootTree(up, c1), 'deploy', c1)).toEqual({ ok: true, entries: lsTree(up, c1, 'deploy') });
    // Root, deploy/ and the ten group folders.
    expect(list.treesRead).toBe(12);

    await up.write('deploy/group-3/app-1.yaml', 'app: changed\n');
    const c2 = up.commit('one file changed');
    expect(await list.list(rootTree(up, c2), 'deploy', c2)).toEqual({ ok: true, entries: lsTree(up, c2, 'deploy') });
    // Root, deploy/, group-3/: nothing else.
    expect(list.treesRead).toBe(15);

    // Back to the first commit: group-3/ as it was is read again, the nine others are reused.
    expect(await list.list(rootTree(up, c1), 'deploy', c1)).toEqual({ ok: true, entries: lsTree(up, c1, 'deploy') });
    expect(list.treesRead).toBe(18);
    expect(cat.started).toBe(1);
  });

  it('a path that is missing, or a file, is missing: Unknown with the reason, never an empty listing', async () => {
    const { up, list } = await lister();
    await up.write('deploy/web.yaml', 'a: 1\n');
    const c1 = up.commit('first');
    expect(await list.list(rootTree(up, c1), 'prod', c1.slice(0, 12))).toEqual({
      ok: false,
      missing: true,
      reason: `prod is missing in commit ${c1.slice(0, 12)}, not a folder`,
    });
    expect(await list.list(rootTree(up, c1), 'deploy/web.yaml', c1.slice(0, 12))).toEqual({
      ok: false,
      missing: true,
      reason: `deploy/web.yaml is a blob in commit ${c1.slice(0, 12)}, not a folder`,
    });
  });
});
