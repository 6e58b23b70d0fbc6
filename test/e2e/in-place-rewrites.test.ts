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
});
