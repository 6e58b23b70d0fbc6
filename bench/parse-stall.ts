// How long parsing the largest allowed inputs holds the event loop that serves /healthz and
// keeps the leader lock alive: each input is parsed while a local HTTP server is probed
// (one request always in flight) and monitorEventLoopDelay samples the loop. Not part of
// `npm run bench`; run after `npm run build`:
//
//   node dist/bench/parse-stall.js                  in this thread, then through the ParsePool
//   node dist/bench/parse-stall.js --only pool      one mode (control | inline | pool | threshold)
//   node dist/bench/parse-stall.js --parse DIR/src/manifest/parse.js --only inline
//                                                   another build's parseManifestText (before/after)
//
// Figures are wall times on this machine; docs/architecture.md records a run.

import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { INLINE_PARSER, type InputParser } from '../src/manifest/input-parser.js';
import { ParsePool } from '../src/manifest/parse-pool.js';
import type { ParseOptions } from '../src/manifest/parse.js';
import { bigRowSpec, bigStringFile, costlyShapes, fortyThousandKeysFile, manyAppsFile, manyEntriesFile } from './large-inputs.js';
import { parseManifestText } from '../src/manifest/parse.js';
import { DEFAULT_WORKER_THRESHOLD_BYTES } from '../src/manifest/parse-pool.js';

interface Input {
  name: string;
  bytes: number;
  run(parser: InputParser): Promise<string>;
}

type ParseText = (text: string, file: string, opts?: ParseOptions) => { apps: unknown[]; problems: Array<{ code: string }> };

function fileInput(name: string, text: string, parse?: ParseText): Input {
  return {
    name,
    bytes: Buffer.byteLength(text),
    run: async (parser) => {
      const r = parse ? parse(text, name) : await parser.parseFile(text, name, {});
      return `${r.apps.length} apps, ${r.problems[0]?.code ?? 'no problem'}`;
    },
  };
}

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    request(url, (res) => {
      res.resume();
      res.on('end', () => resolve(performance.now() - t0));
    })
      .on('error', reject)
      .end();
  });
}

interface Figures {
  parseMs: number;
  probes: number;
  failed: number;
  probeP50Ms: number;
  probeMaxMs: number;
  loopP99Ms: number;
  loopMaxMs: number;
  outcome: string;
}

/**
 * The control: a thread that only burns CPU for `ms`, exchanging nothing with this one. The
 * probe delays it causes are the machine's (cores shared with that thread and with whatever
 * else runs), not parsing's.
 */
function busyThread(ms: number): Input {
  return {
    name: `control: a thread busy ${ms} ms`,
    bytes: 0,
    run: () =>
      new Promise((resolve, reject) => {
        const w = new Worker(`const end = Date.now() + ${ms}; while (Date.now() < end);`, { eval: true });
        w.once('exit', () => resolve('done'));
        w.once('error', reject);
      }),
  };
}

