// A file's stamp decides whether a rescan reads it again, and whether it is gone: a file
// counted missing by mistake deletes the apps it declares. The event loop takes stamps
// asynchronously (stampOf), the rescan's worker thread synchronously (stampOfSync); both
// make the same calls and leave the meaning to one pure function (stampFrom), and give the
// same stamp for every kind of entry a manifests folder may hold.

import { spawnSync } from 'node:child_process';
import { type Stats, statSync } from 'node:fs';
import { mkdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type FileStamp, sameStamp, stampFrom, stampOf, stampOfSync } from '../../src/sources/file-stamp.js';
import { tempDir } from '../helpers/tmp.js';

/** A folder of odd entries, each with the stamp both ways must give it. */
async function oddFolder(): Promise<{ dir: string; expected: Record<string, (s: Stats | undefined) => FileStamp> }> {
  const dir = await tempDir();
  await writeFile(join(dir, 'web.yaml'), 'a: 1\n');
  await writeFile(join(dir, 'empty.yaml'), '');
  await mkdir(join(dir, 'folder.yaml'));
  await symlink('folder.yaml', join(dir, 'to-folder.yaml'));
  await symlink('web.yaml', join(dir, 'to-file.yaml'));
  await symlink('nowhere.yaml', join(dir, 'dangling.yaml'));
  await symlink('loop-b.yaml', join(dir, 'loop-a.yaml'));
  await symlink('loop-a.yaml', join(dir, 'loop-b.yaml'));
  expect(spawnSync('mkfifo', [join(dir, 'pipe.yaml')]).status).toBe(0);
  const file = (s: Stats | undefined): FileStamp => {
    if (!s) throw new Error('no stats');
    return { kind: 'file', size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, ino: s.ino };
  };
  return {
    dir,
    expected: {
      'web.yaml': file,
      'empty.yaml': file,
      'to-file.yaml': file, // the file it leads to
      'gone.yaml': () => ({ kind: 'missing' }),
      'folder.yaml': () => ({ kind: 'missing' }), // a folder is no file
      'to-folder.yaml': () => ({ kind: 'unreadable', code: 'ELINKDIR' }),
      'dangling.yaml': () => ({ kind: 'unreadable', code: 'ENOENT' }), // there: a problem, not a deletion
      'loop-a.yaml': () => ({ kind: 'unreadable', code: 'ELOOP' }),
      'web.yaml/x.yaml': () => ({ kind: 'missing' }), // ENOTDIR: nothing there
      'dangling.yaml/x.yaml': () => ({ kind: 'missing' }),
      'pipe.yaml': () => ({ kind: 'unreadable', code: 'ENOTREG' }),
      [`${'n'.repeat(300)}.yaml`]: () => ({ kind: 'unreadable', code: 'ENAMETOOLONG' }),
    },
  };
}

describe('a file stamp', () => {
  it('is the same taken asynchronously or synchronously, for every kind of entry', async () => {
    const { dir, expected } = await oddFolder();
    for (const [rel, want] of Object.entries(expected)) {
      const abs = join(dir, rel);
      const s = await stat(abs).catch(() => undefined);
      expect({ rel, stamp: await stampOf(abs) }).toEqual({ rel, stamp: want(s) });
      expect({ rel, stamp: stampOfSync(abs) }).toEqual({ rel, stamp: want(s) });
    }
  });

  it('leaves the meaning to stampFrom: a folder gone between stat and lstat is missing, unless lstat says why not', () => {
    const folder = statSync('/');
    expect(stampFrom(folder, { code: 'ENOENT' })).toEqual({ kind: 'missing' });
    expect(stampFrom(folder, { code: 'EACCES' })).toEqual({ kind: 'unreadable', code: 'EACCES' });
    expect(stampFrom({ code: 'EACCES' })).toEqual({ kind: 'unreadable', code: 'EACCES' });
    expect(stampFrom({ code: 'EIO' })).toEqual({ kind: 'unreadable', code: 'EIO' });
    expect(stampFrom({ code: 'ENOENT' }, { code: 'ENOENT' })).toEqual({ kind: 'missing' });
  });

  it('compares by kind, code, size, times and inode', () => {
    const f: FileStamp = { kind: 'file', size: 1, mtimeMs: 2, ctimeMs: 3, ino: 4 };
    expect(sameStamp(f, { ...f })).toBe(true);
    expect(sameStamp(f, { ...f, ctimeMs: 5 })).toBe(false);
    expect(sameStamp({ kind: 'unreadable', code: 'ELOOP' }, { kind: 'unreadable', code: 'EACCES' })).toBe(false);
    expect(sameStamp({ kind: 'missing' }, { kind: 'missing' })).toBe(true);
    expect(sameStamp(f, undefined)).toBe(false);
  });
});
