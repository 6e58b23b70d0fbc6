import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';

/** A fresh temporary directory, removed when the current test finishes. */
export async function tempDir(prefix = 'maracker-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  onTestFinished(async () => {
    // A process the test started may still be writing there while it stops (PostgreSQL's
    // pg_wal at shutdown): rm retries ENOTEMPTY and EBUSY instead of failing the test.
    await rm(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
  });
  return dir;
}
