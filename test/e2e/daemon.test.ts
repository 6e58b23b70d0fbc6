// End-to-end: the real `maracker run` process, the Marathon sandbox, and a git repository
// of manifests, driven the way operators drive them (commit, edit, remove, break files,
// edit Marathon by hand).

import { describe, expect, it } from 'vitest';
import { LABEL_MANAGED_BY, LABEL_SOURCE } from '../../src/model/labels.js';
import { runCli, startDaemonProcess, eventually, type DaemonProcess } from '../helpers/daemon-process.js';
import { gitRepo, type GitRepo } from '../helpers/git-repo.js';
import { manifestYaml } from '../helpers/manifests.js';
import { appWrites, describeWrites, sandbox } from '../helpers/sandbox.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import type { DaemonStatus } from '../../src/status/model.js';
import { HARNESS_MARK, type History } from '../harness/history.js';
import { watchInvariants } from '../harness/watch.js';

async function setup(args: string[] = []): Promise<{ repo: GitRepo; marathon: Sandbox; daemon: DaemonProcess; history: History }> {
  const repo = await gitRepo();
  const marathon = await sandbox();
  const { history } = await watchInvariants({ sandbox: marathon, manifests: repo.manifests });
  const daemon = await startDaemonProcess({ marathonUrl: marathon.url, manifests: repo.manifests, args: ['--resync-interval', '2', ...args] });
  return { repo, marathon, daemon, history };
}

const synced =
  (daemon: DaemonProcess, id: string, health = 'Healthy') =>
  async () => {
    const a = await daemon.app(id);
    return a?.sync === 'Synced' && a.health === health ? a : undefined;
  };

