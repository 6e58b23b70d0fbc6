const { startSandbox } = await import('../dist/src/sandbox/sandbox.js');
const { fleet, writeManifests, translatedFolder } = await import('../dist/bench/fleet.js');
const { tempDir, HOST_PORTS } = await import('../dist/bench/util.js');
const { startBenchDaemon, untilReady } = await import('../dist/bench/daemon-process.js');
const folder = await tempDir('mem');
const sandbox = await startSandbox({ deploymentDurationMs: 100, servicePortRange: { min: 10_000, max: 40_000 }, hostPortRange: HOST_PORTS });
const apps = fleet(10_000);
await writeManifests(folder.path, apps);
sandbox.preload((await translatedFolder(folder.path)).map((d) => d.definition));
const daemon = await startBenchDaemon(['--marathon', sandbox.url, '--manifests', folder.path, '--no-events', '--resync-interval', '3600'], {
  nodeArgs: ['--expose-gc'],
});
await untilReady(daemon, { ms: 180_000 });
for (let i = 0; i < 6; i++) {
  const r = await daemon.pass(10000, 0, 120000);
  const { cpuMs, rssMiB, heapUsedMiB, heapTotalMiB, externalMiB, peakRssMiB, loopDelayMaxMs } = r;
  console.log(JSON.stringify({ cpuMs: Math.round(cpuMs), rssMiB, heapUsedMiB, heapTotalMiB, externalMiB, peakRssMiB, loopDelayMaxMs }));
}
console.log('live heap', await daemon.liveHeapMiB());
const fs = await import('node:fs');
const st = fs
  .readFileSync(`/proc/${daemon.pid}/status`, 'utf8')
  .split('\n')
  .filter((l) => /Vm|Rss|Threads/.test(l))
  .join(' | ');
console.log(st);
const sm = fs.readFileSync(`/proc/${daemon.pid}/smaps_rollup`, 'utf8');
console.log(sm.split('\n').slice(0, 12).join(' | '));
await daemon.stop();
process.exit(0);
