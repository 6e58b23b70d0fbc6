import { describe, expect, it } from 'vitest';
import { renderStatus, selectApps } from '../../../src/cli/commands/status.js';
import { exampleStore } from '../../status/fixtures.js';

const doc = exampleStore().snapshot();

describe('maracker status', () => {
  it('prints the phase, then one aligned line per app: sync, health, healthy/desired, source, URL', () => {
    const text = renderStatus(doc, doc.apps, false);
    const lines = text.split('\n');
    expect(lines[0]).toBe(`${doc.phase}: ${doc.message} (${doc.role} ${doc.instance}, ${doc.apps.length} apps)`);
    expect(lines[1]).toMatch(/^ID +SYNC +HEALTH +READY +SOURCE +URL$/);
    for (const [i, app] of doc.apps.entries()) {
      expect(lines[i + 2]).toMatch(new RegExp(`^${app.id} +${app.sync} +${app.health} +${app.instances.healthy}/${app.instances.desired} +`));
    }
    expect(text.endsWith('\n')).toBe(true);
    const columns = lines.slice(1, -1).map((l) => (l.indexOf('SYNC') >= 0 ? l.indexOf('SYNC') : l.search(/ (Synced|OutOfSync|Invalid|Conflict|Unknown) /) + 1));
    expect(new Set(columns).size).toBe(1);
  });

  it('adds where the tasks listen, the servers Traefik v3 is given, what is pending and the last error with -o wide', () => {
    const text = renderStatus(doc, doc.apps, true);
    expect(text.split('\n')[1]).toMatch(/URL +TASKS +SERVERS +PENDING +LAST ERROR$/);
    expect(text).toMatch(/\/mip\/prod\/portal .* agent-1\.mip\.local:31004,agent-2\.mip\.local:31517 +2 +- +-$/m);
    const one = doc.apps.find((a) => a.id === '/mip/prod/portal') as (typeof doc.apps)[number];
    const sick = { ...one, tasks: one.tasks.map((t, i) => (i === 0 ? { ...t, healthy: false, ready: false } : { ...t, state: 'TASK_STAGING', ready: false })) };
    expect(renderStatus(doc, [sick], true)).toContain('agent-1.mip.local:31004(unhealthy),agent-2.mip.local:31517(staging)');
    const broken = doc.apps.find((a) => a.lastError);
    if (broken) expect(text).toContain(broken.lastError?.message as string);
  });

  it('keeps the apps and groups named, in the states asked for', () => {
    const ids = (prefixes: string[], sync: string[] = [], health: string[] = []) => selectApps(doc, prefixes, sync, health).map((a) => a.id);
    const first = doc.apps[0]?.id as string;
    const group = first.split('/').slice(0, -1).join('/');
    expect(ids([first])).toEqual([first]);
    expect(ids([group.slice(1)]).every((id) => id.startsWith(`${group}/`))).toBe(true);
    expect(ids([], ['Synced'])).toEqual(doc.apps.filter((a) => a.sync === 'Synced').map((a) => a.id));
    expect(ids([], [], ['Nothing'])).toEqual([]);
    expect(renderStatus(doc, [], false).split('\n')[1]).toBe('no apps match');
  });
});

describe('maracker status against a running daemon', () => {
  it('lists the apps the daemon reconciles, as JSON too, and says where it could not reach', async () => {
    const { spawnSync } = await import('node:child_process');
    const { startDaemonProcess, eventually, CLI } = await import('../../helpers/daemon-process.js');
    const { gitRepo } = await import('../../helpers/git-repo.js');
    const { manifestYaml } = await import('../../helpers/manifests.js');
    const { sandbox } = await import('../../helpers/sandbox.js');
    const repo = await gitRepo();
    await repo.write('web.yaml', manifestYaml({ name: 'web', group: 'demo', instances: 2 }));
    const marathon = await sandbox();
    const daemon = await startDaemonProcess({ marathonUrl: marathon.url, manifests: repo.manifests });
    // A loaded machine starts the sandbox's tasks slowly: the wait is for an event, not a speed.
    await eventually(async () => (await daemon.app('/demo/web'))?.health === 'Healthy', 'web healthy', 60_000);
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [CLI, 'status', '--status', daemon.statusUrl, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    const table = cli();
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/^\/demo\/web +Synced +Healthy +2\/2 +web\.yaml:1 +-$/m);
    const json = JSON.parse(cli('-o', 'json', '--health', 'Healthy').stdout) as { apps: Array<{ id: string }> };
    expect(json.apps.map((a) => a.id)).toEqual(['/demo/web']);
    const { freePort } = await import('../../../src/net/free-ports.js');
    const closed = await freePort();
    const unreachable = spawnSync(process.execPath, [CLI, 'status', '--status', `http://127.0.0.1:${closed}`], { encoding: 'utf8' });
    expect(unreachable.status).toBe(1);
    expect(unreachable.stderr).toBe(
      `maracker status: cannot reach the daemon at 127.0.0.1:${closed}: connection refused: is the daemon running, and is --status its address?\n`,
    );
  });
});

describe('maracker sync against a running daemon', () => {
  it('repairs a drifted app at once when asked, waits for it, and says which apps it does not know', async () => {
    const { startDaemonProcess, eventually, runCli } = await import('../../helpers/daemon-process.js');
    const { gitRepo } = await import('../../helpers/git-repo.js');
    const { manifestYaml } = await import('../../helpers/manifests.js');
    const { sandbox } = await import('../../helpers/sandbox.js');
    const repo = await gitRepo();
    await repo.write('web.yaml', manifestYaml({ name: 'web', group: 'demo', instances: 2 }));
    const marathon = await sandbox();
    // No events and a resync far away: only the sync asked for can repair the drift.
    const daemon = await startDaemonProcess({
      marathonUrl: marathon.url,
      manifests: repo.manifests,
      args: ['--no-events', '--resync-interval', '3600'],
    });
    await eventually(async () => (await daemon.app('/demo/web'))?.health === 'Healthy', 'web healthy').catch((e) => {
      console.log(daemon.output());
      throw e;
    });
    const scale = await fetch(`${marathon.url}/v2/apps/demo/web?force=true`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: 5 }),
    });
    expect(scale.status).toBe(200);
    const cli = (...args: string[]) => runCli(['sync', '--status', daemon.statusUrl, ...args]);
    const r = await cli('/demo/web', '--wait', '--timeout', '60', '--interval', '0.2');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^1 app\(s\) reconciled\n/);
    expect(r.stdout).toMatch(/in sync: \/demo\/web\n$/);
    expect(r.status).toBe(0);
    const after = (await (await fetch(`${marathon.url}/v2/apps/demo/web`)).json()) as { app: { instances: number } };
    expect(after.app.instances).toBe(2);

    const unknown = await cli('/demo/nothing');
    expect(unknown.status).toBe(2);
    expect(unknown.stdout).toContain('not declared by any source nor in Marathon: /demo/nothing');
    const bad = await cli('demo');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('not an absolute app id: demo');
    const all = await cli();
    expect(all.stdout).toBe('every source re-read, Marathon listed, every app reconciled\n');
    expect(all.status).toBe(0);
  });
});
