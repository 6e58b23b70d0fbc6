// End-to-end: installations sharing one Marathon, and the upgrade from a maracker that wrote
// no installation into its ownership label. Real daemon processes against one sandbox; the
// sandbox's request log is the proof of what each daemon wrote.

import { describe, expect, it } from 'vitest';
import { parseManifestText } from '../../src/manifest/parse.js';
import { LABEL_MANAGED_BY } from '../../src/model/labels.js';
import type { RequestLogEntry } from '../../src/sandbox/request-log.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { eventually, startDaemonProcess, type DaemonProcess } from '../helpers/daemon-process.js';
import { gitRepo, type GitRepo } from '../helpers/git-repo.js';
import { manifestYaml, multiDoc } from '../helpers/manifests.js';
import { appWrites, describeWrites, sandbox } from '../helpers/sandbox.js';

const lastSeq = (s: Sandbox): number => s.requestLog().at(-1)?.seq ?? 0;

/** Listings of Marathon by the installation `name` (its ownership selector names it) since `since`. */
function listingsBy(s: Sandbox, name: string, since: number): number {
  return s.requestLog(since).filter((e) => e.method === 'GET' && e.path === '/v2/apps' && (e.query.label ?? []).some((l) => l.includes(`maracker.${name})`)))
    .length;
}

/** Writes to apps whose id starts with one of `prefixes`. */
function writesTo(s: Sandbox, prefixes: string[], since = 0): RequestLogEntry[] {
  return appWrites(s, undefined, since).filter((e) => {
    const id = e.path === '/v2/apps' ? String((e.body as { id?: unknown } | null)?.id ?? '') : e.path.slice('/v2/apps'.length);
    return prefixes.some((p) => id.startsWith(p));
  });
}

function labelOf(e: RequestLogEntry): string | undefined {
  return (e.body as { labels?: Record<string, string> } | null)?.labels?.[LABEL_MANAGED_BY];
}

async function allSynced(d: DaemonProcess, ids: string[]): Promise<void> {
  await eventually(
    async () => {
      const st = await d.status();
      return ids.every((id) => st.apps.find((a) => a.id === id)?.sync === 'Synced');
    },
    `${ids.join(', ')} Synced`,
    60_000,
  );
}

function apps(group: string, names: string[], extra: Partial<Parameters<typeof manifestYaml>[0]> = {}): string {
  return multiDoc(...names.map((name) => manifestYaml({ name, group, ...extra })));
}

