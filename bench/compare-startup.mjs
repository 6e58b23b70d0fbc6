// Start-up and idle passes of two builds, side by side: how the figures of the `resync`
// scenario moved between commits, measured in the same minutes on the same machine.
//
// For each built tree given (a worktree of another commit after `npx tsc -p
// tsconfig.build.json`, or this one after `npm run build`), it writes 10,000 manifests,
// preloads the sandbox with what maracker's translator makes of them, starts that tree's
// bench daemon (its own process, --no-events, one-hour resync), and prints the daemon's CPU
// until its first full sync, then the CPU of PASSES passes with nothing to do (default 8).
// Run the trees alternately, twice or more: the machine's speed drifts.
//
//   git worktree add /tmp/old ffcbcfb && ln -s $PWD/node_modules /tmp/old/node_modules
//   (cd /tmp/old && npx tsc -p tsconfig.build.json)
//   PASSES=10 node bench/compare-startup.mjs /tmp/old $PWD /tmp/old $PWD
//
// MARACKER_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" profiles the daemons (a build
// whose bench/daemon-process.ts reads that variable).
//
// MANIFEST_CACHE=FILE runs the daemons with --manifest-cache FILE and, after the passes,
// restarts each once over the same files and prints that restart's figures too (a build
// without the option refuses it).
//
// AGE_S=30 moves the sandbox's clock that far ahead before each idle pass (health checks
// re-stamp lastSuccess meanwhile, as between two passes of a real cluster; see the resync
// scenario's noop_aged figures). The sandbox is always this tree's (a fixture, not what is
// compared), so both builds are listed the same bytes.

const passes = Number(process.env.PASSES ?? 8);
const ageMs = Number(process.env.AGE_S ?? 0) * 1000;
const { startSandbox } = await import(new URL('../dist/src/sandbox/sandbox.js', import.meta.url).href);
const { systemClock } = await import(new URL('../dist/src/sandbox/time.js', import.meta.url).href);

async function measure(root) {
  const bench = (m) => import(`${root}/dist/bench/${m}`);
  const { fleet, writeManifests, translatedFolder } = await bench('fleet.js');
  const { tempDir, HOST_PORTS } = await bench('util.js');
  const { startBenchDaemon, untilReady } = await bench('daemon-process.js');
  const folder = await tempDir('compare');
  let ahead = 0;
  const clock = { ...systemClock, now: () => Date.now() + ahead };
  const sandbox = await startSandbox({ deploymentDurationMs: 100, servicePortRange: { min: 10_000, max: 40_000 }, hostPortRange: HOST_PORTS, clock });
  try {
    await writeManifests(folder.path, fleet(10_000));
    sandbox.preload((await translatedFolder(folder.path)).map((d) => d.definition));
    const t0 = performance.now();
    const cacheArgs = process.env.MANIFEST_CACHE ? ['--manifest-cache', process.env.MANIFEST_CACHE] : [];
    const daemon = await startBenchDaemon(['--marathon', sandbox.url, '--manifests', folder.path, '--no-events', '--resync-interval', '3600', ...cacheArgs]);
    try {
      await untilReady(daemon, { ms: 180_000 });
      const wallMs = Math.round(performance.now() - t0);
      const startup = await daemon.counters();
      const cpu = [];
      let last;
      for (let i = 0; i < passes; i++) {
        ahead += ageMs;
        last = await daemon.pass(10_000, 0, 120_000);
        cpu.push(Math.round(last.cpuMs));
      }
      cpu.sort((a, b) => a - b);
      return {
        root,
        startupWallMs: wallMs,
        startupCpuMs: Math.round(startup.cpuMs),
        peakRssMiB: startup.peakRssMiB,
        noopPassCpuMs: cpu,
        median: cpu[Math.floor(cpu.length / 2)],
        lastPass: last && { rssMiB: last.rssMiB, heapUsedMiB: last.heapUsedMiB, peakRssMiB: last.peakRssMiB },
      };
    } finally {
      await daemon.stop();
      if (process.env.MANIFEST_CACHE) {
        const t1 = performance.now();
        const again = await startBenchDaemon(['--marathon', sandbox.url, '--manifests', folder.path, '--no-events', '--resync-interval', '3600', ...cacheArgs]);
        await untilReady(again, { ms: 180_000 });
        const c = await again.counters();
        console.log(
          JSON.stringify({ restart: true, wallMs: Math.round(performance.now() - t1), cpuMs: Math.round(c.cpuMs), peakRssMiB: c.peakRssMiB, writes: c.writes }),
        );
        await again.stop();
      }
    }
  } finally {
    await sandbox.close();
    await folder.remove();
  }
}

for (const root of process.argv.slice(2)) console.log(JSON.stringify(await measure(root)));
