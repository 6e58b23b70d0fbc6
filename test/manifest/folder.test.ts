import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listManifestFiles, readManifestFolder } from '../../src/manifest/folder.js';
import { formatProblem } from '../../src/model/problem.js';
import { SourceUnreadableError } from '../../src/manifest/errors.js';
import { tempDir } from '../helpers/tmp.js';
import { doc, yamlOf } from './builders.js';

/** Writes files (path relative to dir -> content) into dir. */
async function writeTree(dir: string, files: Record<string, string>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), content);
  }
}

const app = (name: string, group = 'demo'): string => yamlOf(doc({ name, group }));

describe('readManifestFolder', () => {
  it('reads .yaml and .yml files recursively in sorted order and skips everything else', async () => {
    const dir = await tempDir();
    await writeTree(dir, {
      'b.yaml': app('b'),
      'team/c.yml': app('c'),
      'team/deep/d.yaml': app('d'),
      'empty.yaml': '',
      'team/.drafts/x.yaml': app('x'),
      '.git/config.yaml': app('g'),
      'b.yaml~': app('backup'),
      'b.yaml.swp': 'binary',
      '#b.yaml#': app('autosave'),
      'README.md': '# not a manifest',
    });
    const result = await readManifestFolder(dir);
    expect(result.files.map((f) => f.file)).toEqual(['b.yaml', 'empty.yaml', 'team/c.yml', 'team/deep/d.yaml']);
    expect(result.apps.map((a) => a.id)).toEqual(['/demo/b', '/demo/c', '/demo/d']);
    expect(result.apps[1]?.definition.labels?.['maracker.source']).toBe('file:team/c.yml');
    expect(result.problems).toEqual([]);
  });

  it('reports all problems of all files in one run, with the display root', async () => {
    const dir = await tempDir();
    const header = 'apiVersion: maracker/v1\nkind: App\nmetadata:\n  name: web\n';
    await writeTree(dir, {
      'a.yaml': `${header}spec:\n  cmd: 'true'\n  instaces: 2\n  mem: lots\n`,
      'b/c.yaml': `${header}  group: b\nspec:\n  cmd: x: y\n`,
      'd.yaml': `${header}  group: d\nspec:\n  image: nginx\n  ports: [{name: http}]\n  expose: {host: d.localhost, port: web}\n`,
      'ok.yaml': app('ok'),
    });
    const result = await readManifestFolder(dir, { displayRoot: 'manifests' });
    expect(result.problems.map(formatProblem)).toEqual([
      'manifests/a.yaml:7:3: spec.instaces: unknown field; did you mean "instances"?',
      'manifests/a.yaml:8:8: spec.mem: must be a number, got a string',
      'manifests/b/c.yaml:7:8: YAML syntax error: Nested mappings are not allowed in compact mappings',
      'manifests/d.yaml:9:37: spec.expose.port: no port named "web" in spec.ports; declared ports: http',
    ]);
    expect(result.apps.map((a) => a.id)).toEqual(['/demo/ok']);
    expect(result.declaredIds).toEqual(['/web', '/b/web', '/d/web', '/demo/ok']);
  });

  it('reports an id declared in two files and applies neither', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'a.yaml': app('web'), 'b.yaml': app('web'), 'c.yaml': app('other') });
    const result = await readManifestFolder(dir);
    expect(result.apps.map((a) => a.id)).toEqual(['/demo/other']);
    expect(result.problems.map((p) => `${p.location.file ?? ''} ${p.code}`)).toEqual([
      `${join(dir, 'a.yaml')} duplicate-id`,
      `${join(dir, 'b.yaml')} duplicate-id`,
    ]);
  });

  it('reports a file that cannot be read as a problem of that file', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'ok.yaml': app('ok') });
    await symlink(join(dir, 'missing-target.yaml'), join(dir, 'dangling.yaml'));
    const result = await readManifestFolder(dir, { displayRoot: 'm' });
    expect(result.problems.map(formatProblem)).toEqual(['m/dangling.yaml: cannot read file (ENOENT)']);
    expect(result.apps.map((a) => a.id)).toEqual(['/demo/ok']);
  });

  it('walks a link to a folder inside it once, and reports a link that loops back instead of following it', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'team/a.yaml': app('a') });
    await symlink(join(dir, 'team'), join(dir, 'alias'));
    await symlink(dir, join(dir, 'team', 'loop'));
    expect(await listManifestFiles(dir)).toEqual(['team/a.yaml', 'team/loop']);
    const result = await readManifestFolder(dir, { displayRoot: 'm' });
    expect(result.problems.map((p) => [p.code, formatProblem(p)])).toEqual([
      ['link-loop', 'm/team/loop: symbolic link to a folder above it (a loop); not followed'],
    ]);
    expect(result.apps.map((a) => a.id)).toEqual(['/demo/a']);
  });

  it('throws SourceUnreadableError for a missing folder: unknown, never empty', async () => {
    const dir = await tempDir();
    const missing = join(dir, 'nope');
    await expect(readManifestFolder(missing)).rejects.toBeInstanceOf(SourceUnreadableError);
    await expect(readManifestFolder(missing)).rejects.toMatchObject({ code: 'MRK_SOURCE_UNREADABLE', source: missing });
  });

  it('throws SourceUnreadableError when the path is a file, not a folder', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'web.yaml': app('web') });
    await expect(readManifestFolder(join(dir, 'web.yaml'))).rejects.toMatchObject({ code: 'MRK_SOURCE_UNREADABLE' });
  });
});
