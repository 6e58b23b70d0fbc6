// The order vitest starts test files in. Its own order runs the longest files first only
// once it has timed them (its cache); on a clean clone (CI) it goes by file size, and the
// randomized runs (a small file, 160 s) started last and ran alone at the end. Files known
// to take longest go first, then vitest's order: the workers finish together.

import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Longest first, as measured on CI (a clean clone, 2 cores). */
export const LONG_FILES: readonly string[] = [
  'test/e2e/torture.test.ts',
  'test/e2e/daemon.test.ts',
  'test/e2e/faults.test.ts',
  'test/e2e/database.test.ts',
  'test/sources/git-repo.test.ts',
  'test/ui/dashboard.test.ts',
  'test/sources/database.test.ts',
  'test/app/git-e2e.test.ts',
  'test/postgres/embedded.test.ts',
  'test/e2e/up.test.ts',
  'test/cli/commands/plan.test.ts',
  'test/e2e/in-place-rewrites.test.ts',
];

export class LongFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification): number => {
      const i = LONG_FILES.findIndex((name) => f.moduleId.endsWith(`/${name}`));
      return i === -1 ? LONG_FILES.length : i;
    };
    // Stable: the rest keep vitest's order.
    return sorted
      .map((f, i) => ({ f, i, r: rank(f) }))
      .sort((a, b) => a.r - b.r || a.i - b.i)
      .map(({ f }) => f);
  }
}
