// End-to-end: manifests rewritten in place, in many small writes with pauses (a shell loop
// `cat > file`, a script, a slow editor), against the real daemon and the sandbox. Every
// intermediate state of such a file is valid YAML and wrong (empty after the truncation,
// cut in the middle of a command); none may be acted on: no delete, and no write of a
// definition that was never complete.

import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually, startDaemonProcess } from '../helpers/daemon-process.js';
import { gitRepo } from '../helpers/git-repo.js';
import { appWrites, sandbox } from '../helpers/sandbox.js';
import { HARNESS_MARK } from '../harness/history.js';

const FILES = 4;
const APPS_PER_FILE = 3;
const REWRITES_PER_FILE = 15;
// The window the daemon runs with; the pauses between writes below stay far under it.
const SETTLE_MS = 1500;

// The command is the last line of each document and a plain scalar, so a file cut short is
// still valid YAML: with fewer apps, or with a shorter number (`sleep 100` for `sleep 1000123`).
const doc = (f: number, a: number, version: number) =>
  [
    'apiVersion: maracker/v1',
    'kind: App',
    'metadata:',
    `  name: app${a}`,
    `  group: f${f}`,
    'spec:',
    '  instances: 1',
    '  cpus: 0.1',
    '  mem: 32',
    `  cmd: sleep ${1000 + version}`,
    '',
  ].join('\n');
const file = (f: number, version: number) => Array.from({ length: APPS_PER_FILE }, (_, a) => doc(f, a, version)).join('---\n');

/** Where a cut leaves valid YAML that means something else: after the first document, inside the last command. */
function dangerousCuts(text: string): number[] {
  const firstDoc = text.indexOf('---\n') + 4;
  const lastCmd = text.lastIndexOf('cmd: sleep ') + 'cmd: sleep '.length + 3;
  return [firstDoc, lastCmd];
}

/** Truncates the file and writes `text` back in pieces, pausing before each. */
async function rewriteInPlace(path: string, text: string, cuts: number[], pauseMs: (at: number) => number): Promise<void> {
  const fh = await open(path, 'w');
  try {
    let from = 0;
    for (const to of [...cuts.filter((c) => c > 0 && c < text.length).sort((a, b) => a - b), text.length]) {
      if (to <= from) continue;
      await fh.write(text.slice(from, to));
      from = to;
      if (to < text.length) await new Promise((r) => setTimeout(r, pauseMs(to)));
    }
  } finally {
    await fh.close();
  }
}

