import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { LongFirstSequencer } from './test/sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One temporary root for the run's daemons' caches, removed at its end (test/global-setup.ts).
    globalSetup: ['test/global-setup.ts'],
    // End-to-end suites start real processes (sandbox, daemon, PostgreSQL): give them room,
    // but keep any single hang from eating the CI budget.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The end-to-end files mostly wait on child processes, PostgreSQL and timers (a serial run
    // used 165 s of CPU in 366 s of wall time on 2 cores), so run at least three files at once
    // even where vitest's default (cores - 1) would give one worker.
    maxWorkers: Math.max(availableParallelism() - 1, 3),
    minWorkers: 1,
    reporters: ['default'],
    // The longest files first, also on a clean clone (test/sequencer.ts).
    sequence: { sequencer: LongFirstSequencer },
  },
});