describe('two installations on one Marathon', () => {
  it("never write to each other's apps, over many resyncs, and report an id both declare as a Conflict", async () => {
    const marathon = await sandbox({ deploymentDurationMs: 50 });
    const a: GitRepo = await gitRepo();
    const b: GitRepo = await gitRepo();
    // Overlapping ids: /shared/* are declared by both, with different definitions.
    await a.write('a.yaml', apps('/a', ['a0', 'a1', 'a2', 'a3', 'a4']));
    await a.write('shared.yaml', apps('/shared', ['s0', 's1', 's2']));
    a.commit('team a');
    await b.write('b.yaml', apps('/b', ['b0', 'b1', 'b2', 'b3', 'b4']));
    await b.write('shared.yaml', apps('/shared', ['s0', 's1', 's2'], { instances: 2, cmd: 'sleep 7200' }));
    b.commit('team b');
    const args = ['--resync-interval', '1', '--log-level', 'info'];
    const daemonA = await startDaemonProcess({ marathonUrl: marathon.url, manifests: a.manifests, args: [...args, '--installation', 'team-a'] });
    const aIds = ['/a/a0', '/a/a1', '/a/a2', '/a/a3', '/a/a4', '/shared/s0', '/shared/s1', '/shared/s2'];
    await allSynced(daemonA, aIds);
    const daemonB = await startDaemonProcess({ marathonUrl: marathon.url, manifests: b.manifests, args: [...args, '--installation', 'team-b'] });
    await allSynced(daemonB, ['/b/b0', '/b/b1', '/b/b2', '/b/b3', '/b/b4']);
    const conflicts = await eventually(async () => {
      const st = await daemonB.status();
      const shared = st.apps.filter((x) => x.id.startsWith('/shared/'));
      return shared.length === 3 && shared.every((x) => x.sync === 'Conflict') ? shared : undefined;
    }, 'the shared ids Conflict for team-b');
    for (const c of conflicts) {
      expect(c.lastError).toMatchObject({ code: 'foreign' });
      expect(c.lastError?.message).toContain('belongs to maracker installation "team-a"');
    }

    // Each team goes on changing its own apps while both resync every second.
    const since = lastSeq(marathon);
    await a.write('a.yaml', multiDoc(apps('/a', ['a0', 'a2', 'a3']), manifestYaml({ name: 'a1', group: '/a', instances: 3 })));
    a.commit('a4 goes, a1 scales');
    await b.write('b.yaml', apps('/b', ['b0', 'b1', 'b2', 'b3', 'b4', 'b5']));
    await b.remove('shared.yaml');
    b.commit('b5 comes, team b stops declaring /shared');
    await eventually(
      () => marathon.app('/a/a4') === undefined && marathon.app('/a/a1')?.instances === 3 && marathon.app('/b/b5') !== undefined,
      'both changes applied',
      60_000,
    );
    await eventually(
      () => listingsBy(marathon, 'team-a', since) >= 15 && listingsBy(marathon, 'team-b', since) >= 15,
      'fifteen resyncs of each daemon',
      120_000,
    );
    await allSynced(
      daemonA,
      aIds.filter((id) => id !== '/a/a4'),
    );

    // Exactly the changes each team asked for, by the installation that owns the app.
    expect(describeWrites(writesTo(marathon, ['/a/'], since)).sort()).toEqual(['DELETE /v2/apps/a/a4', 'PUT /v2/apps/a/a1']);
    expect(describeWrites(writesTo(marathon, ['/shared/'], since))).toEqual([]);
    const bWrites = writesTo(marathon, ['/b/'], since);
    expect(describeWrites(bWrites)).toEqual(['POST /v2/apps']);
    expect(bWrites.map(labelOf)).toEqual(['maracker.team-b']);
    // Since it started, team-b never wrote anything of team-a's: no create, change or delete.
    expect(
      appWrites(marathon)
        .filter((e) => labelOf(e) === 'maracker.team-b')
        .every((e) => String((e.body as { id: string }).id).startsWith('/b/')),
    ).toBe(true);
    expect(
      marathon
        .apps()
        .filter((x) => x.id.startsWith('/shared/'))
        .map((x) => [x.id, x.instances, x.labels?.[LABEL_MANAGED_BY]])
        // In any order: the order apps were created in is not something maracker promises.
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    ).toEqual([
      ['/shared/s0', 1, 'maracker.team-a'],
      ['/shared/s1', 1, 'maracker.team-a'],
      ['/shared/s2', 1, 'maracker.team-a'],
    ]);

    // Each reports the other's apps as foreign: ids and owners, no definitions.
    const [stA, stB] = [await daemonA.status(), await daemonB.status()];
    expect(stA.installation).toMatchObject({ name: 'team-a', origin: 'option', foreign: { count: 6 } });
    expect(stA.installation.foreign.apps.every((x) => x.installation === 'team-b' && x.id.startsWith('/b/'))).toBe(true);
    expect(stB.installation).toMatchObject({ name: 'team-b', origin: 'option', foreign: { count: 7 } });
    expect(stB.installation.foreign.apps.map((x) => Object.keys(x).sort())).toEqual(Array(7).fill(['id', 'installation']));
    // Undeclared by team-b now: no longer its Conflicts, and not its to delete.
    expect(stB.apps.filter((x) => x.id.startsWith('/shared/'))).toEqual([]);
    // One log line per foreign app, however many passes saw it.
    const foreignLines = daemonB
      .output()
      .split('\n')
      .filter((l) => l.includes('"appId":"/a/a0"') && l.includes('installation \\"team-a\\"'));
    expect(foreignLines).toHaveLength(1);
  }, 240_000);
});

