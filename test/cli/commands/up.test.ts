// Where `maracker up` keeps the embedded PostgreSQL's data (the whole command runs in
// test/e2e/up.test.ts).

import { chmod, chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { embeddedDataDir } from '../../../src/cli/commands/up.js';
import { tempDir } from '../../helpers/tmp.js';

describe('embeddedDataDir', () => {
  it('keeps <data-dir>/postgres on a second start, although PostgreSQL made that folder its own (mode 0700)', async ({ skip }) => {
    if (process.getuid?.() !== 0) skip(); // the folder belongs to user postgres only when run as root
    const checkout = await tempDir('maracker-up-data-');
    await chmod(checkout, 0o755);
    const preferred = join(checkout, '.maracker', 'postgres');
    await mkdir(preferred, { recursive: true });
    await chmod(preferred, 0o700);
    await chown(preferred, 0, 0);
    expect(await embeddedDataDir(preferred, false)).toEqual({ dir: preferred });
  });

  it('moves the data below the temporary folder when a folder above it is closed, unless --data-dir was given', async ({ skip }) => {
    if (process.getuid?.() !== 0) skip();
    const checkout = await tempDir('maracker-up-data-'); // mode 0700
    const tmp = await tempDir('maracker-up-tmp-');
    vi.stubEnv('TMPDIR', tmp); // os.tmpdir() reads it on every call
    onTestFinished(() => {
      vi.unstubAllEnvs();
    });
    const preferred = join(checkout, '.maracker', 'postgres');
    const moved = await embeddedDataDir(preferred, false);
    expect(moved.dir).toMatch(new RegExp(`^${tmp}/maracker-embedded-postgres-data/postgres-[0-9a-f]{12}$`));
    expect(moved.why).toBe(`the postgres user cannot enter ${checkout}`);
    expect(await embeddedDataDir(preferred, true)).toEqual({ dir: preferred });
  });
});
