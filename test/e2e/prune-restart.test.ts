// End-to-end: the prune guard of a daemon without a database keeps its count across a crash.
// Its ledger file (--prune-ledger, by default under XDG_STATE_HOME) holds the deletions of the
// window, so a daemon killed and started again does not get a fresh budget (torture seed
// 395904690: six deletions against a budget of five across a SIGKILL).

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DaemonStatus } from '../../src/status/model.js';
import { eventually, startDaemonProcess, type DaemonProcess } from '../helpers/daemon-process.js';
import { gitRepo } from '../helpers/git-repo.js';
import { manifestYaml } from '../helpers/manifests.js';
import { appWrites, describeWrites, sandbox } from '../helpers/sandbox.js';
import { tempDir } from '../helpers/tmp.js';

const names = Array.from({ length: 10 }, (_, i) => `app${i}`);

async function killed(d: DaemonProcess): Promise<void> {
  if (d.child.exitCode !== null || d.child.signalCode !== null) return;
  const exit = new Promise((r) => d.child.once('exit', r));
  d.kill();
  await exit;
}

describe('the prune guard without a database', () => {
  it('counts the deletions of a daemon killed with SIGKILL after it restarts, and blocks what would go beyond the budget', async () => {
    const repo = await gitRepo();
    const marathon = await sandbox();
    const state = await tempDir();
    const start = () =>
      startDaemonProcess({
        marathonUrl: marathon.url,
        manifests: repo.manifests,
        args: ['--resync-interval', '2', '--installation', 'ward-7'],
        env: { XDG_STATE_HOME: state },
      });
    for (const n of names) await repo.write(`${n}.yaml`, manifestYaml({ name: n }));
    const first = await start();
    await eventually(() => marathon.apps().length === 10, 'ten apps created');

    // Three removed: within the budget of five, deleted, and written to the ledger.
    for (const n of names.slice(0, 3)) await repo.remove(`${n}.yaml`);
    await eventually(() => marathon.apps().length === 7, 'three deleted');
    const folder = join(state, 'maracker', 'prune');
    const ledgerLines = async (): Promise<string[]> => {
      const files = (await readdir(folder).catch(() => [])).filter((f) => f.endsWith('.jsonl'));
      if (files.length !== 1) return [];
      return (await readFile(join(folder, files[0] as string), 'utf8')).split('\n').filter(Boolean);
    };
    await eventually(async () => (await ledgerLines()).length === 3, 'three deletions in the ledger');
    expect((await ledgerLines()).map((l) => (JSON.parse(l) as { id: string }).id).sort()).toEqual(['/app0', '/app1', '/app2']);
    expect((await first.status()).prune.budget).toMatchObject({ used: 3, limit: 5, history: 'file', loaded: true });
    await killed(first);

    // Three more removed while it is down: 3 + 3 > 5, so none of them goes.
    for (const n of names.slice(3, 6)) await repo.remove(`${n}.yaml`);
    const since = marathon.requestLog().at(-1)?.seq ?? 0;
    const second = await start();
    const blocked = await eventually(async () => {
      const d = await second.status();
      return d.phase === 'Blocked' && d.prune.episode?.candidates.length === 3 ? d : undefined;
    }, 'phase Blocked with the three apps');
    expect(blocked.prune).toMatchObject({ blocked: true, candidates: ['/app3', '/app4', '/app5'], budget: { used: 3, limit: 5, history: 'file' } });
    // Two full passes after the block: whatever could have deleted them has run.
    await second.afterPasses(2);
    expect(describeWrites(appWrites(marathon, undefined, since))).toEqual([]);
    expect(marathon.apps()).toHaveLength(7);
    expect(second.output()).toContain('prune history read: 3 deletions without approval within the window');
    const last: DaemonStatus = await second.status();
    expect(last.prune.episode?.candidates).toEqual(['/app3', '/app4', '/app5']);
    // The lock the killed daemon left was taken over at once (its pid is gone), and goes with the second.
    expect(second.output()).not.toContain('in use by another maracker');
    expect((await readdir(folder)).filter((f) => f.endsWith('.lock'))).toHaveLength(1);
    await second.stop();
    expect((await readdir(folder)).filter((f) => f.endsWith('.lock'))).toEqual([]);
  });

  it('keeps a second daemon of the same installation on this host from deleting while the first holds the ledger', async () => {
    const repo = await gitRepo();
    const other = await gitRepo();
    const marathon = await sandbox();
    const state = await tempDir();
    const start = (manifests: string) =>
      startDaemonProcess({
        marathonUrl: marathon.url,
        manifests,
        args: ['--resync-interval', '2', '--installation', 'ward-7'],
        env: { XDG_STATE_HOME: state },
      });
    for (const n of names.slice(0, 4)) await repo.write(`${n}.yaml`, manifestYaml({ name: n }));
    for (const n of names.slice(0, 3)) await other.write(`${n}.yaml`, manifestYaml({ name: n }));
    const first = await start(repo.manifests);
    await eventually(() => marathon.apps().length === 4, 'four apps created');
    await eventually(async () => (await first.status()).prune.budget.loaded, 'the first ledger loaded');
    const since = marathon.requestLog().at(-1)?.seq ?? 0;
    // A second daemon, same installation and state folder, whose folder lacks app3: one delete,
    // within any budget, but the first's deletions are unknown to it, so it must not send it.
    const second = await start(other.manifests);
    await eventually(() => second.output().includes('in use by another maracker'), 'the second told the ledger is in use');
    await second.afterPasses(2);
    expect((await second.status()).prune.budget).toMatchObject({ history: 'file', loaded: false });
    expect(describeWrites(appWrites(marathon, undefined, since)).filter((w) => w.startsWith('DELETE'))).toEqual([]);
    expect(marathon.apps()).toHaveLength(4);
    await second.stop();
    await first.stop();
  });
});
