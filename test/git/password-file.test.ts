import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_PASSWORD_FILE_BYTES, passwordFileCredentials, readPasswordFile, readPasswordFileSync } from '../../src/git/password-file.js';
import { basicAuth } from '../../src/git/remote.js';
import { tempDir } from '../helpers/tmp.js';

describe('--git-password-file', () => {
  it('holds the password without one trailing newline, read alike at start-up and before a fetch', async () => {
    const file = join(await tempDir(), 'token');
    for (const [text, password] of [
      ['s3cret\n', 's3cret'],
      ['s3cret\r\n', 's3cret'],
      ['s3cret', 's3cret'],
      ['s3cret\n\n', 's3cret\n'],
    ] as const) {
      await writeFile(file, text);
      expect(readPasswordFileSync(file)).toEqual({ ok: true, password });
      expect(await readPasswordFile(file)).toEqual({ ok: true, password });
    }
  });

  it('says why a file gives no password, naming the file but never its content', async () => {
    const dir = await tempDir();
    const empty = join(dir, 'empty');
    await writeFile(empty, '\n');
    const huge = join(dir, 'huge');
    await writeFile(huge, 'x'.repeat(MAX_PASSWORD_FILE_BYTES + 1));
    const absent = join(dir, 'absent');
    expect(await readPasswordFile(empty)).toEqual({ ok: false, reason: '--git-password-file: the file is empty' });
    expect(await readPasswordFile(huge)).toEqual({ ok: false, reason: `--git-password-file: ${huge} is larger than 64 KiB; not a password` });
    expect(readPasswordFileSync(huge, 'huge')).toEqual({ ok: false, reason: '--git-password-file: huge is larger than 64 KiB; not a password' });
    expect(await readPasswordFile(absent)).toEqual({ ok: false, reason: `--git-password-file: cannot read ${absent} (ENOENT)` });
    expect(await readPasswordFile(dir)).toEqual({ ok: false, reason: `--git-password-file: ${dir} is not a regular file` });
    expect(readPasswordFileSync(absent, 'absent')).toEqual({ ok: false, reason: '--git-password-file: cannot read absent (ENOENT)' });
  });

  it('gives the header of what the file holds at each call: a rotated token is used at the next fetch', async () => {
    const file = join(await tempDir(), 'token');
    const creds = passwordFileCredentials(file, 'deploy');
    await writeFile(file, 'first-token\n');
    expect(await creds()).toEqual({ ok: true, env: basicAuth('deploy', 'first-token').env });
    await writeFile(file, 'second-token\n');
    expect(await creds()).toEqual({ ok: true, env: basicAuth('deploy', 'second-token').env });
    expect(basicAuth(undefined, 't').env.GIT_CONFIG_VALUE_0).toBe(`Authorization: Basic ${Buffer.from('maracker:t').toString('base64')}`);
  });
});