describe('in-place rewrites of manifests', () => {
  it(`never delete an app nor write a half-written definition (${FILES * REWRITES_PER_FILE} rewrites in small writes with pauses)`, async () => {
    const repo = await gitRepo();
    for (let f = 0; f < FILES; f++) await repo.write(`f${f}.yaml`, file(f, 0));
    const marathon = await sandbox();
    const daemon = await startDaemonProcess({
      marathonUrl: marathon.url,
      manifests: repo.manifests,
      args: ['--resync-interval', '30', '--settle-ms', String(SETTLE_MS)],
    });
    await eventually(async () => (await daemon.status()).apps.filter((a) => a.sync === 'Synced').length === FILES * APPS_PER_FILE, 'every app created');

    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const complete = new Set([`sleep 1000`]);
    // Resyncs (every 30 s by default) would hide lost file events; this run relies on the watcher.
    const last = new Map<number, number>();
    await Promise.all(
      Array.from({ length: FILES }, async (_, f) => {
        let version = 0;
        for (let r = 0; r < REWRITES_PER_FILE; r++) {
          if (random() < 0.3) version = Math.round(random() * 1e6);
          complete.add(`sleep ${1000 + version}`);
          const text = file(f, version);
          const dangerous = dangerousCuts(text);
          const cuts = [...dangerous, ...Array.from({ length: Math.floor(random() * 6) }, () => Math.floor(random() * text.length))];
          // Long pauses (far beyond the old 10 ms debounce, far under the settle window) where a
          // cut means something else; short ones elsewhere.
          await rewriteInPlace(join(repo.manifests, `f${f}.yaml`), text, cuts, (at) =>
            dangerous.includes(at) ? 150 + Math.floor(random() * 250) : Math.floor(random() * 30),
          );
          // Sometimes the next rewrite starts at once, sometimes after the file settled.
          if (random() < 0.2) await new Promise((r) => setTimeout(r, SETTLE_MS + 200));
        }
        last.set(f, version);
      }),
    );
    await eventually(
      async () => {
        const apps = (await daemon.status()).apps;
        return (
          [...last].every(([f, v]) =>
            Array.from({ length: APPS_PER_FILE }, (_, a) => marathon.app(`/f${f}/app${a}`)?.cmd === `sleep ${1000 + v}`).every(Boolean),
          ) &&
          apps.length === FILES * APPS_PER_FILE &&
          apps.every((a) => a.sync === 'Synced')
        );
      },
      'the last version of every file applied',
      60_000,
    );

    const writes = appWrites(marathon);
    expect(writes.filter((w) => w.method === 'DELETE')).toEqual([]);
    expect(writes.filter((w) => w.method === 'POST')).toHaveLength(FILES * APPS_PER_FILE);
    for (const w of writes.filter((x) => x.method === 'PUT')) {
      const cmd = (w.body as { cmd?: string }).cmd;
      expect(complete.has(cmd as string), `PUT ${w.path} with cmd ${JSON.stringify(cmd)}`).toBe(true);
    }
    await daemon.stop();
  }, 240_000);

  it('writes nothing from a file while it is being written, not even a repair: one write, of its new content, once it is complete', async () => {
    const repo = await gitRepo();
    const path = join(repo.manifests, 'f0.yaml');
    await repo.write('f0.yaml', doc(0, 0, 0));
    const marathon = await sandbox();
    const daemon = await startDaemonProcess({
      marathonUrl: marathon.url,
      manifests: repo.manifests,
      // A long window, so the file is still being written when the repair comes up.
      args: ['--resync-interval', '3600', '--settle-ms', '4000'],
    });
    const app = async () => (await daemon.status()).apps.find((a) => a.id === '/f0/app0');
    await eventually(async () => (await app())?.sync === 'Synced' && marathon.deployments().length === 0, 'the app running');

    // Truncated, and cut inside the command: valid YAML that means `sleep 20`.
    const text = doc(0, 0, 1000);
    const fh = await open(path, 'w');
    try {
      await fh.write(text.slice(0, text.length - 3));
      await eventually(
        async () => (await daemon.status()).sources.find((s) => s.name === 'folder')?.changing?.includes('f0.yaml') === true,
        'the file seen being written',
      );
      // Meanwhile someone scales the app by hand: a drift that maracker repairs at once,
      // except from a file about to be replaced (the repair would roll it, its new content again).
      const since = marathon.requestLog().at(-1)?.seq ?? 0;
      const res = await fetch(`${marathon.url}/v2/apps/f0/app0?${HARNESS_MARK}=1`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ instances: 3 }),
      });
      expect(res.status).toBe(200);
      await eventually(async () => (await app())?.lastError?.code === 'manifest-changing', 'the repair held for the file');
      expect(appWrites(marathon, '/f0/app0', since).map((e) => e.body)).toEqual([{ instances: 3 }]);

      await fh.write(text.slice(text.length - 3));
      await fh.close();
      await eventually(
        async () => marathon.app('/f0/app0')?.cmd === 'sleep 2000' && marathon.deployments().length === 0 && (await app())?.sync === 'Synced',
        'the complete file applied',
        30_000,
      );
      const writes = appWrites(marathon, '/f0/app0', since).map((e) => [
        e.method,
        (e.body as { cmd?: string }).cmd,
        (e.body as { instances?: number }).instances,
      ]);
      expect(writes).toEqual([
        ['PUT', undefined, 3],
        ['PUT', 'sleep 2000', 1],
      ]);
      expect((await daemon.status()).sources.find((s) => s.name === 'folder')).not.toHaveProperty('changing');
    } finally {
      await fh.close().catch(() => undefined);
      await daemon.stop();
    }
  }, 60_000);
});
