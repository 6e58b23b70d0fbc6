// Runs one randomized scenario against the real components: the daemon process, the Marathon
// sandbox (fault PRNG seeded with the scenario's seed), embedded PostgreSQL (rows through
// psql and pg), a git work tree of manifests. Every operation is recorded in the history;
// after the last one the harness heals (faults cleared, sources readable, broken inputs
// fixed, daemon up), waits for the system to settle, and runs the invariant checker.

import { execFile } from 'node:child_process';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import pg from 'pg';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { isMarackerApp, LABEL_MANAGED_BY } from '../../src/model/labels.js';
import type { RequestLogEntry } from '../../src/sandbox/request-log.js';
import { History, HARNESS_MARK, type FileChange, type HistoryEvent } from './history.js';
import { appWrites, checkFinalState, checkInvariants, formatViolations, type CheckOptions, type Violation } from './invariants.js';
import {
  appIdOf,
  applyOp,
  cloneWorld,
  describeOp,
  fileIds,
  generateScenario,
  Prng,
  renderFile,
  rowSpec,
  type FileModel,
  type Op,
  type OtherInstallation,
  type Step,
  type World,
} from './scenario.js';
import { CLI, daemonProcess, freePort, gitRepo, psql, Scope, sleep, tempDir, type Daemon, type PgServer, type Repo } from './stack.js';
import { buildTimeline, clock, finalSegments } from './timeline.js';

export interface RunOptions {
  /** Operations per scenario. */
  length: number;
  pg: PgServer;
  /** The daemon's CLI (a snapshotCli copy); default dist/src/cli/main.js. */
  cli?: string;
  /** Progress lines (the torture entry point prints them). */
  log?: (line: string) => void;
  /** Longest wait for the system to settle after healing, ms. Default 90000. */
  settleTimeoutMs?: number;
  check?: CheckOptions;
}

export interface RunReport {
  seed: number;
  steps: Step[];
  /** What was done when, on the request log's clock. */
  timeline: string[];
  violations: Violation[];
  durationMs: number;
  daemonLog: string;
  /** The recorded data the checker read, to check again offline (`checkInvariants(dump)`). */
  dump?: { history: HistoryEvent[]; log: RequestLogEntry[] };
  /** What the run exercised: maracker's writes by kind, faults that fired, prune approvals. */
  stats: string;
}

const STATUS_TOKEN = 'torture-token';
// A settle window well above the pauses of the harness's own in-place writes (below), so a
// slow harness on a busy machine does not look like a writer that finished.
const DAEMON_ARGS = ['--resync-interval', '2', '--marathon-timeout', '3000', '--log-level', 'info', '--settle-ms', '1000', '--instance', 'torture-a'];
/** The second installation's daemon: its own folder, no database; named in its User-Agent. */
const OTHER_INSTANCE = 'torture-b';
/** Longest pause between two pieces of an in-place write. */
const IN_PLACE_PAUSE_MS = 150;

function migrate(cli: string, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cli, 'db', 'migrate', '--database-url', url], { timeout: 60_000 }, (err, _out, stderr) =>
      err ? reject(new Error(`db migrate failed: ${stderr}`)) : resolve(),
    );
  });
}

/** Sets up the branches of the scenario's initial world in a fresh repository. */
async function seedRepo(repo: Repo, w: World): Promise<void> {
  await writeFile(join(repo.manifests, '.keep'), '');
  const writeBranch = async (files: ReadonlyMap<string, FileModel>): Promise<void> => {
    await rm(repo.manifests, { recursive: true, force: true });
    await mkdir(repo.manifests, { recursive: true });
    await writeFile(join(repo.manifests, '.keep'), '');
    for (const [path, f] of files) await repo.write(path, renderFile(f));
    await repo.git('add', '-A');
    await repo.git('commit', '-q', '--allow-empty', '-m', 'setup');
  };
  await writeBranch(w.branches.get('main') as Map<string, FileModel>);
  for (const b of ['alt', 'gutted']) {
    await repo.git('checkout', '-q', '-b', b);
    await writeBranch(w.branches.get(b) as Map<string, FileModel>);
    await repo.git('checkout', '-q', 'main');
  }
}

