const { startSandbox } = await import('../dist/src/sandbox/sandbox.js');
const { fleet, writeManifests, translatedFolder } = await import('../dist/bench/fleet.js');
const { tempDir, HOST_PORTS, startProber } = await import('../dist/bench/util.js');
const { startBenchDaemon, untilReady } = await import('../dist/bench/daemon-process.js');
const folder = await tempDir('probe');
const sandbox = await startSandbox({ deploymentDurationMs: 100, servicePortRange: { min: 10_000, max: 40_000 }, hostPortRange: HOST_PORTS });
const apps = fleet(10_000);
await writeManifests(folder.path, apps);
sandbox.preload((await translatedFolder(folder.path)).map((d) => d.definition));
const daemon = await startBenchDaemon(['--marathon', sandbox.url, '--manifests', folder.path, '--no-events', '--resync-interval', '3600']);
await untilReady(daemon, { ms: 180_000 });
const ids = apps.slice(0, 200).map((a) => a.id);
const p1 = await startProber(daemon.statusUrl, ids);
const p2 = await startProber(daemon.statusUrl, ids);
const pct = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)].toFixed(1) : '-';
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function passes(n) {
  const cpu = [];
  for (let i = 0; i < n; i++) {
    const r = await daemon.pass(10000, 0, 120000);
    cpu.push(Math.round(r.cpuMs));
  }
  return cpu;
}
for (let round = 0; round < 1; round++) {
  await p1.start({ appEveryMs: 20, statusEveryMs: 250 });
  let c = await passes(4);
  let a = await p1.stop();
  console.log(
    'PASS one process  app p50/p99/max',
    pct(a.app, 0.5),
    pct(a.app, 0.99),
    pct(a.app, 1),
    'n',
    a.app.length,
    ' status p50/max',
    pct(a.status, 0.5),
    pct(a.status, 1),
    'cpu',
    c,
  );
  await p1.start({ appEveryMs: 20, statusEveryMs: 0 });
  await p2.start({ appEveryMs: 0, statusEveryMs: 250 });
  c = await passes(4);
  a = await p1.stop();
  const b = await p2.stop();
  console.log(
    'PASS two processes app p50/p99/max',
    pct(a.app, 0.5),
    pct(a.app, 0.99),
    pct(a.app, 1),
    'n',
    a.app.length,
    ' status p50/max',
    pct(b.status, 0.5),
    pct(b.status, 1),
    'cpu',
    c,
  );
  await p1.start({ appEveryMs: 20, statusEveryMs: 0 });
  c = await passes(4);
  a = await p1.stop();
  console.log('PASS app alone    app p50/p99/max', pct(a.app, 0.5), pct(a.app, 0.99), pct(a.app, 1), 'n', a.app.length, 'cpu', c);
}
for (let round = 0; round < 0; round++) {
  await p1.start({ appEveryMs: 20, statusEveryMs: 250 });
  await sleep(6000);
  let a = await p1.stop();
  console.log(
    'one process  app p50/p99/max',
    pct(a.app, 0.5),
    pct(a.app, 0.99),
    pct(a.app, 1),
    'n',
    a.app.length,
    ' status p50/max',
    pct(a.status, 0.5),
    pct(a.status, 1),
  );
  await p1.start({ appEveryMs: 20, statusEveryMs: 0 });
  await p2.start({ appEveryMs: 0, statusEveryMs: 250 });
  await sleep(6000);
  a = await p1.stop();
  const b = await p2.stop();
  console.log(
    'two processes app p50/p99/max',
    pct(a.app, 0.5),
    pct(a.app, 0.99),
    pct(a.app, 1),
    'n',
    a.app.length,
    ' status p50/max',
    pct(b.status, 0.5),
    pct(b.status, 1),
  );
  await p1.start({ appEveryMs: 20, statusEveryMs: 0 });
  await sleep(6000);
  a = await p1.stop();
  console.log('app alone    app p50/p99/max', pct(a.app, 0.5), pct(a.app, 0.99), pct(a.app, 1), 'n', a.app.length);
}
await p1.close();
await p2.close();
await daemon.stop();
await sandbox.stop?.();
await folder.remove?.();
process.exit(0);
