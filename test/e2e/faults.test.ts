// Named faults, each against the real daemon process and the Marathon sandbox, each judged
// by the invariant checker (watchInvariants) on top of its own assertions from the request log.

import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startEmbeddedPostgres } from '../../src/postgres/embedded.js';
import { silentLogger } from '../../src/base/log.js';
import { parseManifestText } from '../../src/manifest/parse.js';
import type { FaultKind } from '../../src/sandbox/faults.js';
import type { RequestLogEntry } from '../../src/sandbox/request-log.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/sandbox.js';
import { eventually, startDaemonProcess, type DaemonProcess } from '../helpers/daemon-process.js';
import { gitRepo, type GitRepo } from '../helpers/git-repo.js';
import { manifestYaml, multiDoc } from '../helpers/manifests.js';
import { TEST_SETTINGS } from '../helpers/pg-settings.js';
import { psql, usePostgres } from '../helpers/postgres.js';
import { appWrites, sandbox } from '../helpers/sandbox.js';
import { tempDir } from '../helpers/tmp.js';
import { formatViolations } from '../harness/invariants.js';
import { daemonProcess, freePort, Scope } from '../harness/stack.js';
import { watchInvariants, type InvariantWatch } from '../harness/watch.js';

const server = usePostgres();

interface Stack {
  repo: GitRepo;
  marathon: Sandbox;
  daemon: DaemonProcess;
  watch: InvariantWatch;
}

async function stack(
  o: { args?: string[]; sandbox?: SandboxOptions; before?: (s: { repo: GitRepo; marathon: Sandbox }) => Promise<void> | void } = {},
): Promise<Stack> {
  const repo = await gitRepo();
  const marathon = await sandbox(o.sandbox);
  await o.before?.({ repo, marathon });
  const watch = await watchInvariants({ sandbox: marathon, manifests: repo.manifests });
  const daemon = await startDaemonProcess({
    marathonUrl: marathon.url,
    manifests: repo.manifests,
    args: ['--resync-interval', '2', '--log-level', 'info', ...(o.args ?? [])],
  });
  return { repo, marathon, daemon, watch };
}

const lastSeq = (s: Sandbox): number => s.requestLog().at(-1)?.seq ?? 0;

