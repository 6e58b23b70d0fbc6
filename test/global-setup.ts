// Runs once in vitest's main process, around every test file. The daemons the tests start
// keep their caches and state in one temporary folder per test process (helpers/cache-home.ts);
// a test process that vitest ends with a signal never runs its 'exit' handlers, so those
// folders are made under one root made here, removed here once every file has run.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where helpers/cache-home.ts makes its folders; forked test processes inherit it. */
export const TEST_TMP_ENV = 'MARACKER_TEST_TMP';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'maracker-tests-'));
  process.env[TEST_TMP_ENV] = root;
  return () => {
    rmSync(root, { recursive: true, force: true });
    delete process.env[TEST_TMP_ENV];
  };
}
