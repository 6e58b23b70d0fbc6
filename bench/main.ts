// `npm run bench`: runs every scenario (or those named by --only), prints one table of the
// figures with their goals and parameters, and writes bench/results.json. See
// docs/benchmarks.md for what each scenario measures and how.
//
//   npm run bench                              every scenario, writes bench/results.json
//   npm run bench -- --only save-to-write      one scenario (several: --only a,b); prints only
//   npm run bench -- --only resync --out f.json   ... and writes its figures to f.json
//   npm run bench -- --only resync,resync-30k   scenarios run in the listed order of SCENARIOS,
//                                              each seeing the figures of those before it
//   npm run bench -- --only git-push --record  ... and puts its figures into bench/results.json
//                                              (replacing those of the same name) and the page
//   npm run bench -- --list                    the scenario names
//
// Speed goals are checked here, in figures, never as timed assertions in tests. Scenarios do
// assert correctness (writes issued, deployments under the cap) and throw when it fails: a
// benchmark of a broken run is worse than none.

import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { killAllDaemons } from './daemon-process.js';
import { meetsGoal, type BenchRecord } from './record.js';
import { SCENARIOS } from './scenarios.js';
import { formatMarkdown, formatTable } from './table.js';
import { packageRoot, runCleanups, snapshotScripts } from './util.js';

function parseArgs(argv: readonly string[]): { only: string[] | undefined; out: string | undefined; list: boolean; record: boolean } {
  let only: string[] | undefined;
  let out: string | undefined;
  let list = false;
  let record = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const value = (): string => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined || v === '') throw new Error(`${a.split('=')[0]} needs a value`);
      return v;
    };
    if (a === '--only' || a.startsWith('--only='))
      only = value()
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    else if (a === '--out' || a.startsWith('--out=')) out = value();
    else if (a === '--list') list = true;
    else if (a === '--record') record = true;
    else throw new Error(`unknown argument ${a}; use --only NAME[,NAME], --out FILE, --record, --list`);
  }
  const unknown = (only ?? []).filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}; scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  if (record && (!only || out)) throw new Error('--record goes with --only (and without --out)');
  return { only, out, list, record };
}

/** Rewrites the generated sections of docs/benchmarks.md (`<!-- BEGIN GENERATED: name -->`). */
async function updateDoc(sections: Record<string, string>): Promise<void> {
  const path = join(packageRoot(), 'docs', 'benchmarks.md');
  let text = await readFile(path, 'utf8');
  for (const [name, body] of Object.entries(sections)) {
    const begin = `<!-- BEGIN GENERATED: ${name} -->`;
    const end = `<!-- END GENERATED: ${name} -->`;
    const from = text.indexOf(begin);
    const to = text.indexOf(end);
    if (from < 0 || to < from) throw new Error(`docs/benchmarks.md: markers of the generated section "${name}" are missing`);
    text = `${text.slice(0, from + begin.length)}\n${body.trimEnd()}\n${text.slice(to)}`;
  }
  await writeFile(path, text);
}

function machine(): string {
  const model = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} CPUs (${model}), Node ${process.version}, ${process.platform} ${process.arch}`;
}

/** Child processes of the bench still alive (there must be none after a run). */
function leftoverChildren(): string[] {
  try {
    return execFileSync('pgrep', ['-a', '-P', String(process.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.includes('pgrep'));
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.list) {
    for (const s of SCENARIOS) console.log(`${s.name.padEnd(16)} ${s.title}`);
    return 0;
  }
  const selected = args.only ? SCENARIOS.filter((s) => args.only?.includes(s.name)) : SCENARIOS;
  console.log(`maracker bench on ${machine()}`);
  const started = Date.now();
  const removeSnapshot = await snapshotScripts();
  const records: BenchRecord[] = [];
  const failures: string[] = [];
  for (const s of selected) {
    const t0 = Date.now();
    console.log(`\n== ${s.name}: ${s.title}`);
    try {
      const got = await s.run(records);
      records.push(...got);
      console.log(formatTable(got));
      console.log(`(${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (err) {
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      failures.push(`${s.name}: ${message}`);
      console.error(`!! ${s.name} FAILED after ${((Date.now() - t0) / 1000).toFixed(1)} s:\n${message}`);
      killAllDaemons();
      await runCleanups();
    }
  }
  console.log(`\n== all figures (${((Date.now() - started) / 1000).toFixed(0)} s in all, ${machine()})`);
  console.log(formatTable(records));
  const missed = records.filter((r) => meetsGoal(r) === false);
  if (missed.length > 0) console.log(`\ngoals missed: ${missed.map((r) => r.name).join(', ')}`);
  await removeSnapshot();
  const leftovers = leftoverChildren();
  if (leftovers.length > 0) failures.push(`processes left running: ${leftovers.join('; ')}`);

  if (failures.length > 0) {
    console.error(`\n${failures.length} failure(s); results not written:\n${failures.join('\n')}`);
    return 1;
  }
  const out = args.out ?? (args.only ? undefined : join(packageRoot(), 'bench', 'results.json'));
  if (out) {
    await writeFile(out, `${JSON.stringify(records, null, 2)}\n`);
    console.log(`\nwrote ${records.length} figures to ${out}`);
  }
  if (args.record) {
    // One scenario run again: its figures replace their namesakes, the others stay as measured.
    const path = join(packageRoot(), 'bench', 'results.json');
    const kept = JSON.parse(await readFile(path, 'utf8')) as BenchRecord[];
    const fresh = new Map(records.map((r) => [r.name, r]));
    const merged = [...kept.map((r) => fresh.get(r.name) ?? r), ...records.filter((r) => !kept.some((k) => k.name === r.name))];
    await writeFile(path, `${JSON.stringify(merged, null, 2)}\n`);
    await updateDoc({ figures: formatMarkdown(merged) });
    console.log(`\nrecorded ${records.length} figures into ${path} and the figures of docs/benchmarks.md`);
  }
  if (!args.only && !args.out) {
    const run = `Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench\` (${Math.round((Date.now() - started) / 1000)} s in all) on ${machine()}.`;
    await updateDoc({ run, figures: formatMarkdown(records) });
    console.log('updated the figures of docs/benchmarks.md');
  }
  return 0;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAllDaemons();
    void runCleanups().finally(() => process.exit(130));
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    killAllDaemons();
    void runCleanups().finally(() => process.exit(2));
  },
);