describe('maracker run against the sandbox', () => {
  it('creates the app of a committed manifest and reports it Synced and Healthy at its revision', async () => {
    const { repo, marathon, daemon } = await setup();
    await repo.write('web.yaml', manifestYaml({ name: 'web', group: 'demo', instances: 2, extra: '  expose:\n    host: web.localhost' }));
    const head = repo.commit('add web');
    const status = await eventually(synced(daemon, '/demo/web'), 'web Synced and Healthy');
    expect(status).toMatchObject({ source: 'web.yaml:1', instances: { desired: 2, running: 2, healthy: 2 }, url: 'http://web.localhost' });
    const doc = await eventually(async () => {
      const d = await daemon.status();
      return d.sources[0]?.revision === head ? d : undefined;
    }, 'the folder revision');
    // No --installation and no database: a derived name, in status and in the ownership label.
    expect(doc.installation).toMatchObject({ name: expect.stringMatching(/^auto-[0-9a-f]{12}$/), origin: 'derived' });
    expect(marathon.app('/demo/web')?.labels?.[LABEL_MANAGED_BY]).toBe(`maracker.${doc.installation.name}`);
    expect(daemon.output()).toContain('set --installation (MARACKER_INSTALLATION)');
    expect(doc.sources[0]).toMatchObject({ name: 'folder', state: 'Ready', dirty: false, apps: 1 });
    expect(describeWrites(appWrites(marathon))).toEqual(['POST /v2/apps']);
  });

  it('scales without restart when only instances change', async () => {
    const { repo, marathon, daemon } = await setup();
    await repo.write('web.yaml', manifestYaml({ name: 'web', instances: 1 }));
    repo.commit('web');
    await eventually(synced(daemon, '/web'), 'web running');
    const firstTask = marathon.app('/web')?.tasks?.[0]?.id;
    const since = marathon.requestLog().at(-1)?.seq ?? 0;
    await repo.write('web.yaml', manifestYaml({ name: 'web', instances: 3 }));
    repo.commit('scale web');
    await eventually(async () => (await daemon.app('/web'))?.instances.running === 3 && synced(daemon, '/web')(), 'three instances');
    const writes = appWrites(marathon, '/web', since);
    expect(describeWrites(writes)).toEqual(['PUT /v2/apps/web']);
    expect(writes[0]?.body).toEqual({ instances: 3 });
    expect(marathon.app('/web')?.tasks?.map((t) => t.id)).toContain(firstTask);
  });

  it('restarts with the full definition when cmd changes', async () => {
    const { repo, marathon, daemon } = await setup();
    await repo.write('web.yaml', manifestYaml({ name: 'web', cmd: 'sleep 1000' }));
    repo.commit('web');
    await eventually(synced(daemon, '/web'), 'web running');
    const oldTasks = marathon.app('/web')?.tasks?.map((t) => t.id) ?? [];
    const since = marathon.requestLog().at(-1)?.seq ?? 0;
    await repo.write('web.yaml', manifestYaml({ name: 'web', cmd: 'sleep 2000' }));
    repo.commit('new cmd');
    await eventually(async () => marathon.app('/web')?.cmd === 'sleep 2000' && synced(daemon, '/web')(), 'the new cmd running');
    const writes = appWrites(marathon, '/web', since);
    expect(describeWrites(writes)).toEqual(['PUT /v2/apps/web?partialUpdate=false']);
    expect(writes[0]?.body).toMatchObject({ id: '/web', cmd: 'sleep 2000' });
    expect(writes[0]?.body).not.toHaveProperty('version');
    await eventually(() => marathon.app('/web')?.tasks?.every((t) => !oldTasks.includes(t.id)), 'old tasks replaced');
  });

  it('deletes the app when its file is removed', async () => {
    const { repo, marathon, daemon } = await setup();
    await repo.write('web.yaml', manifestYaml({ name: 'web' }));
    await repo.write('keep.yaml', manifestYaml({ name: 'keep' }));
    repo.commit('two apps');
    await eventually(synced(daemon, '/web'), 'web running');
    await repo.remove('web.yaml');
    repo.commit('remove web');
    await eventually(() => marathon.app('/web') === undefined, 'web deleted');
    await eventually(async () => (await daemon.app('/web')) === undefined, 'web gone from status');
    expect(marathon.app('/keep')).toBeDefined();
  });

  it('moves a manifest to another file without restarting its app, and records the new file with the next write', async () => {
    const { repo, marathon, daemon } = await setup();
    await repo.write('web.yaml', manifestYaml({ name: 'web', cmd: 'sleep 1000' }));
    repo.commit('web');
    await eventually(synced(daemon, '/web'), 'web running');
    const since = marathon.requestLog().at(-1)?.seq ?? 0;
    repo.git('mv', 'manifests/web.yaml', 'manifests/team-a.yaml');
    repo.commit('reorganise');
    await eventually(async () => (await daemon.app('/web'))?.source === 'team-a.yaml:1', 'status names the new file');
    await daemon.afterPasses(2); // resync passes (every 2 s here) find nothing to do
    expect(describeWrites(appWrites(marathon, '/web', since))).toEqual([]);
    expect(marathon.app('/web')?.labels?.[LABEL_SOURCE]).toBe('file:web.yaml');
    await repo.write('team-a.yaml', manifestYaml({ name: 'web', cmd: 'sleep 2000' }));
    repo.commit('new cmd');
    await eventually(() => marathon.app('/web')?.cmd === 'sleep 2000', 'the new cmd written');
    expect(marathon.app('/web')?.labels?.[LABEL_SOURCE]).toBe('file:team-a.yaml');
  });

  it('leaves the app untouched and reports Invalid with file and line when its file breaks', async () => {
    const { repo, marathon, daemon } = await setup();
    await repo.write('web.yaml', manifestYaml({ name: 'web', mem: 32 }));
    repo.commit('web');
    await eventually(synced(daemon, '/web'), 'web running');
    const since = marathon.requestLog().at(-1)?.seq ?? 0;
    await repo.write('web.yaml', manifestYaml({ name: 'web', mem: 64, extra: '  instaces: 3' }));
    const invalid = await eventually(async () => {
      const a = await daemon.app('/web');
      return a?.sync === 'Invalid' ? a : undefined;
    }, 'web Invalid');
    expect(invalid.lastError).toMatchObject({ file: 'web.yaml', line: 10, column: 3 });
    expect(invalid.lastError?.message).toContain('instaces');
    expect(invalid.health).toBe('Healthy');
    await daemon.afterPasses(2);
    expect(appWrites(marathon, undefined, since)).toEqual([]);
    expect(marathon.app('/web')?.mem).toBe(32);
  });

  it('blocks a pass that would delete most apps and deletes nothing', async () => {
    const { repo, marathon, daemon } = await setup();
    for (let i = 0; i < 8; i++) await repo.write(`app${i}.yaml`, manifestYaml({ name: `app${i}` }));
    repo.commit('eight apps');
    await eventually(async () => (await daemon.status()).apps.filter((a) => a.sync === 'Synced').length === 8, 'eight apps synced');
    const since = marathon.requestLog().at(-1)?.seq ?? 0;
    for (let i = 0; i < 7; i++) await repo.remove(`app${i}.yaml`);
    repo.commit('remove most');
    // The files go one by one: the guard may block once six are gone, and holds the seventh too.
    const blocked = await eventually(async () => {
      const d = await daemon.status();
      return d.phase === 'Blocked' && d.prune.candidates.length === 7 ? d : undefined;
    }, 'phase Blocked, with the seven apps');
    expect(blocked.prune).toMatchObject({ blocked: true, limit: 5, candidates: ['/app0', '/app1', '/app2', '/app3', '/app4', '/app5', '/app6'] });
    await daemon.afterPasses(2);
    expect(describeWrites(appWrites(marathon, undefined, since))).toEqual([]);
    expect(marathon.apps()).toHaveLength(8);
  });

  it('deletes a blocked list once an operator approves it with maracker prune approve and the status token', async () => {
    const { repo, marathon, daemon, history } = await setup(['--status-token', 's3cret']);
    for (let i = 0; i < 8; i++) await repo.write(`app${i}.yaml`, manifestYaml({ name: `app${i}` }));
    repo.commit('eight apps');
    await eventually(
      async () => marathon.apps().length === 8 && (await fetch(`${daemon.statusUrl}/readyz`, { headers: { authorization: 'Bearer s3cret' } })).status === 200,
      'eight apps',
    );
    for (let i = 0; i < 7; i++) await repo.remove(`app${i}.yaml`);
    repo.commit('remove most');
    // The CLI runs without blocking this process: the sandbox the daemon talks to lives here.
    const cli = (...args: string[]) => runCli(['prune', ...args, '--status', daemon.statusUrl]);
    // The files go one by one: the guard may block on the first six, then open a new episode
    // when the seventh joins (as in prune.test.ts). Wait for the episode of all seven on the
    // status endpoint `prune show` reads (a fetch per poll, not a Node start), then show it.
    const status = async () => {
      const res = await fetch(`${daemon.statusUrl}/status`, { headers: { authorization: 'Bearer s3cret' } });
      return res.status === 200 ? ((await res.json()) as DaemonStatus) : undefined;
    };
    const episode = await eventually(async () => {
      const p = (await status())?.prune;
      return p?.blocked && p.candidates.length === 7 && p.episode?.candidates.length === 7 ? p.episode.id : undefined;
    }, 'the blocked episode of all seven');
    const shown = await cli('show', '--status-token', 's3cret');
    expect(shown.status).toBe(0);
    expect(shown.stdout).toMatch(/^episode [0-9a-f]{12}: 7 apps would be deleted \(limit 5 per 1 h, 0 used\):\n {2}- \/app0\n/);
    expect(shown.stdout).toContain(`episode ${episode}: `);
    const refused = await cli('approve');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('401');
    expect(marathon.apps()).toHaveLength(8);
    const start = Date.now();
    const approved = await cli('approve', '--status-token', 's3cret');
    history.add({ kind: 'prune-approved', start, end: Date.now(), ids: Array.from({ length: 7 }, (_, i) => `/app${i}`) });
    expect(approved.status).toBe(0);
    expect(approved.stdout).toContain('approved deleting 7 apps');
    await eventually(() => marathon.apps().length === 1, 'the approved deletes');
    expect(daemon.output()).toContain('prune approved by');
  });

  it('restores a managed app scaled by hand in Marathon', async () => {
    const { repo, marathon, daemon } = await setup(['--resync-interval', '3600']);
    await repo.write('web.yaml', manifestYaml({ name: 'web', instances: 2 }));
    repo.commit('web');
    await eventually(synced(daemon, '/web'), 'web running');
    const since = marathon.requestLog().at(-1)?.seq ?? 0;
    const res = await fetch(`${marathon.url}/v2/apps/web?${HARNESS_MARK}=1`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: 5 }),
    });
    expect(res.status).toBe(200);
    await eventually(() => marathon.app('/web')?.instances === 2 && marathon.deployments().length === 0, 'instances restored to 2');
    // The hand edit, then exactly one repair: no 409 storm while Marathon deploys the hand edit.
    expect(appWrites(marathon, '/web', since).map((e) => [e.method, e.body, e.status])).toEqual([
      ['PUT', { instances: 5 }, 200],
      ['PUT', { instances: 2 }, 200],
    ]);
  });

  it('reports an app whose tasks keep failing their health checks Degraded, not Progressing for as long as its deployment waits on them, and applies its fix over that deployment', async () => {
    // Real processes and real checks (the sandbox's exec runtime). Marathon's deployment of
    // the new app waits for its tasks to pass their checks, so it never ends; with
    // maxConsecutiveFailures 0 the failing tasks are never even replaced.
    const repo = await gitRepo();
    const marathon = await sandbox({ exec: true });
    const daemon = await startDaemonProcess({ marathonUrl: marathon.url, manifests: repo.manifests, args: ['--resync-interval', '3600'] });
    const check = [
      '  ports:',
      '    - name: http',
      '  healthChecks:',
      '    - protocol: HTTP',
      '      port: http',
      '      path: /no-such-page',
      '      gracePeriodSeconds: 1',
      '      intervalSeconds: 1',
      '      timeoutSeconds: 1',
      '      maxConsecutiveFailures: 0',
    ].join('\n');
    await repo.write('web.yaml', manifestYaml({ name: 'web', instances: 2, cmd: 'python3 -m http.server $PORT0 --bind 127.0.0.1', extra: check }));
    repo.commit('web with a check that fails');
    // Each task's checks fail on their own clock: the app is Degraded from the first one on,
    // and stays so once both fail (never replaced, never healthy).
    const status = await eventually(async () => {
      const a = await synced(daemon, '/web', 'Degraded')();
      return a?.lastError?.message.startsWith('2 of 2') ? a : undefined;
    }, 'web Synced and Degraded, both tasks failing');
    expect(status).toMatchObject({
      instances: { desired: 2, running: 2, healthy: 0 },
      lastError: { message: '2 of 2 running task(s) failing health checks (deployment in progress)' },
    });
    expect(marathon.deployments()).toHaveLength(1);
    expect((await daemon.status()).phase).toBe('Degraded');
    expect(describeWrites(appWrites(marathon, '/web'))).toEqual(['POST /v2/apps']);
    // The fix replaces the deployment that cannot finish (force=true) rather than waiting
    // behind it for good, as Marathon's 409 without force would have it.
    await repo.write(
      'web.yaml',
      manifestYaml({ name: 'web', instances: 2, cmd: 'python3 -m http.server $PORT0 --bind 127.0.0.1', extra: check.replace('/no-such-page', '/') }),
    );
    repo.commit('fix the check');
    await eventually(synced(daemon, '/web'), 'web Synced and Healthy');
    expect(describeWrites(appWrites(marathon, '/web'))).toEqual(['POST /v2/apps', 'PUT /v2/apps/web?partialUpdate=false&force=true']);
    await eventually(() => marathon.deployments().length === 0, 'no deployment left');
  });

  it('reports an app whose command keeps exiting Degraded, with the failure Marathon recorded', async () => {
    const repo = await gitRepo();
    const marathon = await sandbox({ exec: true });
    const daemon = await startDaemonProcess({ marathonUrl: marathon.url, manifests: repo.manifests, args: ['--resync-interval', '3600'] });
    await repo.write('web.yaml', manifestYaml({ name: 'web', cmd: 'echo starting; exit 3' }));
    repo.commit('web that exits');
    const status = await eventually(synced(daemon, '/web', 'Degraded'), 'web Synced and Degraded');
    expect(status.lastError?.message).toBe('Command exited with status 3');
    expect(status.instances.running).toBe(0);
    expect(describeWrites(appWrites(marathon, '/web'))).toEqual(['POST /v2/apps']);
  });

  /**
   * One agent with one host port, and /web with two instances that each need one: the first
   * task takes it, the second waits for an offer that never comes, and Marathon's deployment
   * with it. Returned once the daemon reports /web Synced and Progressing.
   */
  async function placingForGood(args: string[] = []): Promise<{ repo: GitRepo; marathon: Sandbox; daemon: DaemonProcess }> {
    const repo = await gitRepo();
    const marathon = await sandbox({ hostPortRange: { min: 31_000, max: 31_000 } });
    const daemon = await startDaemonProcess({ marathonUrl: marathon.url, manifests: repo.manifests, args: ['--resync-interval', '3600', ...args] });
    await repo.write('web.yaml', manifestYaml({ name: 'web', instances: 2, extra: '  ports:\n    - name: http' }));
    repo.commit('web, two instances for one port');
    await eventually(synced(daemon, '/web', 'Progressing'), 'web Synced and Progressing');
    return { repo, marathon, daemon };
  }

  it('reports an app whose deployment cannot finish (a task no offer can place) Degraded after --deployment-timeout', async () => {
    const { marathon, daemon } = await placingForGood(['--deployment-timeout', '3']);
    const status = await eventually(synced(daemon, '/web', 'Degraded'), 'web Synced and Degraded');
    expect(status).toMatchObject({
      instances: { desired: 2, running: 1 },
      lastError: { message: expect.stringMatching(/^deployment still running after 3 s \(--deployment-timeout\): 1 of 2 task\(s\) running/) },
    });
    expect(marathon.deployments()).toHaveLength(1);
    expect(describeWrites(appWrites(marathon, '/web'))).toEqual(['POST /v2/apps']);
  });

  it('applies a new commit over a deployment of the previous one still running, without waiting for it to time out', async () => {
    // The deployment runs on; the timeout is the default 10 minutes. A commit that changes
    // the spec replaces it at once.
    const { repo, marathon, daemon } = await placingForGood();
    await repo.write('web.yaml', manifestYaml({ name: 'web', instances: 1, cmd: 'sleep 2000', extra: '  ports:\n    - name: http' }));
    repo.commit('web: one instance, another command');
    // Synced at once: Marathon deploys the new spec (its new task waits for the port the old
    // one holds, as Marathon's rolling restart would: that deployment runs on in its turn).
    await eventually(async () => (await daemon.app('/web'))?.sync === 'Synced' && marathon.app('/web')?.cmd === 'sleep 2000', 'the new spec in Marathon');
    expect(describeWrites(appWrites(marathon, '/web'))).toEqual(['POST /v2/apps', 'PUT /v2/apps/web?partialUpdate=false&force=true']);
    expect(marathon.app('/web')?.instances).toBe(1);
    // Logged as the write's answer comes back; the log may reach the pipe after status does.
    await eventually(() => daemon.output().includes('replaced Marathon deployment of what the sources no longer declare'), 'the replacement logged');
    const metrics = await (await fetch(`${daemon.statusUrl}/metrics`)).text();
    expect(metrics).toContain('maracker_deployments_replaced_total{reason="obsolete"} 1\n');
  });

  it('applies a smaller count over a deployment that cannot place the larger one, without waiting for it to time out', async () => {
    const { repo, marathon, daemon } = await placingForGood();
    await repo.write('web.yaml', manifestYaml({ name: 'web', instances: 1, extra: '  ports:\n    - name: http' }));
    repo.commit('web: one instance');
    await eventually(synced(daemon, '/web'), 'web Synced and Healthy');
    expect(describeWrites(appWrites(marathon, '/web'))).toEqual(['POST /v2/apps', 'PUT /v2/apps/web?force=true']);
    expect(marathon.deployments()).toEqual([]);
  });

  it('finishes a rolling restart that a scale replaced: no task of the old command is left running', async () => {
    // Two agents with one host port each. The restart's new tasks wait for a port the old ones
    // hold; past --deployment-timeout the deployment is stuck, and a smaller count replaces it
    // (force). Marathon plans that as a scale (AppDefinition.isOnlyScaleChange): it keeps a task
    // of the old command, which the definition no longer says.
    const repo = await gitRepo();
    const marathon = await sandbox({ hostPortRange: { min: 31_000, max: 31_000 }, agents: 2 });
    const daemon = await startDaemonProcess({
      marathonUrl: marathon.url,
      manifests: repo.manifests,
      args: ['--resync-interval', '1', '--deployment-timeout', '2', '--older-tasks-grace', '2'],
    });
    const web = (o: { instances: number; cmd: string }): string => manifestYaml({ name: 'web', ...o, extra: '  ports:\n    - name: http' });
    await repo.write('web.yaml', web({ instances: 2, cmd: 'sleep 1000' }));
    repo.commit('web on both agents');
    await eventually(synced(daemon, '/web'), 'web Synced and Healthy');
    await repo.write('web.yaml', web({ instances: 2, cmd: 'sleep 2000' }));
    repo.commit('web: another command, no port left for the rollout');
    await eventually(synced(daemon, '/web', 'Degraded'), 'the rollout stuck');
    await repo.write('web.yaml', web({ instances: 1, cmd: 'sleep 2000' }));
    repo.commit('web: one instance');
    await eventually(
      async () => {
        const app = marathon.app('/web');
        const since = app?.versionInfo?.lastConfigChangeAt ?? '';
        const tasks = app?.tasks ?? [];
        const s = await daemon.app('/web');
        return s?.sync === 'Synced' && s.health === 'Healthy' && tasks.length === 1 && tasks.every((t) => (t.version ?? '') >= since);
      },
      'one task, of the current command',
      30_000,
    );
    // The scale that replaced the stuck rollout, then the restart that finishes it; nothing after.
    await daemon.afterPasses(3);
    expect(describeWrites(appWrites(marathon, '/web'))).toEqual([
      'POST /v2/apps',
      'PUT /v2/apps/web?partialUpdate=false',
      'PUT /v2/apps/web?force=true',
      'POST /v2/apps/web/restart',
    ]);
    expect(marathon.app('/web')?.cmd).toBe('sleep 2000');
    const metrics = await (await fetch(`${daemon.statusUrl}/metrics`)).text();
    expect(metrics).toContain('maracker_writes_total{kind="restart"} 1\n');
  });

  it('never touches an app it does not own', async () => {
    const { repo, marathon, daemon } = await setup();
    marathon.preload([{ id: '/legacy/db', cmd: 'sleep 1000', instances: 1, cpus: 0.1, mem: 32 }]);
    await repo.write('web.yaml', manifestYaml({ name: 'web' }));
    repo.commit('web');
    await eventually(synced(daemon, '/web'), 'web running');
    await daemon.afterPasses(2);
    expect(appWrites(marathon, '/legacy/db')).toEqual([]);
    expect(await daemon.app('/legacy/db')).toBeUndefined();
  });

  it('reports a Conflict when a second file declares an existing id, and applies neither version', async () => {
    const { repo, marathon, daemon } = await setup();
    await repo.write('a.yaml', manifestYaml({ name: 'web', mem: 32 }));
    await repo.write('other.yaml', manifestYaml({ name: 'other' }));
    repo.commit('web and other');
    await eventually(synced(daemon, '/web'), 'web running');
    const since = marathon.requestLog().at(-1)?.seq ?? 0;
    await repo.write('b.yaml', manifestYaml({ name: 'web', mem: 64 }));
    await repo.write('other.yaml', manifestYaml({ name: 'other', instances: 2 }));
    repo.commit('clash');
    const web = await eventually(async () => {
      const a = await daemon.app('/web');
      return a?.sync === 'Conflict' ? a : undefined;
    }, 'web in Conflict');
    expect(web.lastError?.message).toBe('declared more than once: a.yaml:1 and b.yaml:1');
    await eventually(async () => (await daemon.app('/other'))?.instances.running === 2, 'everything else still converging');
    expect(appWrites(marathon, '/web', since)).toEqual([]);
    expect(marathon.app('/web')?.mem).toBe(32);
  });

  it('writes nothing while Marathon fails with 500 for 30 s, says Degraded, and converges after', async () => {
    const { repo, marathon, daemon } = await setup();
    await repo.write('web.yaml', manifestYaml({ name: 'web', instances: 1 }));
    repo.commit('web');
    await eventually(synced(daemon, '/web'), 'web running');
    const fault = marathon.faults.add({ kind: 'status', status: 500, body: { message: 'internal error' } });
    const since = marathon.requestLog().at(-1)?.seq ?? 0;
    await repo.write('web.yaml', manifestYaml({ name: 'web', instances: 2 }));
    await repo.write('api.yaml', manifestYaml({ name: 'api' }));
    repo.commit('during the outage');
    await eventually(async () => (await daemon.status()).phase === 'Degraded', 'phase Degraded');
    await new Promise((r) => setTimeout(r, 30_000));
    expect(appWrites(marathon, undefined, since).filter((e) => e.status !== 500)).toEqual([]);
    const attempted = appWrites(marathon, undefined, since);
    expect(describeWrites(attempted)).toEqual([]);
    marathon.faults.remove(fault.id);
    await eventually(synced(daemon, '/api'), 'api created after the outage', 30_000);
    await eventually(async () => (await daemon.app('/web'))?.instances.running === 2, 'web scaled after the outage', 30_000);
    // Ready once the scale deployment has also finished (tasks can be running before it ends).
    await eventually(async () => (await daemon.status()).phase === 'Ready', 'phase Ready again', 30_000);
  }, 90_000);

  it('exits 0 on SIGTERM, its process and event-loop metrics scraped and nothing of them holding it open', async () => {
    const { daemon } = await setup();
    await eventually(async () => (await daemon.status()).ready, 'first sync');
    const metrics = await (await fetch(`${daemon.statusUrl}/metrics`)).text();
    for (const name of [
      'maracker_resyncs_total',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_gc_duration_seconds',
    ]) {
      expect(metrics, name).toContain(`\n# TYPE ${name} `);
    }
    expect(await daemon.stop()).toBe(0);
  });
});
