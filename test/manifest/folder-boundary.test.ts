// The manifests folder is a boundary: what a commit puts in it (links anywhere, FIFOs,
// files of any size or kind) is either read as a manifest or refused with a problem naming
// it, and nothing outside the folder is ever opened.

import { spawnSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifestFile, readManifestFolder } from '../../src/manifest/folder.js';
import { readFileWithin } from '../../src/manifest/file-read.js';
import { DEFAULT_INPUT_LIMITS } from '../../src/manifest/limits.js';
import { formatProblem } from '../../src/model/problem.js';
import { tempDir } from '../helpers/tmp.js';
import { doc, yamlOf } from './builders.js';
import { stampOf } from '../../src/sources/file-stamp.js';

async function writeTree(dir: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), content);
  }
}

const app = (name: string): string => yamlOf(doc({ name, group: 'demo' }));

async function problemsOf(dir: string): Promise<string[]> {
  const result = await readManifestFolder(dir, { displayRoot: 'm' });
  return result.problems.map((p) => `${p.code} ${formatProblem(p)}`);
}

describe('the manifests folder as a boundary', () => {
  it('reads a link to a file inside the folder', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'shared/web.yaml': app('web') });
    await symlink('shared/web.yaml', join(dir, 'web.yaml'));
    const result = await readManifestFolder(dir);
    expect(result.files.map((f) => f.file)).toEqual(['shared/web.yaml', 'web.yaml']);
    expect(result.problems.map((p) => p.code)).toEqual(['duplicate-id', 'duplicate-id']);
  });

  it('refuses links to files outside the folder, naming the link, without reading them', async () => {
    const outside = await tempDir();
    const dir = await tempDir();
    await writeTree(outside, { 'secret.yaml': 'password: hunter2\n' });
    await writeTree(dir, { 'ok.yaml': app('ok') });
    await symlink('/proc/self/environ', join(dir, 'environ.yaml'));
    await symlink('/etc/passwd', join(dir, 'passwd.yml'));
    await symlink(join(outside, 'secret.yaml'), join(dir, 'secret.yaml'));
    const problems = await problemsOf(dir);
    expect(problems).toEqual([
      'link-outside m/environ.yaml: symbolic link to a place outside the manifests folder; not read',
      'link-outside m/passwd.yml: symbolic link to a place outside the manifests folder; not read',
      'link-outside m/secret.yaml: symbolic link to a place outside the manifests folder; not read',
    ]);
  });

  it('refuses a link to a folder outside, whatever its name, and does not list what is in it', async () => {
    const outside = await tempDir();
    const dir = await tempDir();
    await writeTree(outside, { 'team/other.yaml': app('other') });
    await symlink(outside, join(dir, 'elsewhere'));
    const result = await readManifestFolder(dir, { displayRoot: 'm' });
    expect(result.files.map((f) => f.file)).toEqual(['elsewhere']);
    expect(result.problems.map(formatProblem)).toEqual(['m/elsewhere: symbolic link to a place outside the manifests folder; not read']);
  });

  it('reports a loop of links', async () => {
    const dir = await tempDir();
    await symlink(join(dir, 'b.yaml'), join(dir, 'a.yaml'));
    await symlink(join(dir, 'a.yaml'), join(dir, 'b.yaml'));
    expect(await problemsOf(dir)).toEqual(['link-loop m/a.yaml: symbolic link loop; not followed', 'link-loop m/b.yaml: symbolic link loop; not followed']);
  });

  it('refuses a FIFO without opening it (opening one blocks until a writer comes)', async () => {
    const dir = await tempDir();
    expect(spawnSync('mkfifo', [join(dir, 'pipe.yaml')]).status).toBe(0);
    expect(await problemsOf(dir)).toEqual(['not-a-file m/pipe.yaml: a FIFO (named pipe), not a regular file; not read']);
    // Present, not missing: the folder source keeps the apps it declared protected.
    expect(await stampOf(join(dir, 'pipe.yaml'))).toEqual({ kind: 'unreadable', code: 'ENOTREG' });
  });

  it('refuses a file over --max-file-bytes before reading it, and binary content without parsing it', async () => {
    const dir = await tempDir();
    await writeTree(dir, {
      'big.yaml': `x: "${'a'.repeat(2000)}"\n`,
      'bin.yaml': Buffer.from([0x61, 0x3a, 0x20, 0x00, 0xff]),
      'latin1.yaml': Buffer.from([0x61, 0x3a, 0x20, 0xe9, 0x0a]),
    });
    const result = await readManifestFolder(dir, { displayRoot: 'm', limits: { ...DEFAULT_INPUT_LIMITS, maxFileBytes: 1000 } });
    expect(result.problems.map((p) => `${p.code} ${formatProblem(p)}`)).toEqual([
      'limit-exceeded m/big.yaml: file is larger than 1000 bytes (--max-file-bytes); not read',
      'not-text m/bin.yaml: not a text file (it contains a NUL byte); not read as YAML',
      'not-text m/latin1.yaml: not UTF-8 text; not read as YAML',
    ]);
  });

  it('reads at most the limit plus one byte, whatever the size the file claims', async () => {
    // /proc files claim size 0 and hold more: as a file that grows after its size was checked.
    const got = await readFileWithin('/proc/self/status', { limits: { ...DEFAULT_INPUT_LIMITS, maxFileBytes: 100 } });
    expect(got).toEqual({ kind: 'refused', code: 'limit-exceeded', message: 'file is larger than 100 bytes (--max-file-bytes); not read' });
  });

  it('follows a link named explicitly (validate PATH), with the same checks on what it reaches', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'real.yaml': app('web') });
    await symlink(join(dir, 'real.yaml'), join(dir, 'named.yaml'));
    expect((await readManifestFile(join(dir, 'named.yaml'), 'named.yaml')).apps.map((a) => a.id)).toEqual(['/demo/web']);
    const fifo = join(dir, 'pipe.yaml');
    spawnSync('mkfifo', [fifo]);
    expect((await readManifestFile(fifo, 'pipe.yaml')).problems.map((p) => p.code)).toEqual(['not-a-file']);
  });

  it('counts a dangling link as present (a problem of that file), not as a deleted file', async () => {
    const dir = await tempDir();
    await symlink(join(dir, 'nowhere.yaml'), join(dir, 'web.yaml'));
    expect(await stampOf(join(dir, 'web.yaml'))).toMatchObject({ kind: 'unreadable' });
    expect(await stampOf(join(dir, 'gone.yaml'))).toEqual({ kind: 'missing' });
  });

  describe('a file the caller has just seen as a regular file (regular: true, the folder source at a rescan)', () => {
    const limits = DEFAULT_INPUT_LIMITS;

    it('reads it, as the full way does', async () => {
      const dir = await tempDir();
      await writeTree(dir, { 'web.yaml': 'a: 1\n' });
      expect(await readFileWithin(join(dir, 'web.yaml'), { root: dir, limits, regular: true })).toEqual({ kind: 'text', text: 'a: 1\n' });
    });

    it('takes the full way for a link in its last part: a link out of the folder is refused, one inside is read', async () => {
      const outside = await tempDir();
      const dir = await tempDir();
      await writeTree(outside, { 'secret.yaml': 'password: hunter2\n' });
      await writeTree(dir, { 'real.yaml': 'a: 1\n' });
      await symlink(join(outside, 'secret.yaml'), join(dir, 'secret.yaml'));
      await symlink('real.yaml', join(dir, 'inside.yaml'));
      expect(await readFileWithin(join(dir, 'secret.yaml'), { root: dir, limits, regular: true })).toMatchObject({ kind: 'refused', code: 'link-outside' });
      expect(await readFileWithin(join(dir, 'inside.yaml'), { root: dir, limits, regular: true })).toEqual({ kind: 'text', text: 'a: 1\n' });
    });

    it('refuses a file reached through a folder that became a link out of the folder, by the path of what it opened', async () => {
      const outside = await tempDir();
      const dir = await tempDir();
      await writeTree(outside, { 'team/secret.yaml': 'password: hunter2\n' });
      await symlink(join(outside, 'team'), join(dir, 'team'));
      const got = await readFileWithin(join(dir, 'team/secret.yaml'), { root: dir, limits, regular: true });
      expect(got).toMatchObject({ kind: 'refused', code: 'link-outside' });
      expect(JSON.stringify(got)).not.toContain('hunter2');
    });

    it('does not hang on a FIFO swapped in since it was seen, and refuses it', async () => {
      const dir = await tempDir();
      spawnSync('mkfifo', [join(dir, 'pipe.yaml')]);
      expect(await readFileWithin(join(dir, 'pipe.yaml'), { root: dir, limits, regular: true })).toMatchObject({ kind: 'refused', code: 'not-a-file' });
    });

    it('refuses a file over the limit, and one that grew past it since its size was read', async () => {
      const dir = await tempDir();
      await writeTree(dir, { 'big.yaml': 'x'.repeat(200) });
      const small = { ...limits, maxFileBytes: 100 };
      expect(await readFileWithin(join(dir, 'big.yaml'), { root: dir, limits: small, regular: true })).toMatchObject({
        kind: 'refused',
        code: 'limit-exceeded',
      });
      // /proc files claim size 0 and hold more.
      expect(await readFileWithin('/proc/self/status', { root: '/proc', limits: small, regular: true })).toMatchObject({
        kind: 'refused',
        code: 'limit-exceeded',
      });
    });

    it('reads a file larger than its first buffer whole (the buffer grows when the file did)', async () => {
      const dir = await tempDir();
      const text = `${'a: 1\n'.repeat(50_000)}`;
      await writeTree(dir, { 'long.yaml': text });
      expect(await readFileWithin(join(dir, 'long.yaml'), { root: dir, limits, regular: true })).toEqual({ kind: 'text', text });
      expect(await readFileWithin(join(dir, 'long.yaml'), { root: dir, limits })).toEqual({ kind: 'text', text });
    });
  });
});