describe('upgrading from a maracker that named no installation', () => {
  it('restarts nothing: declared legacy apps keep their version, move to the installation with their next real change, and undeclared ones are never deleted', async () => {
    const marathon = await sandbox({ deploymentDurationMs: 50 });
    const repo = await gitRepo();
    const files = {
      'web.yaml': apps('/mip', ['web', 'api']),
      'jobs.yaml': apps('/mip', ['batch', 'report']),
    };
    for (const [path, text] of Object.entries(files)) {
      await repo.write(path, text);
      // As the old maracker left them: its labels, `maracker.managed-by=maracker` only.
      marathon.preload(parseManifestText(text, path).apps.map((x) => x.definition));
    }
    repo.commit('four apps, deployed by the old maracker');
    // Someone else's old app: the same old label, declared by no source of this installation.
    marathon.preload([{ id: '/other/legacy', cmd: 'sleep 3600', instances: 1, cpus: 0.1, mem: 32, labels: { [LABEL_MANAGED_BY]: 'maracker' } }]);
    const versions = new Map(marathon.apps().map((x) => [x.id, x.version]));
    expect([...new Set(marathon.apps().map((x) => x.labels?.[LABEL_MANAGED_BY]))]).toEqual(['maracker']);

    const daemon = await startDaemonProcess({
      marathonUrl: marathon.url,
      manifests: repo.manifests,
      args: ['--resync-interval', '1', '--installation', 'mip-prod', '--log-level', 'info'],
    });
    const declared = ['/mip/api', '/mip/batch', '/mip/report', '/mip/web'];
    await allSynced(daemon, declared);
    await eventually(async () => (await daemon.status()).phase === 'Ready', 'phase Ready');
    const since = lastSeq(marathon);
    await eventually(() => listingsBy(marathon, 'mip-prod', since) >= 5, 'five resyncs');
    // Nothing written, nothing restarted.
    expect(describeWrites(appWrites(marathon))).toEqual([]);
    expect(new Map(marathon.apps().map((x) => [x.id, x.version]))).toEqual(versions);
    expect((await daemon.status()).installation).toMatchObject({
      name: 'mip-prod',
      legacy: { claimed: 4, unclaimed: { count: 1, apps: ['/other/legacy'] } },
    });

    // A real change: the app restarts anyway, and now carries the installation's label.
    // A scale keeps its tasks and its old label. A manifest removed: the app stays (unclaimed).
    await repo.write(
      'web.yaml',
      multiDoc(manifestYaml({ name: 'web', group: '/mip', cmd: 'sleep 7200' }), manifestYaml({ name: 'api', group: '/mip', instances: 2 })),
    );
    await repo.remove('jobs.yaml');
    await repo.write('report.yaml', manifestYaml({ name: 'report', group: '/mip' }));
    repo.commit('web changes, api scales, batch is no longer declared');
    await eventually(
      () => marathon.app('/mip/web')?.labels?.[LABEL_MANAGED_BY] === 'maracker.mip-prod' && marathon.app('/mip/api')?.instances === 2,
      'the change and the scale',
      60_000,
    );
    await allSynced(daemon, ['/mip/api', '/mip/report', '/mip/web']);
    const after = await eventually(
      async () => {
        const st = await daemon.status();
        return st.installation.legacy.unclaimed.count === 2 && st.installation.legacy.claimed === 2 ? st : undefined;
      },
      'batch unclaimed',
      30_000,
    );
    expect(after.installation.legacy.unclaimed.apps).toEqual(['/mip/batch', '/other/legacy']);
    expect(describeWrites(appWrites(marathon)).sort()).toEqual(['PUT /v2/apps/mip/api', 'PUT /v2/apps/mip/web?partialUpdate=false']);
    expect(marathon.app('/mip/api')?.labels?.[LABEL_MANAGED_BY]).toBe('maracker');
    for (const id of ['/mip/batch', '/mip/report', '/other/legacy']) expect(marathon.app(id)?.version, id).toBe(versions.get(id));
    expect(marathon.app('/mip/web')?.version).not.toBe(versions.get('/mip/web'));
  }, 180_000);
});