function fileChanges(before: ReadonlyMap<string, FileModel>, after: ReadonlyMap<string, FileModel>): FileChange[] {
  const changes: FileChange[] = [];
  for (const [path, f] of after) {
    const text = renderFile(f);
    const old = before.get(path);
    if (!old || renderFile(old) !== text) changes.push({ path, text });
  }
  for (const path of before.keys()) if (!after.has(path)) changes.push({ path, text: null });
  return changes;
}

class Executor {
  readonly history = new History();
  readonly timeline: string[] = [];
  #client: pg.Client | undefined;
  /**
   * How in-place writes are cut up: a PRNG stream of its own, so the scenario's operations
   * (and the meaning of every recorded seed) stay what they were.
   */
  readonly #writes: Prng;

  constructor(
    seed: number,
    readonly world: World,
    readonly sb: Sandbox,
    readonly repo: Repo,
    readonly dbUrl: string,
    readonly pgServer: PgServer,
    readonly daemon: Daemon,
  ) {
    this.#writes = new Prng(seed ^ 0x2545f491);
  }

  note(text: string): void {
    this.timeline.push(`${clock(Date.now())}  ${text}`);
    this.history.note(text);
  }

  async #query(sql: string, params: unknown[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        if (!this.#client) {
          const c = new pg.Client({ connectionString: this.dbUrl, connectionTimeoutMillis: 5000 });
          c.on('error', () => undefined);
          await c.connect();
          this.#client = c;
        }
        await this.#client.query(sql, params);
        return;
      } catch (err) {
        await this.#client?.end().catch(() => undefined);
        this.#client = undefined;
        if (attempt >= 5) throw err;
        await sleep(300);
      }
    }
  }

  async #sql(via: 'psql' | 'pg', sql: string, params: string[]): Promise<void> {
    if (via === 'pg') return this.#query(sql, params);
    // psql has no parameters: literals, quoted the SQL way.
    const literal = sql.replace(/\$(\d+)/g, (_, n: string) => `'${(params[Number(n) - 1] as string).replace(/'/g, "''")}'`);
    for (let attempt = 1; ; attempt++) {
      const r = await psql(this.dbUrl, literal);
      if (r.code === 0) return;
      if (attempt >= 5) throw new Error(`psql failed: ${r.stderr}`);
      await sleep(300);
    }
  }

  async #writeFile(path: string, text: string, atomic: boolean): Promise<void> {
    const abs = join(this.repo.manifests, path);
    await mkdir(dirname(abs), { recursive: true });
    if (!atomic) return this.#writeInPlace(abs, text);
    // An editor's atomic save: a hidden temporary file renamed over the real one.
    const tmp = join(dirname(abs), `.${basename(abs)}.tmp`);
    await writeFile(tmp, text);
    await rename(tmp, abs);
  }

  /**
   * A shell's `cat > file`, a script or a slow editor: the file truncated, then written in
   * pieces with pauses. Cuts after the first document (fewer apps) and inside the last
   * `sleep N` (a shorter, valid number) are the dangerous ones; every state in between is
   * valid YAML that the daemon must never act on.
   */
  async #writeInPlace(abs: string, text: string): Promise<void> {
    const r = this.#writes;
    const cuts = new Set<number>();
    if (r.chance(0.5)) cuts.add(text.indexOf('---\n') + 4);
    if (r.chance(0.5)) cuts.add(text.lastIndexOf('sleep ') + 'sleep '.length + 2);
    for (let i = r.int(0, 4); i > 0; i--) cuts.add(r.int(1, Math.max(1, text.length - 1)));
    const points = [...cuts].filter((c) => c > 0 && c < text.length).sort((a, b) => a - b);
    const pauses = points.map(() => r.int(0, IN_PLACE_PAUSE_MS));
    const fh = await open(abs, 'w');
    try {
      let from = 0;
      for (const [i, to] of points.entries()) {
        await fh.write(text.slice(from, to));
        from = to;
        await sleep(pauses[i] as number);
      }
      await fh.write(text.slice(from));
    } finally {
      await fh.close();
    }
  }

  async run(op: Op): Promise<void> {
    const w = this.world;
    const h = this.history;
    switch (op.op) {
      case 'write-file':
        await h.during(
          () => this.#writeFile(op.path, renderFile(op.file), op.atomic),
          () => ({ kind: 'files', changes: [{ path: op.path, text: renderFile(op.file) }], note: op.why }),
        );
        break;
      case 'delete-file':
        await h.during(
          () => rm(join(this.repo.manifests, op.path)),
          () => ({ kind: 'files', changes: [{ path: op.path, text: null }] }),
        );
        break;
      case 'rename-file': {
        const f = w.files.get(op.from) as FileModel;
        await mkdir(dirname(join(this.repo.manifests, op.to)), { recursive: true });
        await h.during(
          () => rename(join(this.repo.manifests, op.from), join(this.repo.manifests, op.to)),
          () => ({
            kind: 'files',
            changes: [
              { path: op.from, text: null },
              { path: op.to, text: renderFile(f) },
            ],
            note: 'rename',
          }),
        );
        break;
      }
      case 'checkout': {
        const before = cloneWorld(w).files;
        const after = w.branches.get(op.branch) ?? new Map<string, FileModel>();
        await this.repo.git('add', '-A');
        await this.repo.git('commit', '-q', '--allow-empty', '-m', `torture on ${w.branch}`);
        await h.during(
          () => this.repo.git('checkout', '-q', op.branch),
          () => ({ kind: 'files', changes: fileChanges(before, after), note: `git checkout ${op.branch}` }),
        );
        break;
      }
      case 'row-upsert': {
        const spec = JSON.stringify(rowSpec(op.row));
        await h.during(
          () =>
            this.#sql(op.via, 'INSERT INTO maracker.apps (id, spec) VALUES ($1, $2::jsonb) ON CONFLICT (id) DO UPDATE SET spec = EXCLUDED.spec', [op.id, spec]),
          () => ({ kind: 'rows', changes: [{ id: op.id, spec: rowSpec(op.row) }], note: op.why }),
        );
        break;
      }
      case 'row-delete':
        await h.during(
          () => this.#sql(op.via, 'DELETE FROM maracker.apps WHERE id = $1', [op.id]),
          () => ({ kind: 'rows', changes: [{ id: op.id, spec: null }] }),
        );
        break;
      case 'fault':
        this.sb.faults.add(op.spec);
        break;
      case 'clear-faults':
        this.sb.faults.clear();
        break;
      case 'db-stop':
        await this.#client?.end().catch(() => undefined);
        this.#client = undefined;
        await h.during(
          () => this.pgServer.stop(),
          () => ({ kind: 'readable', source: 'database', readable: false, note: 'PostgreSQL stopped' }),
        );
        break;
      case 'db-start':
        await h.during(
          () => this.pgServer.start(),
          () => ({ kind: 'readable', source: 'database', readable: true, note: 'PostgreSQL started' }),
        );
        break;
      case 'table-away':
        // The database answers (leadership holds) but the apps table cannot be read: a
        // botched migration or a revoked grant. The trigger moves with the table.
        await h.during(
          () => this.#sql('pg', 'ALTER TABLE maracker.apps RENAME TO apps_away', []),
          () => ({ kind: 'readable', source: 'database', readable: false, note: 'table renamed away' }),
        );
        break;
      case 'table-back':
        await h.during(
          () => this.#sql('pg', 'ALTER TABLE maracker.apps_away RENAME TO apps', []),
          () => ({ kind: 'readable', source: 'database', readable: true, note: 'table back' }),
        );
        break;
      case 'folder-away':
        await h.during(
          () => rename(this.repo.manifests, `${this.repo.manifests}-away`),
          () => ({ kind: 'readable', source: 'folder', readable: false, note: 'folder moved away' }),
        );
        break;
      case 'folder-back':
        await h.during(
          () => rename(`${this.repo.manifests}-away`, this.repo.manifests),
          () => ({ kind: 'readable', source: 'folder', readable: true, note: 'folder back' }),
        );
        break;
      case 'daemon-kill':
        await this.daemon.kill();
        break;
      case 'daemon-start':
        await this.daemon.start();
        break;
      case 'hand-scale': {
        const app = this.sb.app(op.id);
        // Only an app that is there and owned: a PUT to a missing id would create it.
        if (!app || !isMarackerApp(app.labels)) {
          this.note(`(skipped: ${op.id} is not an owned app in Marathon right now)`);
          break;
        }
        // The hand edit goes through the same faults as maracker's requests (a hang, a reset).
        try {
          const res = await fetch(`${this.sb.url}/v2/apps${op.id}?${HARNESS_MARK}=1`, {
            method: 'PUT',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ instances: op.instances }),
            signal: AbortSignal.timeout(3000),
          });
          await res.arrayBuffer();
        } catch (err) {
          this.note(`(the hand edit failed: ${err instanceof Error ? err.message : String(err)})`);
        }
        break;
      }
      case 'unowned':
        await h.during(
          () => this.sb.preload([{ id: op.id, cmd: 'sleep 86400', instances: 1, cpus: 0.1, mem: 16, labels: { team: 'legacy' } }]),
          () => ({ kind: 'unowned', id: op.id, version: this.sb.app(op.id)?.version as string }),
        );
        break;
      case 'wipe':
        await h.during(
          () => this.sb.reset(),
          () => ({ kind: 'wipe' }),
        );
        break;
      case 'sleep':
        await sleep(op.ms);
        break;
    }
    applyOp(w, op);
  }

  /** Makes every input valid and readable again, records it, and brings everything up. */
  async heal(): Promise<void> {
    const w = this.world;
    this.sb.faults.clear();
    if (w.dbDown) await this.run({ op: 'db-start' });
    if (w.tableAway) await this.run({ op: 'table-back' });
    if (w.folderAway) await this.run({ op: 'folder-back' });
    // Down by the scenario, or crashed (reported apart): judge the rest with a live daemon.
    if (w.daemonDown || !this.daemon.alive) await this.run({ op: 'daemon-start' });
    for (const [path, f] of [...w.files].sort(([a], [b]) => a.localeCompare(b))) {
      if (f.apps.some((a) => w.unowned.has(appIdOf(a)) || w.foreign.has(appIdOf(a)))) await this.run({ op: 'delete-file', path });
      else if (f.broken) await this.run({ op: 'write-file', path, file: { apps: f.apps }, atomic: true, why: 'heal: fix' });
    }
    const declared = fileIds(w.files);
    for (const [id, row] of [...w.rows].sort(([a], [b]) => a.localeCompare(b))) {
      // A row in conflict with a file, and one claiming an app maracker does not own (it
      // stays in conflict with that app: nothing adopts it), as the files above.
      if (declared.has(id) || w.unowned.has(id) || w.foreign.has(id)) await this.run({ op: 'row-delete', id, via: 'pg' });
      else if (row.invalid) await this.run({ op: 'row-upsert', id, row: { ...row, invalid: false }, via: 'pg', why: 'heal: fix' });
    }
  }

  async close(): Promise<void> {
    await this.#client?.end().catch(() => undefined);
  }
}

