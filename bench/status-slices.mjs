// CPU of writing the `GET /status` document of 10,000 apps (about 8 MiB) once more, unchanged:
// encoded anew (equal parts that are another object) against the slices kept from the last
// reply (src/status/parts-writer.ts). To a sink that takes everything at once, so the figure
// is the writer's own work, not a socket's. After `npm run build`:
//
//   node bench/status-slices.mjs

import { Writable } from 'node:stream';

const { writeParts } = await import(new URL('../dist/src/status/parts-writer.js', import.meta.url).href);

const items = Array.from({ length: 10_000 }, (_, i) =>
  JSON.stringify({
    id: `/group-${i % 50}/app-${i}`,
    sync: 'Synced',
    health: 'Healthy',
    url: `https://app-${i}.example.org/`,
    instances: { desired: 2, running: 2, healthy: 2 },
    source: { kind: 'file', path: `group-${i % 50}/app-${i}.yaml` },
    pad: 'x'.repeat(600),
  }),
);
const parts = { head: '{"phase":"Ready","apps":[', items, tail: ']}', bytes: 0, digest: 'x' };
const sink = () =>
  new Writable({
    highWaterMark: 1 << 30,
    write(_chunk, _encoding, done) {
      done();
    },
  });

async function round(label, fresh) {
  const write = () => writeParts(sink(), fresh ? { ...parts } : parts);
  for (let i = 0; i < 5; i++) await write();
  const cpu = process.cpuUsage();
  for (let i = 0; i < 40; i++) await write();
  const used = process.cpuUsage(cpu);
  console.log(`${label}: ${((used.user + used.system) / 1000 / 40).toFixed(2)} ms of CPU per reply`);
}

console.log(`document: ${(items.join(',').length / 1048576).toFixed(1)} MiB`);
for (let i = 0; i < 2; i++) {
  await round('encoded anew', true);
  await round('kept slices ', false);
}
