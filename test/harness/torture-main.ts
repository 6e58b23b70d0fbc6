// The torture entry point: `npm run torture -- --runs 100` runs that many randomized
// scenarios (seeds from a random base, printed), `--seed S` replays one seed (or starts the
// series at S with --runs), `--length L` sets the operations per scenario (default 15).
// `--cli PATH` runs another build of maracker (a mutant, to check that the harness sees it).
// `--keep DIR` keeps every run's recorded data under DIR, passing runs too: what the daemon
// did when a failure shows only under load, to compare with a run that passed.
// Each failing seed is printed with its violations, its operations and the daemon's log;
// add it to REGRESSION_SEEDS in test/e2e/torture.test.ts to keep it.

import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatReport, runScenario, type RunReport } from './runner.js';
import { Scope, snapshotCli, startPgServer } from './stack.js';

/** Writes a run's recorded data into a new folder under `parent`; its path, or undefined without data. */
async function keep(report: RunReport, parent: string, seed: number): Promise<string | undefined> {
  if (!report.dump) return undefined;
  await mkdir(parent, { recursive: true });
  const dir = await mkdtemp(join(parent, `maracker-torture-seed${seed}-`));
  await writeFile(join(dir, 'history.json'), JSON.stringify(report.dump.history, null, 1));
  await writeFile(join(dir, 'request-log.json'), JSON.stringify(report.dump.log, null, 1));
  await writeFile(join(dir, 'daemon.log'), report.daemonLog);
  return dir;
}

const { values } = parseArgs({
  options: {
    runs: { type: 'string' },
    seed: { type: 'string' },
    length: { type: 'string', default: '15' },
    verbose: { type: 'boolean', default: false },
    // Another build of maracker (e.g. a deliberately broken copy, to see the harness catch it).
    cli: { type: 'string' },
    keep: { type: 'string' },
  },
  strict: true,
});

function int(name: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`--${name}: expected a whole number, got ${JSON.stringify(v)}\n`);
    process.exit(1);
  }
  return n;
}

const runs = int('runs', values.runs, values.seed !== undefined ? 1 : 10);
const base = int('seed', values.seed, Math.floor(Math.random() * 1_000_000_000));
const length = int('length', values.length, 15);

const scope = new Scope();
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopping = true;
    process.stderr.write(`\n${signal}: stopping after the current run\n`);
  });
}

const failed: number[] = [];
const started = Date.now();
try {
  const cli = values.cli ?? (await snapshotCli(scope));
  const pg = await startPgServer(scope);
  process.stdout.write(`torture: ${runs} run(s) of ${length} operations, seeds ${base}..${base + runs - 1}\n`);
  for (let i = 0; i < runs && !stopping; i++) {
    const seed = base + i;
    const report = await runScenario(seed, { length, pg, cli, ...(values.verbose ? { log: (l: string) => process.stdout.write(`${l}\n`) } : {}) });
    const ok = report.violations.length === 0;
    process.stdout.write(
      `seed ${seed}: ${ok ? 'ok' : `${report.violations.length} VIOLATION(S)`} (${(report.durationMs / 1000).toFixed(1)} s; ${report.stats})\n`,
    );
    if (!ok) {
      failed.push(seed);
      process.stdout.write(`${formatReport(report)}\n`);
      // Kept on purpose (not in the scope): the recorded data, to re-run the checker offline.
      const dir = await keep(report, values.keep ?? tmpdir(), seed);
      if (dir) process.stdout.write(`recorded data: ${dir}/{history.json,request-log.json,daemon.log}\n`);
      process.stdout.write('\n');
    } else if (values.keep !== undefined) {
      await keep(report, values.keep, seed);
    }
  }
} finally {
  await scope.close();
}
process.stdout.write(
  `torture: ${failed.length} failing seed(s) in ${((Date.now() - started) / 1000).toFixed(0)} s${failed.length ? `: ${failed.join(', ')}` : ''}\n`,
);
process.exit(failed.length > 0 ? 1 : 0);
