// The folder rescan measured in a process of its own: `FolderSource.resync` over a folder in
// which nothing changed, with nothing else in the process. Measured in the bench's own process,
// its CPU included the collection of what the scenario before it left behind (a sandbox of
// 10,000 apps just closed): 88 ms where this measures 56 on the same machine.
//
//   node dist/bench/rescan-child.js DIR RUNS   → prints the CPU of each resync (ms) as JSON

import { silentLogger } from '../src/base/log.js';
import { FolderSource } from '../src/sources/folder.js';

const [dir, runsArg] = process.argv.slice(2);
if (dir === undefined) throw new Error('usage: rescan-child DIR RUNS');
const runs = Number(runsArg ?? 15);
const source = new FolderSource({ dir, displayRoot: '', translate: { traefik: 'v2' }, logger: silentLogger(), watch: false });
await source.start(() => undefined);
try {
  // Once more before measuring: the worker thread and the code warmed up.
  await source.resync();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    await source.resync();
    const c = process.cpuUsage(c0);
    samples.push((c.user + c.system) / 1000);
  }
  process.stdout.write(`${JSON.stringify(samples)}\n`);
} finally {
  await source.stop();
}