/** What the model says Marathon must hold: checked without maracker's parser, as a second oracle. */
function modelProblems(w: World, sb: Sandbox): Violation[] {
  const out: Violation[] = [];
  const expect = (id: string, instances: number, mem: number, rev: number): void => {
    const app = sb.app(id);
    const cmd = `sleep ${3600 + rev}`;
    if (!app) out.push({ rule: 'final-state', appId: id, message: `model: ${id} should run (instances ${instances}, mem ${mem}, cmd ${cmd}) but is missing` });
    else if (app.instances !== instances || app.mem !== mem || app.cmd !== cmd) {
      out.push({
        rule: 'final-state',
        appId: id,
        message: `model: ${id} should have instances ${instances}, mem ${mem}, cmd ${cmd}; Marathon has ${app.instances}, ${app.mem}, ${app.cmd}`,
      });
    }
  };
  for (const f of w.files.values()) for (const a of f.apps) expect(appIdOf(a), a.instances, a.mem, a.rev);
  for (const [id, r] of w.rows) expect(id, r.instances, r.mem, r.rev);
  return out;
}

export async function runScenario(seed: number, o: RunOptions): Promise<RunReport> {
  const started = Date.now();
  const log = o.log ?? (() => undefined);
  const scenario = generateScenario(seed, o.length);
  const scope = new Scope();
  let daemon: Daemon | undefined;
  let ex: Executor | undefined;
  const violations: Violation[] = [];
  let stats = '';
  let dump: RunReport['dump'];
  try {
    const world = cloneWorld(scenario.initial);
    const sb = await startSandbox({ deploymentDurationMs: 50, randomSeed: seed });
    scope.defer(() => sb.close());
    const repo = await gitRepo(scope);
    await seedRepo(repo, world);
    const dbUrl = world.database ? await o.pg.database(scope) : '';
    if (world.database) {
      await migrate(o.cli ?? CLI, dbUrl);
      const seedClient = new pg.Client({ connectionString: dbUrl });
      await seedClient.connect();
      for (const [id, r] of world.rows) await seedClient.query('INSERT INTO maracker.apps (id, spec) VALUES ($1, $2::jsonb)', [id, JSON.stringify(rowSpec(r))]);
      await seedClient.end();
    }
    for (const id of world.unowned) sb.preload([{ id, cmd: 'sleep 86400', instances: 1, cpus: 0.1, mem: 16, labels: { team: 'legacy' } }]);

    // The other installation starts first, so its apps are there (foreign) when this one lists.
    let other: Daemon | undefined;
    if (scenario.other) {
      const dir = await tempDir(scope, 'maracker-torture-other-');
      for (const a of scenario.other.apps) await writeFile(join(dir, `${a.name}.yaml`), renderFile({ apps: [a] }));
      other = daemonProcess(scope, {
        ...(o.cli ? { cli: o.cli } : {}),
        marathonUrl: sb.url,
        manifests: dir,
        listenPort: await freePort(),
        statusToken: STATUS_TOKEN,
        args: [
          '--resync-interval',
          '2',
          '--marathon-timeout',
          '3000',
          '--log-level',
          'info',
          '--instance',
          OTHER_INSTANCE,
          '--installation',
          scenario.other.name,
        ],
      });
      await other.start();
    }
    daemon = daemonProcess(scope, {
      ...(o.cli ? { cli: o.cli } : {}),
      marathonUrl: sb.url,
      manifests: repo.manifests,
      ...(world.database ? { databaseUrl: dbUrl } : {}),
      listenPort: await freePort(),
      statusToken: STATUS_TOKEN,
      args: DAEMON_ARGS,
    });
    ex = new Executor(seed, world, sb, repo, dbUrl, o.pg, daemon);
    const executor = ex;
    const now = Date.now();
    ex.history.add({ kind: 'files', start: now, end: now, changes: fileChanges(new Map(), world.files), note: 'initial' });
    if (world.database)
      ex.history.add({ kind: 'rows', start: now, end: now, changes: [...world.rows].map(([id, r]) => ({ id, spec: rowSpec(r) })), note: 'initial' });
    for (const id of world.unowned) ex.history.add({ kind: 'unowned', start: now, end: now, id, version: sb.app(id)?.version as string });
    for (const a of scenario.other?.apps ?? [])
      ex.history.add({ kind: 'foreign', start: now, end: now, id: appIdOf(a), installation: scenario.other?.name as string });
    await daemon.start();
    ex.note('daemon started');

    for (const [i, step] of scenario.steps.entries()) {
      ex.note(`#${i} ${describeOp(step.op)}`);
      log(`  #${i} ${describeOp(step.op)}`);
      await ex.run(step.op);
      await sleep(step.pauseMs);
    }
    ex.note('heal');
    await ex.heal();
    ex.note('settle');
    const settled = await settle(executor, sb, daemon, o.settleTimeoutMs ?? 90_000, o.check);
    violations.push(...settled);
    if (settled.length === 0) violations.push(...modelProblems(world, sb));
    if (scenario.other) violations.push(...(await otherInstallationProblems(scenario.other, sb)));
    // The checker judges this installation's daemon; the other one's requests are judged apart.
    const all = sb.requestLog();
    const requests = all.filter((e) => !isOther(e));
    violations.push(...checkInvariants({ log: requests, history: ex.history.events, ...(o.check ? { options: o.check } : {}) }));
    if (scenario.other) violations.push(...otherWrites(scenario.other, all.filter(isOther)));
    stats =
      describeStats(requests, ex.history.events) +
      (scenario.other ? `; installation ${scenario.other.name} alongside (${scenario.other.apps.length} apps)` : '');
    dump = { history: ex.history.events, log: all };
    for (const [who, d] of [['the daemon', daemon], ...(other ? [[`the ${scenario.other?.name} daemon`, other]] : [])] as Array<[string, Daemon]>) {
      const code = await d.stop();
      if (code !== 0) violations.push({ rule: 'final-state', message: `${who} exited with ${code} on SIGTERM` });
      for (const c of d.crashes()) {
        violations.push({
          rule: 'crash',
          permanent: true,
          message: `${who} died on its own at ${clock(c.at)} (exit ${c.code ?? c.signal}); its last words:\n${c.tail.split('\n').slice(-25).join('\n')}`,
        });
      }
    }
  } catch (err) {
    violations.push({ rule: 'final-state', message: `the run failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}` });
  } finally {
    await ex?.close();
    await scope.close();
    // The server is shared by the runs of a series: a run that failed while it was stopped
    // must not take the next runs down with it.
    if (!o.pg.running) await o.pg.start().catch(() => undefined);
  }
  return {
    seed,
    steps: scenario.steps,
    timeline: ex?.timeline ?? [],
    violations,
    durationMs: Date.now() - started,
    daemonLog: daemon?.output() ?? '',
    stats,
    ...(dump ? { dump } : {}),
  };
}

