// Scenario (issue 17): git push (webhook) -> first Marathon write, per transport.
//
// A bare repository, 100 manifests under deploy/ (the apps of save-to-write), the sandbox
// preloaded with them already deployed, the daemon in its own process with --git-url,
// --git-path deploy, a webhook secret, and --git-interval and --resync-interval of an hour:
// only the webhook brings a push in. The same run, from scratch, for each way the daemon can
// reach the forge's repository:
//
// - http: real `git http-backend` behind a small node HTTP server on 127.0.0.1
//   (bench/git-http.ts, one CGI process per request, as behind a web server);
// - git: `git daemon` on 127.0.0.1 (git://, which maracker takes on a loopback address only);
// - path: the bare repository by its path, as when the forge's storage is on the same host or
//   mounted into maracker's container;
// - ssh: OpenSSH's sshd on 127.0.0.1 (bench/ssh-server.ts, Debian's openssh-server; skipped,
//   and said so, when it is not installed), the daemon with its key and known_hosts.
//
// Each push changes one app's instances or mem (alternating) in a working clone of the
// bench's: commit, then `git push` (to the bare repository by its path), then the webhook POST
// a GitHub push notice would be (signed X-Hub-Signature-256). Apps are changed round-robin in
// a fixed shuffled order; pushes are at least 1.05 s apart (the webhook lets 10 through at
// once, then 1 per second), the pause taken before the commit, outside what is measured.
//
// Timer: starts when `git push` returns to the bench (the forge has the commit; what a forge
// then takes to send its notice is not counted), stops when the sandbox (same process)
// receives the write request for that app; both on performance.now(). Also reported from the
// webhook POST leaving the bench. 10 warm-up pushes, then 60 measured, per transport.
// Correctness, per transport: exactly one write per push, each answered 200, a scale for an
// instances change and a full update for a mem change, nothing else within 2.5 s after the
// last one. The daemon's log line for each commit read gives the fetch's share and the read's
// (fetch_p50_ms, read_p50_ms); what is left of each push's time from the webhook (the webhook
// itself, the reconcile, the write) is other_p50_ms.
//
// Figures: git_push.p50 / .p99 / .from_hook.p50 are http's (the names the scenario had when
// it measured http alone); git_push.git.*, git_push.path.* and git_push.ssh.* the other transports'. The
// goal of issue 17 (p50 <= 100 ms) is the same for every transport.
//
// Run alone: npm run bench -- --only git-push

import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { startBenchDaemon, untilReady, type BenchDaemon } from './daemon-process.js';
import { fleet, saveManifest, translatedFolder, writeManifests, type FleetApp, type Variant } from './fleet.js';
import { startGitDaemon, startGitHttpServer } from './git-http.js';
import { sshdMissing, startSshServer } from './ssh-server.js';
import { median, type BenchRecord } from './record.js';
import { HOST_PORTS, ms, round1, shuffled, sleep, summarize, tempDir } from './util.js';
import { appWriteRequests, lastSeq, SandboxWatch, writeTarget } from './watch-sandbox.js';

const FILES = 100;
const WARMUP = 10;
const PUSHES = 60;
const DEPLOYMENT_MS = 1000;
/** The webhook's rate: a burst of 10, then one per second. */
const NOTICE_GAP_MS = 1050;
const SECRET = 'bench-webhook-secret-0123456789';

interface Push {
  change: 'instances' | 'mem';
  fromPushMs: number;
  fromHookMs: number;
}

/** How the daemon reaches the bare repository `origin.git` below `root`. */
interface Transport {
  name: 'http' | 'git' | 'path' | 'ssh';
  title: string;
  /** Why it cannot run here, if it cannot. */
  missing?: () => string | undefined;
  /** The server, and the daemon options that reach it. */
  serve: (root: string) => Promise<{ url: string; args?: string[]; stop: () => Promise<void> }>;
}

const TRANSPORTS: readonly Transport[] = [
  {
    name: 'http',
    title: 'http (git http-backend as CGI)',
    serve: async (root) => {
      const http = await startGitHttpServer(root);
      return { url: http.url('origin.git'), stop: http.stop };
    },
  },
  {
    name: 'git',
    title: 'git (git daemon on 127.0.0.1)',
    serve: async (root) => {
      const daemon = await startGitDaemon(root);
      return { url: daemon.url('origin.git'), stop: daemon.stop };
    },
  },
  {
    name: 'path',
    title: 'path (the bare repository on the same host)',
    serve: async (root) => ({ url: join(root, 'origin.git'), stop: async () => undefined }),
  },
  {
    name: 'ssh',
    title: 'ssh (OpenSSH sshd on 127.0.0.1, --git-ssh-reuse 60)',
    missing: sshdMissing,
    serve: async (root) => {
      const dir = join(root, 'sshd');
      await mkdir(dir);
      const sshd = await startSshServer(dir);
      return {
        url: sshd.url(join(root, 'origin.git')),
        // Fetches share one login (docs/git-source.md): what an operator who wants fast pushes over ssh sets.
        args: ['--git-ssh-key', sshd.clientKey, '--git-known-hosts', sshd.knownHosts, '--git-ssh-reuse', '60'],
        stop: sshd.stop,
      };
    },
  },
];