async function measure(input: Input, parser: InputParser): Promise<Figures> {
  const server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
  await get(url);
  const latencies: number[] = [];
  let failed = 0;
  let running = true;
  const prober = (async () => {
    while (running) {
      const t0 = performance.now();
      // A probe held long enough is cut by the server: a failure, and its wait still counts.
      latencies.push(
        await get(url).catch(() => {
          failed++;
          return performance.now() - t0;
        }),
      );
    }
  })();
  // The monitor's timer must be running before the parse starts, or a block at once goes
  // unseen; reset() would lose the sample after it as well. The 50 ms before are idle.
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  await new Promise((r) => setTimeout(r, 50));
  const t0 = performance.now();
  const outcome = await input.run(parser);
  const parseMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 20));
  loop.disable();
  running = false;
  await prober;
  await new Promise((resolve) => server.close(resolve));
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    parseMs,
    probes: latencies.length,
    failed,
    probeP50Ms: sorted[Math.floor(sorted.length / 2)] ?? 0,
    probeMaxMs: sorted[sorted.length - 1] ?? 0,
    loopP99Ms: loop.percentile(99) / 1e6,
    loopMaxMs: loop.max / 1e6,
    outcome,
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
  const parsePath = args.includes('--parse') ? args[args.indexOf('--parse') + 1] : undefined;
  const parse = parsePath ? ((await import(pathToFileURL(parsePath).href)) as { parseManifestText: ParseText }).parseManifestText : undefined;
  const spec = bigRowSpec();
  const inputs: Input[] = [
    fileInput('1000 apps, 1 MiB', manyAppsFile(), parse),
    fileInput('one 1 MiB string', bigStringFile(), parse),
    fileInput('9,960 entries, 1 MiB', manyEntriesFile(), parse),
    fileInput('40,000 keys (issue 11)', fortyThousandKeysFile(), parse),
    ...(parse
      ? []
      : [
          {
            name: 'row spec, 256 KiB',
            bytes: JSON.stringify(spec).length,
            run: async (parser: InputParser) => {
              const r = await parser.translateRow({ id: '/bench/row', spec, labels: null, bytes: JSON.stringify(spec).length }, {});
              return r.app ? 'valid' : (r.problems[0]?.code ?? '?');
            },
          },
        ]),
  ];
  const modes: Array<[string, () => InputParser]> = [
    ['inline', () => INLINE_PARSER],
    ['pool', () => new ParsePool({ size: 1 })],
  ];
  if (only !== 'threshold') {
    console.log('| input | bytes | parsed | parse ms | /healthz probes | probe p50 ms | slowest probe ms | loop delay p99 / max ms | outcome |');
    console.log('|---|---|---|---|---|---|---|---|---|');
  }
  if (!only || only === 'control') {
    const f = await measure(busyThread(1000), INLINE_PARSER);
    console.log(
      `| control: a thread busy 1 s | 0 | - | ${f.parseMs.toFixed(0)} | ${f.probes}${f.failed ? ` (${f.failed} failed)` : ''} | ${f.probeP50Ms.toFixed(0)} | ${f.probeMaxMs.toFixed(0)} | ${f.loopP99Ms.toFixed(0)} / ${f.loopMaxMs.toFixed(0)} | - |`,
    );
  }
  for (const [mode, make] of modes) {
    if (only && only !== mode) continue;
    const parser = make();
    // A first, small parse: the worker started and the schema compiled, as in a running daemon.
    const warm = `apiVersion: maracker/v1\nkind: App\nmetadata: {name: warm}\nspec:\n  cmd: sleep ${'1'.repeat(70_000)}\n`;
    await parser.parseFile(warm, 'warm.yaml', {});
    for (const input of inputs) {
      const f = await measure(input, parser);
      console.log(
        `| ${input.name} | ${input.bytes} | ${parse ? 'given build' : mode} | ${f.parseMs.toFixed(0)} | ${f.probes}${f.failed ? ` (${f.failed} failed)` : ''} | ${f.probeP50Ms.toFixed(0)} | ${f.probeMaxMs.toFixed(0)} | ${f.loopP99Ms.toFixed(0)} / ${f.loopMaxMs.toFixed(0)} | ${f.outcome} |`,
      );
    }
    await parser.stop();
  }
  if (!parse && (!only || only === 'threshold')) {
    // What a file just under the worker threshold costs in this thread (and 8 times that).
    console.log('\n| shape | bytes | in this thread: min ms | median ms (of 7) |');
    console.log('|---|---|---|---|');
    for (const bytes of [DEFAULT_WORKER_THRESHOLD_BYTES - 1, DEFAULT_WORKER_THRESHOLD_BYTES * 8 - 1]) {
      for (const [shape, text] of Object.entries(costlyShapes(bytes))) {
        const times = Array.from({ length: 7 }, () => {
          const t0 = performance.now();
          parseManifestText(text, 'shape.yaml');
          return performance.now() - t0;
        }).sort((a, b) => a - b);
        console.log(`| ${shape} | ${text.length} | ${(times[0] ?? 0).toFixed(1)} | ${(times[3] ?? 0).toFixed(1)} |`);
      }
    }
  }
}

await main();