/**
 * Waits until Marathon holds exactly the desired state and no deployment runs (approving a
 * blocked prune, as an operator would), then watches one more resync: a converged daemon
 * writes nothing. Returns final-state violations (none when settled).
 */
async function settle(ex: Executor, sb: Sandbox, daemon: Daemon, timeoutMs: number, check: CheckOptions | undefined): Promise<Violation[]> {
  const healed = Date.now();
  const deadline = healed + timeoutMs;
  let last: Violation[] = [];
  let phase = '';
  let refused = false;
  for (;;) {
    // The daemon must have read every source since the heal and call itself Ready, so that
    // a state that only looks converged (the daemon still behind) is not taken for one.
    let caughtUp = false;
    try {
      const status = await daemon.status();
      phase = `${status.phase}: ${status.message}`;
      caughtUp = status.phase === 'Ready' && status.sources.every((s) => s.lastReadAt !== null && Date.parse(s.lastReadAt) > healed);
      if (status.prune.blocked) {
        // An operator approves a list only after checking it: every candidate must be one
        // that no source declares any more. A blocked list with a declared app is a bug,
        // left blocked (the settle then times out and says so).
        const finals = finalSegments(buildTimeline(ex.history.events, check ?? {}));
        const declared = status.prune.candidates.filter((id) => (finals.get(id)?.kind ?? 'absent') !== 'absent');
        if (declared.length === 0) {
          await ex.history.during(
            () => daemon.approvePrune(),
            (ids) => ({ kind: 'prune-approved', ids }),
          );
          ex.note(`prune approved (${status.prune.candidates.join(', ')})`);
        } else if (!refused) {
          refused = true;
          ex.note(`prune NOT approved: the blocked list has declared apps (${declared.join(', ')})`);
        }
      }
    } catch {
      // busy or restarting: ask again
    }
    last = checkFinalState({ apps: sb.apps(), history: ex.history.events, ...(check ? { options: check } : {}) });
    if (caughtUp && last.length === 0 && sb.deployments().length === 0) break;
    if (last.some((v) => v.permanent)) return last;
    if (Date.now() > deadline) {
      return [
        ...last,
        { rule: 'final-state', message: `not converged ${timeoutMs} ms after healing (daemon phase ${phase}; ${sb.deployments().length} deployments running)` },
      ];
    }
    await sleep(250);
  }
  const since = sb.requestLog().at(-1)?.seq ?? 0;
  ex.note('settled');
  await sleep(2500);
  const writes = sb.requestLog(since).filter((e) => e.method !== 'GET' && e.path.startsWith('/v2/apps'));
  const after = checkFinalState({ apps: sb.apps(), history: ex.history.events, ...(check ? { options: check } : {}) });
  if (writes.length > 0) {
    after.push({
      rule: 'final-state',
      message: `${writes.length} writes after convergence (nothing changed): ${writes.map((e) => `${e.method} ${e.path} seq ${e.seq}`).join(', ')}`,
    });
  }
  return after;
}

