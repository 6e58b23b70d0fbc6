// End-to-end: the prune guard of the built daemon as `npm start` runs it (status on
// 127.0.0.1, no status token), driven with the built CLI the way an operator at that machine
// does: a blocked prune is approved with `maracker prune approve`, exactly the approved apps
// are deleted, and the same apps re-created and removed again block as a new episode, which
// the earlier approval does not cover.

import { spawnSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { DaemonStatus } from '../../src/status/model.js';
import { CLI, eventually, startDaemonProcess } from '../helpers/daemon-process.js';
import { gitRepo } from '../helpers/git-repo.js';
import { manifestYaml } from '../helpers/manifests.js';
import { appWrites, describeWrites, sandbox } from '../helpers/sandbox.js';
import { watchInvariants } from '../harness/watch.js';

const names = Array.from({ length: 12 }, (_, i) => `app${String(i).padStart(2, '0')}`);
const ids = names.map((n) => `/${n}`);

describe('maracker prune approve against a daemon without a status token on 127.0.0.1 (npm start)', () => {
  it('approves the blocked episode from the CLI, deletes exactly its list, and blocks a later episode again', async () => {
    const repo = await gitRepo();
    const marathon = await sandbox();
    const { history } = await watchInvariants({ sandbox: marathon, manifests: repo.manifests });
    const daemon = await startDaemonProcess({ marathonUrl: marathon.url, manifests: repo.manifests, args: ['--resync-interval', '2'] });
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [CLI, 'prune', ...args, '--status', daemon.statusUrl], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    // The files go one by one: the guard may block on the first seven, then open a new
    // episode when the eighth joins. Wait for the episode of all eight.
    const blockedEpisode = async (except?: string): Promise<DaemonStatus> =>
      eventually(async () => {
        const d = await daemon.status();
        return d.phase === 'Blocked' && d.prune.episode && d.prune.episode.id !== except && d.prune.episode.candidates.length === 8 ? d : undefined;
      }, 'phase Blocked with a new episode of eight apps');

    for (const n of names) await repo.write(`${n}.yaml`, manifestYaml({ name: n }));
    repo.commit('twelve apps');
    await eventually(() => marathon.apps().length === 12, 'twelve apps created');

    // Eight removed: more than the budget of 5 per hour. Nothing deleted, one episode.
    let since = marathon.requestLog().at(-1)?.seq ?? 0;
    for (const n of names.slice(0, 8)) await repo.remove(`${n}.yaml`);
    repo.commit('remove eight');
    const first = await blockedEpisode();
    const e1 = first.prune.episode?.id as string;
    expect(first.prune).toMatchObject({
      blocked: true,
      candidates: ids.slice(0, 8),
      budget: { used: 0, limit: 5, windowSeconds: 3600, history: 'file' },
      episode: { candidates: ids.slice(0, 8), approvedBy: null },
    });

    const shown = cli('show');
    expect(shown.status).toBe(0);
    expect(shown.stdout).toBe(
      `episode ${e1}: 8 apps would be deleted (limit 5 per 1 h, 0 used):\n${ids
        .slice(0, 8)
        .map((id) => `  - ${id}\n`)
        .join('')}approve with: maracker prune approve --episode ${e1}\n`,
    );
    expect(describeWrites(appWrites(marathon, undefined, since))).toEqual([]);

    // Approved from the CLI, with no token: the daemon is on 127.0.0.1 and so is the CLI.
    const start = Date.now();
    const approved = cli('approve');
    history.add({ kind: 'prune-approved', start, end: Date.now(), ids: ids.slice(0, 8) });
    expect(approved.stderr).toBe('');
    expect(approved.status).toBe(0);
    expect(approved.stdout).toContain(`approving episode ${e1}: 8 apps\napproved deleting 8 apps (episode ${e1}):\n  - /app00\n`);
    await eventually(() => marathon.apps().length === 4, 'the approved deletes');
    expect(describeWrites(appWrites(marathon, undefined, since)).sort()).toEqual(ids.slice(0, 8).map((id) => `DELETE /v2/apps${id}`));
    expect(
      marathon
        .apps()
        .map((a) => a.id)
        .sort(),
    ).toEqual(ids.slice(8));
    expect(daemon.output()).toContain(`prune approved by ${userInfo().username} from 127.0.0.1: episode ${e1}, 8 apps will be deleted`);
    const done = await eventually(async () => {
      const d = await daemon.status();
      return d.prune.episode === null && d.prune.candidates.length === 0 ? d : undefined;
    }, 'the episode over and the candidates cleared');
    expect(done.prune).toMatchObject({ blocked: false, budget: { used: 0 } });

    // The same apps come back, and their files go again: a new episode, blocked again.
    for (const n of names.slice(0, 8)) await repo.write(`${n}.yaml`, manifestYaml({ name: n }));
    repo.commit('eight back');
    await eventually(() => marathon.apps().length === 12, 'the eight re-created');
    since = marathon.requestLog().at(-1)?.seq ?? 0;
    for (const n of names.slice(0, 8)) await repo.remove(`${n}.yaml`);
    repo.commit('remove eight again');
    const second = await blockedEpisode(e1);
    const e2 = second.prune.episode?.id as string;
    expect(second.prune).toMatchObject({ blocked: true, candidates: ids.slice(0, 8), episode: { approvedBy: null } });

    // The first approval, replayed, is refused: it answered another episode.
    const stale = cli('approve', '--episode', e1);
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain(`409: prune episode ${e1} is over: the guard now holds back episode ${e2} (8 apps)`);
    // Every candidate reached the guard's decision (blocked), and a resync came after it:
    // whatever could have deleted them has run.
    const blockedAt = Date.now();
    await eventually(async () => {
      const d = await daemon.status();
      const decided = ids.slice(0, 8).every((id) => d.apps.find((a) => a.id === id)?.lastError?.code === 'prune-blocked');
      return decided && d.sources.every((s) => s.lastReadAt !== null && Date.parse(s.lastReadAt) > blockedAt);
    }, 'the blocked apps judged, and a resync after');
    expect(describeWrites(appWrites(marathon, undefined, since))).toEqual([]);
    expect(marathon.apps()).toHaveLength(12);
    expect((await daemon.status()).prune.episode?.id).toBe(e2);
  });
});
