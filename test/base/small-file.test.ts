import { execFileSync } from 'node:child_process';
import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSmallFile, readSmallFileSync } from '../../src/base/small-file.js';
import { tempDir } from '../helpers/tmp.js';

describe('readSmallFile', () => {
  it('reads a regular file, through links as a secret volume makes them', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'token'), 'secret\n');
    await symlink('token', join(dir, 'link'));
    for (const path of [join(dir, 'token'), join(dir, 'link')]) {
      expect(await readSmallFile(path, 64)).toEqual({ ok: true, bytes: Buffer.from('secret\n') });
      expect(readSmallFileSync(path, 64)).toEqual({ ok: true, bytes: Buffer.from('secret\n') });
    }
  });

  it('refuses a FIFO at once, where a plain read would wait for a writer for good', async () => {
    const fifo = join(await tempDir(), 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(await readSmallFile(fifo, 64)).toEqual({ ok: false, kind: 'not-a-file', reason: 'is not a regular file' });
    expect(readSmallFileSync(fifo, 64)).toEqual({ ok: false, kind: 'not-a-file', reason: 'is not a regular file' });
  });

  it('refuses a device that never ends, a folder, and a file over the limit, without reading them whole', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'big'), 'x'.repeat(65));
    expect(await readSmallFile('/dev/zero', 64)).toMatchObject({ ok: false, kind: 'not-a-file' });
    expect(readSmallFileSync('/dev/zero', 64)).toMatchObject({ ok: false, kind: 'not-a-file' });
    expect(await readSmallFile(dir, 64)).toMatchObject({ ok: false, kind: 'not-a-file' });
    expect(await readSmallFile(join(dir, 'big'), 64)).toEqual({ ok: false, kind: 'too-large', reason: 'is larger than 64 bytes' });
    expect(readSmallFileSync(join(dir, 'big'), 64)).toEqual({ ok: false, kind: 'too-large', reason: 'is larger than 64 bytes' });
  });

  it('gives the errno of a file that cannot be opened', async () => {
    const absent = join(await tempDir(), 'absent');
    expect(await readSmallFile(absent, 64)).toEqual({ ok: false, kind: 'errno', reason: 'no such file', code: 'ENOENT' });
    expect(readSmallFileSync(absent, 64)).toEqual({ ok: false, kind: 'errno', reason: 'no such file', code: 'ENOENT' });
  });
});