function isOther(e: RequestLogEntry): boolean {
  return e.userAgent?.includes(`(instance ${OTHER_INSTANCE})`) === true;
}

/** The other installation's daemon writes only its own apps. */
function otherWrites(other: OtherInstallation, log: readonly RequestLogEntry[]): Violation[] {
  const mine = new Set(other.apps.map(appIdOf));
  return appWrites(log)
    .filter((w) => !mine.has(w.id))
    .map((w) => ({
      rule: 'foreign-write' as const,
      appId: w.id,
      seq: w.seq,
      time: w.time,
      permanent: true,
      message: `installation ${other.name}'s daemon ${w.describe} wrote ${w.id}, which is not one of its apps`,
    }));
}

/** After settling, the other installation's apps are all there, labelled as its own (waiting for it a while). */
async function otherInstallationProblems(other: OtherInstallation, sb: Sandbox, timeoutMs = 30_000): Promise<Violation[]> {
  const label = `maracker.${other.name}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const wrong = other.apps.map(appIdOf).filter((id) => sb.app(id)?.labels?.[LABEL_MANAGED_BY] !== label);
    if (wrong.length === 0) return [];
    if (Date.now() > deadline)
      return wrong.map((id) => ({
        rule: 'final-state' as const,
        appId: id,
        message: `${id}, an app of installation ${other.name}, is ${sb.app(id) ? `labelled ${JSON.stringify(sb.app(id)?.labels?.[LABEL_MANAGED_BY])}` : 'missing'} ${timeoutMs} ms after settling`,
      }));
    await sleep(250);
  }
}

function describeStats(log: readonly RequestLogEntry[], history: readonly HistoryEvent[]): string {
  const own = appWrites(log).filter((w) => !w.external);
  const count = (k: string): number => own.filter((w) => w.kind === k).length;
  const faulted = log.filter((e) => e.faults.length > 0).length;
  const approvals = history.filter((e) => e.kind === 'prune-approved').length;
  return `writes: ${count('create')} create, ${count('full')} update, ${count('partial')} scale, ${count('delete')} delete; ${faulted} requests faulted; ${approvals} prune approvals`;
}

/** The report of a failed run, with everything needed to replay it. */
export function formatReport(r: RunReport, daemonLogLines = 120): string {
  return [
    `seed ${r.seed}: ${r.violations.length} violation(s) in ${r.durationMs} ms (${r.stats})`,
    `replay: npm run torture -- --seed ${r.seed} --length ${r.steps.length}`,
    formatViolations(r.violations),
    'operations:',
    ...r.timeline.map((l) => `  ${l}`),
    `daemon log (last ${daemonLogLines} lines):`,
    ...r.daemonLog
      .trimEnd()
      .split('\n')
      .slice(-daemonLogLines)
      .map((l) => `  ${l}`),
  ].join('\n');
}
