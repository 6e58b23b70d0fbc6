// Drifted and idle passes of several builds at 30,000 apps, side by side, with the status
// latency a portal sees during them: how a commit moved what the `resync-30k` scenario
// measures, in minutes rather than the scenario's eight, and in the same minutes for every
// build (this machine's speed drifts).
//
// For each built tree given (a worktree of another commit after `npx tsc -p
// tsconfig.build.json`, or this one after `npm run build`), it starts a sandbox of this tree
// preloaded with N apps (default 30,000) already in sync, that tree's bench daemon
// (--no-events, one-hour resync), two passes to warm up, then two drifted passes (100 apps
// scaled by hand in Marathon, repaired by the pass) and one pass with nothing to do, each
// while this tree's status probers ask for one app every 20 ms and for the whole document
// every 250 ms. Per pass: the daemon's CPU, its longest event-loop block, and the p99 of
// both replies. Run the trees alternately, twice or more.
//
//   git worktree add /tmp/old cd458b6 && ln -s $PWD/node_modules /tmp/old/node_modules
//   (cd /tmp/old && npx tsc -p tsconfig.build.json)
//   node bench/compare-passes.mjs /tmp/old $PWD
//
// N=10000 for the resync scenario's size.

const { startSandbox } = await import('../dist/src/sandbox/sandbox.js');
const { fleet, writeManifests, translatedFolder } = await import('../dist/bench/fleet.js');
const { tempDir, HOST_PORTS, startProber, shuffled } = await import('../dist/bench/util.js');

const N = Number(process.env.N ?? 30_000);
const DRIFTED = 100;
const pct = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? Math.round(s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] * 10) / 10 : null;
};

const folder = await tempDir('compare-passes');
const apps = fleet(N);
await writeManifests(folder.path, apps);
const definitions = (await translatedFolder(folder.path)).map((d) => d.definition);
try {
  for (const root of process.argv.slice(2)) {
    const { startBenchDaemon, untilReady } = await import(`${root}/dist/bench/daemon-process.js`);
    // As the resync-30k scenario: ports for 30,000 apps' tasks over three agents.
    const sandbox = await startSandbox({ deploymentDurationMs: 100, servicePortRange: { min: 10_000, max: 65_000 }, hostPortRange: HOST_PORTS, agents: 3 });
    try {
      sandbox.preload(definitions);
      const daemon = await startBenchDaemon(['--marathon', sandbox.url, '--manifests', folder.path, '--no-events', '--resync-interval', '3600'], {
        nodeArgs: ['--expose-gc'],
      });
      try {
        await untilReady(daemon, { ms: 300_000 });
        for (let i = 0; i < 2; i++) await daemon.pass(N, 0, 300_000);
        const prober = await startProber(daemon.statusUrl, shuffled(apps.map((a) => a.id)).slice(0, 500));
        const out = { root };
        const probed = async (name, writes) => {
          await prober.start({ appEveryMs: 20, statusEveryMs: 250 });
          const r = await daemon.pass(N, writes, 300_000);
          const s = await prober.stop();
          out[name] = { cpuMs: Math.round(r.cpuMs), blockMs: Math.round(r.loopDelayMaxMs), appP99: pct(s.app, 0.99), statusP99: pct(s.status, 0.99) };
        };
        try {
          for (let round = 0; round < 2; round++) {
            for (const a of apps.slice(1_000 + round * DRIFTED, 1_000 + (round + 1) * DRIFTED)) {
              const instances = (sandbox.app(a.id)?.instances ?? 1) + 1;
              const res = await fetch(`${sandbox.url}/v2/apps${a.id}?force=true`, {
                method: 'PUT',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ instances }),
              });
              await res.text();
            }
            await sandbox.waitForDeployments(60_000);
            await probed(`drifted${round + 1}`, DRIFTED);
            await sandbox.waitForDeployments(60_000);
          }
          await probed('idle', 0);
        } finally {
          await prober.close();
        }
        console.log(JSON.stringify(out));
      } finally {
        await daemon.stop();
      }
    } finally {
      await sandbox.close();
    }
  }
} finally {
  await folder.remove();
}