export async function benchGitPush(): Promise<BenchRecord[]> {
  const records: BenchRecord[] = [];
  for (const t of TRANSPORTS) {
    const missing = t.missing?.();
    if (missing !== undefined) {
      console.warn(`git-push over ${t.name} skipped: ${missing}`);
      continue;
    }
    records.push(...(await benchTransport(t)));
  }
  return records;
}

async function benchTransport(transport: Transport): Promise<BenchRecord[]> {
  const root = await tempDir(`git-push-${transport.name}`);
  let sandbox: Sandbox | undefined;
  let daemon: BenchDaemon | undefined;
  let watch: SandboxWatch | undefined;
  let server: { url: string; args?: string[]; stop: () => Promise<void> } | undefined;
  try {
    const bare = join(root.path, 'origin.git');
    const work = join(root.path, 'work');
    const cache = join(root.path, 'cache');
    const deploy = join(work, 'deploy');
    await git(root.path, 'init', '-q', '--bare', '-b', 'main', bare);
    await git(root.path, 'init', '-q', '-b', 'main', work);
    await git(work, 'remote', 'add', 'origin', bare);
    await mkdir(cache);
    const apps = fleet(FILES);
    await writeManifests(deploy, apps);
    await git(work, 'add', '-A');
    await git(work, 'commit', '-q', '-m', `${FILES} apps`);
    await git(work, 'push', '-q', 'origin', 'HEAD:main');
    server = await transport.serve(root.path);

    sandbox = await startSandbox({ deploymentDurationMs: DEPLOYMENT_MS, hostPortRange: HOST_PORTS });
    sandbox.preload((await translatedFolder(deploy)).map((d) => d.definition));
    const sb = sandbox;
    watch = new SandboxWatch(sb);
    const w = watch;
    daemon = await startBenchDaemon([
      '--marathon',
      sb.url,
      '--manifests',
      'none',
      '--git-url',
      server.url,
      '--git-path',
      'deploy',
      '--git-cache',
      cache,
      ...(server.args ?? []),
      '--git-webhook-secret',
      SECRET,
      '--git-interval',
      '3600',
      '--resync-interval',
      '3600',
    ]);
    await untilReady(daemon);
    const startWrites = appWriteRequests(sb);
    if (startWrites.length > 0) throw new Error(`the daemon wrote at start over apps in sync: ${startWrites.map((e) => `${e.method} ${e.path}`).join(', ')}`);
    const hookUrl = `${daemon.statusUrl}/hooks/git`;

    const load = loadavg()[0] as number;
    const since = lastSeq(sb);
    const order = shuffled(apps, 13);
    const state = new Map<string, Required<Variant>>(apps.map((a) => [a.id, { instances: 1 + (a.index % 3), mem: 512 }]));
    const pushes: Push[] = [];
    /** The commit of each push, warm-up included. */
    const commits: string[] = [];
    let lastNotice = -Infinity;
    for (let s = 0; s < WARMUP + PUSHES; s++) {
      const app = order[s % order.length] as FleetApp;
      const v = state.get(app.id) as Required<Variant>;
      const change = s % 2 === 0 ? 'instances' : 'mem';
      const next =
        change === 'instances'
          ? { ...v, instances: v.instances === 1 + (app.index % 3) ? v.instances + 1 : v.instances - 1 }
          : { ...v, mem: v.mem === 512 ? 768 : 512 };
      state.set(app.id, next);
      await sleep(Math.max(0, lastNotice + NOTICE_GAP_MS - performance.now()));
      await saveManifest(deploy, app, next, 'in-place');
      await git(work, 'commit', '-q', '-a', '-m', `${app.name}: ${change} ${next[change]}`);
      // The notice is made before the push: nothing but the POST itself runs between the two clocks.
      const after = (await git(work, 'rev-parse', 'HEAD')).trim();
      commits.push(after);
      const body = JSON.stringify({ ref: 'refs/heads/main', after });
      const signature = createHmac('sha256', SECRET).update(body).digest('hex');
      const arrival = w.nextWrite(app.id, 15_000);
      await git(work, 'push', '-q', 'origin', 'HEAD:main');
      const pushed = performance.now();
      const noticed = performance.now();
      lastNotice = noticed;
      const res = await fetch(hookUrl, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${signature}` },
      });
      await res.arrayBuffer();
      if (res.status !== 202) throw new Error(`push ${s}: the webhook answered ${res.status}`);
      const a = await arrival;
      if (s >= WARMUP) pushes.push({ change, fromPushMs: a.at - pushed, fromHookMs: a.at - noticed });
    }
    // Late or repeated writes would show up here.
    await sleep(2_500);
    const writes = appWriteRequests(sb, since);
    const problems: string[] = [];
    if (writes.length !== WARMUP + PUSHES) problems.push(`${writes.length} writes for ${WARMUP + PUSHES} pushes`);
    writes.forEach((e, i) => {
      if (e.status !== 200) problems.push(`${e.method} ${e.path} answered ${e.status}`);
      const id = (order[i % order.length] as FleetApp).id;
      if (writeTarget(e) !== id) problems.push(`write ${i} went to ${writeTarget(e)}, push ${i} changed ${id}`);
      const isScale = JSON.stringify(Object.keys(e.body ?? {})) === '["instances"]';
      if (isScale !== (i % 2 === 0)) problems.push(`write ${i} to ${id}: expected ${i % 2 === 0 ? 'a scale' : 'a full update'}`);
    });
    if (problems.length > 0) throw new Error(`git-push over ${transport.name}: ${problems.slice(0, 8).join('; ')}`);

    // Where the time went, from the daemon's own line per commit read (fetchMs, readMs): one
    // per push, in order (the writes were checked above: one per push, none late).
    const reads = daemon
      .logLines(/"fetchMs"/)
      .map((l) => JSON.parse(l) as { commit: string; fetchMs: number; readMs: number })
      .slice(-PUSHES);
    // ...and each of them read the commit that push made (fetched from the remote's ref).
    const misread = reads.findIndex((r, i) => r.commit !== commits[WARMUP + i]);
    if (reads.length === PUSHES && misread >= 0)
      throw new Error(`git-push over ${transport.name}: push ${WARMUP + misread} made ${commits[WARMUP + misread]}, the daemon read ${reads[misread]?.commit}`);
    const split: Record<string, number> =
      reads.length === PUSHES
        ? {
            fetch_p50_ms: ms(median(reads.map((r) => r.fetchMs))),
            read_p50_ms: ms(median(reads.map((r) => r.readMs))),
            other_p50_ms: ms(median(pushes.map((p, i) => p.fromHookMs - (reads[i]?.fetchMs ?? 0) - (reads[i]?.readMs ?? 0)))),
          }
        : {};
    const fromPush = summarize(pushes.map((p) => p.fromPushMs));
    const fromHook = summarize(pushes.map((p) => p.fromHookMs));
    const min = (list: readonly number[]): number => ms(Math.min(...list));
    const p50Of = (change: Push['change']): number => ms(summarize(pushes.filter((p) => p.change === change).map((p) => p.fromPushMs)).p50);
    const params = {
      pushes: PUSHES,
      warmup: WARMUP,
      files: FILES,
      transport: transport.title,
      deployment_ms: DEPLOYMENT_MS,
      load_1m: round1(load),
    };
    // http keeps the scenario's first names (history stays comparable); the others are named by transport.
    const prefix = transport.name === 'http' ? 'git_push' : `git_push.${transport.name}`;
    const p50: BenchRecord = {
      name: `${prefix}.p50`,
      value: ms(fromPush.p50),
      unit: 'ms',
      params: {
        ...params,
        from: 'git push returned',
        p50_scale_ms: p50Of('instances'),
        p50_update_ms: p50Of('mem'),
        ...split,
        ...(transport.name === 'http' ? {} : { from_hook_p50_ms: ms(fromHook.p50) }),
      },
      goal: { op: '<=', value: 100 },
    };
    const p99: BenchRecord = {
      name: `${prefix}.p99`,
      value: ms(fromPush.p99),
      unit: 'ms',
      params: { ...params, from: 'git push returned', min_ms: min(pushes.map((p) => p.fromPushMs)), max_ms: ms(fromPush.max) },
    };
    if (transport.name !== 'http') return [p50, p99];
    return [
      p50,
      p99,
      {
        name: 'git_push.from_hook.p50',
        value: ms(fromHook.p50),
        unit: 'ms',
        params: { ...params, from: 'webhook POST sent', p99_ms: ms(fromHook.p99), min_ms: min(pushes.map((p) => p.fromHookMs)), max_ms: ms(fromHook.max) },
      },
    ];
  } finally {
    watch?.close();
    await daemon?.stop();
    await sandbox?.close();
    await server?.stop();
    await root.remove();
  }
}

/** git in `cwd` as a fixed committer (no global git configuration needed). */
function git(cwd: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', ['-C', cwd, '-c', 'user.email=bench@example.org', '-c', 'user.name=bench', ...args], (err, stdout, stderr) => {
      if (err) reject(new Error(`git ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}