/** Marathon holds exactly what the sources declare, nothing deploys: the checker's final-state rule. */
async function converged(s: Stack, timeoutMs = 60_000): Promise<void> {
  await s.watch.sync();
  try {
    await eventually(() => s.watch.converged().length === 0 && s.marathon.deployments().length === 0, 'Marathon converged to the sources', timeoutMs);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${formatViolations(s.watch.converged())}\ndaemon log:\n${s.daemon.output().slice(-3000)}`);
  }
}

async function allSynced(d: DaemonProcess, n: number): Promise<void> {
  await eventually(
    async () => {
      const st = await d.status();
      return st.apps.length === n && st.apps.every((a) => a.sync === 'Synced');
    },
    `${n} apps Synced`,
    60_000,
  );
}

function apps(prefix: string, n: number, extra: Partial<Parameters<typeof manifestYaml>[0]> = {}): string {
  return multiDoc(...Array.from({ length: n }, (_, i) => manifestYaml({ name: `${prefix}${i}`, ...extra })));
}

/** Most requests in any window of `ms`, by their arrival in the sandbox. */
function busiestWindow(entries: readonly RequestLogEntry[], ms: number): number {
  const times = entries.map((e) => Date.parse(e.time)).sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while ((times[i] as number) - (times[j] as number) >= ms) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

/** Largest number of deployments running at once in the sandbox while `during` runs. */
function deploymentPeak(s: Sandbox): { peak(): number; stop(): void } {
  const running = new Set<string>();
  let peak = 0;
  const off = s.onEvent((e) => {
    const ev = e as { eventType?: string; plan?: { id?: string }; id?: string };
    const id = ev.plan?.id ?? ev.id;
    if (!id) return;
    if (ev.eventType === 'deployment_info') running.add(id);
    if (ev.eventType === 'deployment_success' || ev.eventType === 'deployment_failed') running.delete(id);
    peak = Math.max(peak, running.size);
  });
  return { peak: () => peak, stop: off };
}

describe('Marathon answers 200 with a body maracker cannot use', () => {
  it.each<FaultKind>(['truncate', 'invalid-json', 'empty-object'])(
    '%s: no writes, Degraded, nothing deleted; converges once the answers are whole',
    async (kind) => {
      const s = await stack();
      for (let i = 0; i < 4; i++) await s.repo.write(`app${i}.yaml`, manifestYaml({ name: `app${i}` }));
      s.repo.commit('four apps');
      await allSynced(s.daemon, 4);
      const since = lastSeq(s.marathon);
      const fault = s.marathon.faults.add({ kind, method: 'GET', pathPrefix: '/v2/apps' });
      await s.repo.write('app0.yaml', manifestYaml({ name: 'app0', instances: 2 }));
      await s.repo.remove('app1.yaml');
      await s.repo.write('new.yaml', manifestYaml({ name: 'new' }));
      s.repo.commit('changes while Marathon answers garbage');
      const degraded = await eventually(async () => {
        const st = await s.daemon.status();
        return st.phase === 'Degraded' && !st.marathon.reachable ? st : undefined;
      }, 'phase Degraded with Marathon unreadable');
      expect(degraded.message).toContain('Marathon cannot be read');
      // Two failed resync passes after the changes (2 s apart, longer than the prune settle
      // time): every trigger had its chance to act, however busy the machine.
      await s.daemon.afterPasses(2, 60_000, 'failed');
      expect(s.marathon.requestLog(since).filter((e) => e.faults.length > 0).length).toBeGreaterThan(0);
      expect(appWrites(s.marathon, undefined, since)).toEqual([]);
      s.marathon.faults.remove(fault.id);
      await converged(s);
      expect(s.marathon.app('/app1')).toBeUndefined();
      expect(s.marathon.app('/app0')?.instances).toBe(2);
    },
  );
});

describe('Marathon wiped behind maracker’s back', () => {
  it('re-creates everything, paced by --max-deployments and --write-rate, deleting nothing', async () => {
    const s = await stack({ args: ['--max-deployments', '4', '--write-rate', '5'], sandbox: { deploymentDurationMs: 300 } });
    for (let f = 0; f < 4; f++) await s.repo.write(`team${f}.yaml`, apps(`t${f}-app`, 5));
    s.repo.commit('twenty apps');
    await allSynced(s.daemon, 20);
    const since = lastSeq(s.marathon);
    const peak = deploymentPeak(s.marathon);
    const start = Date.now();
    await s.marathon.reset();
    s.watch.history.add({ kind: 'wipe', start, end: Date.now() });
    expect(s.marathon.apps()).toEqual([]);
    await converged(s);
    peak.stop();
    const writes = appWrites(s.marathon, undefined, since);
    const posts = writes.filter((e) => e.method === 'POST');
    expect(writes.filter((e) => e.method !== 'POST')).toEqual([]);
    const ids = posts.map((e) => (e.body as { id: string }).id).sort();
    expect(new Set(ids).size).toBe(20);
    expect(posts.every((e) => e.status === 201)).toBe(true);
    // Paced: never more than 4 deployments at once, never more POSTs in a second than the
    // bucket holds (5) plus what it refills in that second (5). The times are the sandbox's,
    // when each POST arrived, not when the daemon took its token: on a busy machine two
    // POSTs whose tokens were 200 ms apart can arrive closer, so a second of arrivals may
    // hold what the bucket refilled in up to 1.2 s (5 + 6).
    // Without the bucket, the deployment gate alone would let about 13 a second through
    // (4 slots of 300 ms).
    expect(peak.peak()).toBeGreaterThan(0);
    expect(peak.peak()).toBeLessThanOrEqual(4);
    expect(busiestWindow(posts, 1000)).toBeLessThanOrEqual(5 + Math.ceil(5 * 1.2));
  });
});

describe("Marathon's reads and writes of one app disagree (a lagging proxy, a standby Marathon)", () => {
  // Reads of /bad say 404 while a create of it is 409 "already exists". Seen before: the
  // daemon re-read and re-created at once, forever: 260 POSTs in 12 s, the whole write budget.
  it('backs off writing to that app while the others converge', async () => {
    const s = await stack({
      // No periodic resync inside the window: every POST of /bad below is a retry.
      args: ['--resync-interval', '3600'],
      before: ({ marathon }) => {
        // maracker created /bad earlier; now its reads no longer see it.
        marathon.preload(parseManifestText(manifestYaml({ name: 'bad' }), 'bad.yaml').apps.map((a) => a.definition));
        marathon.faults.add({ kind: 'hidden', appId: '/bad' });
      },
    });
    await s.repo.write('bad.yaml', manifestYaml({ name: 'bad' }));
    await s.repo.write('good.yaml', apps('good', 20));
    s.repo.commit('twenty apps, and one Marathon hides');
    await eventually(
      async () => {
        const st = await s.daemon.status();
        return st.apps.filter((a) => a.id.startsWith('/good') && a.sync === 'Synced').length === 20;
      },
      'the twenty other apps Synced',
      60_000,
    );
    // Make the window long enough to tell a backoff from a loop, then count.
    await eventually(() => appWrites(s.marathon, '/bad').length >= 5, 'five attempts at /bad', 60_000);
    const posts = appWrites(s.marathon, '/bad');
    const windowMs = Date.parse(s.marathon.requestLog().at(-1)?.time ?? '') - Date.parse(posts[0]?.time ?? '');
    // Retries of one app: the first at once, then after 1, 2, 4 … s of backoff (±20 %), so a
    // window of T ms holds at most 2 + log2(1 + T / 800) of them, however slow the machine.
    const bound = 3 + Math.ceil(Math.log2(1 + windowMs / 800));
    expect(posts.length).toBeLessThanOrEqual(bound);
    // Only the first contradiction is re-read at once; each later retry waits at least 1.6 s
    // after the 409 before it. A look asked for from outside (a source's change, the first
    // full pass at start-up) is not a retry and runs at once, so at start-up one can land
    // right after the re-read (seen at 0db9d0a too, most runs on an idle machine: POSTs at +0,
    // +118 and +150 ms, then +2.0 s and +5.9 s). No second holds more than three, however
    // busy; the loop this guards against held dozens.
    expect(busiestWindow(posts, 1000)).toBeLessThanOrEqual(3);
    expect(posts.every((e) => e.method === 'POST' && e.status === 409)).toBe(true);
    expect(await s.daemon.app('/bad')).toMatchObject({ sync: 'OutOfSync', lastError: { code: 'MRK_MARATHON_ALREADY_EXISTS' } });
    // The others were never starved: one POST each.
    const bad = new Set(appWrites(s.marathon, '/bad').map((e) => e.seq));
    expect(appWrites(s.marathon).filter((e) => !bad.has(e.seq) && e.method === 'POST')).toHaveLength(20);
  }, 120_000);
});

describe('Marathon refuses with its deployment cap (403)', () => {
  it('lowers its concurrency and converges without hammering', async () => {
    const s = await stack({ args: ['--max-deployments', '20'], sandbox: { deploymentDurationMs: 500, maxRunningDeployments: 2 } });
    await s.repo.write('many.yaml', apps('app', 12));
    s.repo.commit('twelve apps at once');
    await converged(s);
    const refused = s.marathon.requestLog().filter((e) => e.status === 403);
    expect(refused.length).toBeGreaterThan(0);
    // Halved at each refusal (20, 10, 5, 2, 1): a handful of 403s (8 or 9 measured here), where
    // a daemon that kept its limit at 20 was refused 30 times for the same twelve apps.
    expect(refused.length).toBeLessThanOrEqual(15);
  });
});

describe('connection reset after Marathon applied a write (the answer is lost)', () => {
  it('re-reads instead of writing again: one POST per new app, one PUT per scale, no 409', async () => {
    const s = await stack();
    for (let i = 0; i < 3; i++) await s.repo.write(`app${i}.yaml`, manifestYaml({ name: `app${i}` }));
    s.repo.commit('three apps');
    await allSynced(s.daemon, 3);
    const since = lastSeq(s.marathon);
    s.marathon.faults.add({ kind: 'reset-after', method: 'POST', times: 2 });
    s.marathon.faults.add({ kind: 'reset-after', method: 'PUT', times: 2 });
    await s.repo.write('new0.yaml', manifestYaml({ name: 'new0' }));
    await s.repo.write('new1.yaml', manifestYaml({ name: 'new1' }));
    await s.repo.write('app0.yaml', manifestYaml({ name: 'app0', instances: 3 }));
    await s.repo.write('app1.yaml', manifestYaml({ name: 'app1', instances: 2 }));
    s.repo.commit('two new apps, two scaled');
    await converged(s);
    const writes = appWrites(s.marathon, undefined, since);
    expect(writes.filter((e) => e.faults.length > 0).length).toBe(4);
    const per = (id: string, method: string): number => appWrites(s.marathon, id, since).filter((e) => e.method === method).length;
    expect([per('/new0', 'POST'), per('/new1', 'POST'), per('/app0', 'PUT'), per('/app1', 'PUT')]).toEqual([1, 1, 1, 1]);
    expect(writes.filter((e) => e.status === 409)).toEqual([]);
    expect(
      s.marathon
        .apps()
        .map((a) => a.id)
        .sort(),
    ).toEqual(['/app0', '/app1', '/app2', '/new0', '/new1']);
  });
});

describe('SIGKILL while applying 200 changes', () => {
  it('after a restart, converges without a single delete', async () => {
    const texts = (rev: number): Map<string, string> =>
      new Map(Array.from({ length: 20 }, (_, f) => [`team${f}.yaml`, apps(`t${f}-app`, 10, { cmd: `sleep ${3600 + rev}` })]));
    const s = await stack({
      args: ['--write-rate', '50', '--max-deployments', '40'],
      sandbox: { deploymentDurationMs: 50 },
      before: async ({ repo, marathon }) => {
        // 200 apps maracker already manages, as it would have left them: nothing to do at start.
        for (const [path, text] of texts(0)) {
          await repo.write(path, text);
          marathon.preload(parseManifestText(text, path).apps.map((a) => a.definition));
        }
        repo.commit('200 apps');
      },
    });
    await eventually(async () => (await s.daemon.status()).phase === 'Ready', 'first sync', 60_000);
    expect(appWrites(s.marathon)).toEqual([]);
    const since = lastSeq(s.marathon);
    for (const [path, text] of texts(1)) await s.repo.write(path, text);
    s.repo.commit('a new release of all 200');
    await eventually(() => appWrites(s.marathon, undefined, since).length >= 40, '40 updates sent', 60_000);
    s.daemon.kill();
    const applied = appWrites(s.marathon, undefined, since).length;
    expect(applied).toBeLessThan(200);
    const restarted = await startDaemonProcess({
      marathonUrl: s.marathon.url,
      manifests: s.repo.manifests,
      args: ['--resync-interval', '2', '--write-rate', '50', '--max-deployments', '40'],
    });
    await converged({ ...s, daemon: restarted }, 120_000);
    const writes = appWrites(s.marathon, undefined, since);
    expect(writes.filter((e) => e.method === 'DELETE')).toEqual([]);
    expect(writes.filter((e) => e.method === 'POST')).toEqual([]);
    expect(s.marathon.apps()).toHaveLength(200);
  }, 180_000);
});

describe('started before its manifests folder exists (a mount or a clone that comes later)', () => {
  it('reads the folder again until it appears, then converges (regression: torture seed 13)', async () => {
    const marathon = await sandbox();
    const manifests = join(await tempDir(), 'manifests');
    const watch = await watchInvariants({ sandbox: marathon, manifests });
    const daemon = await startDaemonProcess({ marathonUrl: marathon.url, manifests, args: ['--resync-interval', '2'] });
    await eventually(async () => (await daemon.status()).phase === 'Degraded', 'phase Degraded: the folder cannot be read');
    await mkdir(manifests);
    await writeFile(join(manifests, 'web.yaml'), manifestYaml({ name: 'web', instances: 2 }));
    await watch.sync();
    await eventually(() => marathon.app('/web')?.instances === 2, 'the app of the folder created', 30_000);
    await eventually(async () => (await daemon.status()).phase === 'Ready', 'phase Ready', 30_000);
  });
});

describe('a source that cannot be read still protects what it declared', () => {
  it('applies no row in conflict with a file while the folder cannot be read (regression: torture seeds 2037, 2042)', async () => {
    const databaseUrl = await server.database();
    const marathon = await sandbox();
    const root = await tempDir();
    const manifests = join(root, 'manifests');
    await mkdir(manifests);
    await writeFile(join(manifests, 'web.yaml'), manifestYaml({ name: 'web', instances: 2 }));
    const watch = await watchInvariants({ sandbox: marathon, manifests, databaseUrl });
    const daemon = await startDaemonProcess({ marathonUrl: marathon.url, manifests, databaseUrl, args: ['--resync-interval', '2'] });
    await eventually(() => marathon.app('/web')?.instances === 2 && marathon.deployments().length === 0, 'the app of the file running');
    await eventually(async () => (await psql(databaseUrl, 'SELECT 1 FROM maracker.apps')).code === 0, 'the schema');
    expect(
      (await psql(databaseUrl, `INSERT INTO maracker.apps (id, spec) VALUES ('/web', '{"cmd": "sleep 7200", "instances": 1, "cpus": 0.1, "mem": 32}')`)).code,
    ).toBe(0);
    await eventually(async () => (await daemon.app('/web'))?.sync === 'Conflict', 'a file and a row in Conflict');
    const since = lastSeq(marathon);
    await rename(manifests, join(root, 'away'));
    await eventually(async () => (await daemon.status()).sources.find((x) => x.name === 'folder')?.state === 'Unknown', 'the folder Unknown');
    // Two full resync passes (every 2 s here): the row alone must not look like the app's only declaration.
    await daemon.afterPasses(2);
    expect(appWrites(marathon, '/web', since)).toEqual([]);
    expect((await daemon.app('/web'))?.sync).toBe('Unknown');
    await rename(join(root, 'away'), manifests);
    expect((await psql(databaseUrl, `DELETE FROM maracker.apps WHERE id = '/web'`)).code).toBe(0);
    await watch.sync();
    await eventually(async () => (await daemon.app('/web'))?.sync === 'Synced', 'the file alone again, Synced');
    expect(marathon.app('/web')?.instances).toBe(2);
    expect(appWrites(marathon, '/web', since)).toEqual([]);
  });
});

describe('started while Marathon and the database are down', () => {
  it('answers /status at once (Degraded) and converges when both come up on the ports it was given', async () => {
    const scope = new Scope();
    onTestFinished(() => scope.close());
    const [marathonPort, pgPort, listenPort] = [await freePort(), await freePort(), await freePort()];
    const dir = await tempDir();
    const manifests = join(dir, 'manifests');
    await mkdir(manifests);
    await writeFile(join(manifests, 'web.yaml'), manifestYaml({ name: 'web', instances: 2 }));
    const databaseUrl = `postgresql://maracker:maracker@127.0.0.1:${pgPort}/maracker`;
    const daemon = daemonProcess(scope, {
      marathonUrl: `http://127.0.0.1:${marathonPort}`,
      manifests,
      databaseUrl,
      listenPort,
      args: ['--resync-interval', '2'],
    });
    // Neither Marathon nor PostgreSQL exists yet: answering at all proves the status server
    // waits for neither (how fast is a benchmark's business, not a test's).
    await daemon.start();
    const first = await daemon.status();
    expect(first.ready).toBe(false);
    const degraded = await eventually(async () => {
      const st = await daemon.status();
      return st.phase === 'Degraded' ? st : undefined;
    }, 'phase Degraded');
    expect(degraded.marathon.reachable).toBe(false);

    const marathon = await startSandbox({ port: marathonPort, deploymentDurationMs: 50 });
    scope.defer(() => marathon.close());
    const pgDir = await tempDir();
    const server = await startEmbeddedPostgres({ dataDir: pgDir, port: pgPort, logger: silentLogger(), settings: TEST_SETTINGS });
    scope.defer(() => server.stop());
    expect(server.url).toBe(databaseUrl);
    const watch = await watchInvariants({ sandbox: marathon, manifests, databaseUrl });
    await eventually(async () => (await psql(databaseUrl, 'SELECT 1 FROM maracker.apps')).code === 0, 'the schema migrated by the daemon', 60_000);
    const inserted = await psql(
      databaseUrl,
      `INSERT INTO maracker.apps (id, spec) VALUES ('/db/api', '{"cmd": "sleep 3600", "instances": 1, "cpus": 0.1, "mem": 32}')`,
    );
    expect(inserted.code).toBe(0);
    await watch.sync();
    await eventually(() => watch.converged().length === 0 && marathon.apps().length === 2 && marathon.deployments().length === 0, 'both apps running', 60_000);
    await eventually(async () => (await daemon.status()).phase === 'Ready', 'phase Ready', 30_000);
    expect(marathon.app('/web')?.instances).toBe(2);
  }, 120_000);
});
