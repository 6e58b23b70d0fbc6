// The invariant checker for any end-to-end test, in one line:
//
//   await watchInvariants({ sandbox: marathon, manifests: repo.manifests, databaseUrl: url });
//
// It records the history of the sources by polling them (the manifests folder every 25 ms,
// the rows of maracker.apps every 50 ms, new unowned apps in the sandbox), and when the test
// finishes it runs checkInvariants over that history and the sandbox's request log: the test
// fails with the explanation of every violation. Call it after starting the sandbox (and
// before anything that should be judged); hooks run in reverse order, so its check runs
// before the daemon and the sandbox registered earlier are stopped.
//
// A polled change is only known to have happened between two polls: the event covers that
// interval, and the checker gives the daemon the benefit of the doubt within it. Requests the
// test sends to Marathon itself (hand edits) must carry `?_harness=1` (HARNESS_MARK).

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { onTestFinished } from 'vitest';
import { listManifestFiles } from '../../src/manifest/folder.js';
import { isMarackerApp } from '../../src/model/labels.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { History, type FileChange, type RowChange, type SourceName } from './history.js';
import { checkFinalState, checkInvariants, formatViolations, type CheckOptions, type Violation } from './invariants.js';

export interface WatchOptions {
  sandbox: Sandbox;
  /** The manifests folder the daemon reads. */
  manifests?: string;
  /** The database the daemon reads. */
  databaseUrl?: string;
  options?: CheckOptions;
  /** Also require the converged state when the test ends (see checkFinalState). Default false. */
  final?: boolean;
  /** Run the check when the test finishes (default true); false leaves it to check(). */
  onFinish?: boolean;
}

export interface InvariantWatch {
  readonly history: History;
  /** Stops recording (idempotent). */
  stop(): Promise<void>;
  /** Stops recording and checks the rules over the whole test. */
  check(): Promise<Violation[]>;
  /** Polls the sources now: what the test just did is in the history after this. */
  sync(): Promise<void>;
  /** The converged-state rule, now (recording goes on; sync() first after changing a source). */
  converged(): Violation[];
}

const FOLDER_POLL_MS = 25;
const ROWS_POLL_MS = 50;

export async function watchInvariants(o: WatchOptions): Promise<InvariantWatch> {
  const history = new History();
  const sb = o.sandbox;
  let stopped = false;
  const known = new Set<string>();
  const t0 = Date.now();
  for (const app of sb.apps()) {
    known.add(app.id);
    history.add(
      isMarackerApp(app.labels)
        ? { kind: 'owned', start: t0, end: t0, id: app.id }
        : { kind: 'unowned', start: t0, end: t0, id: app.id, ...(app.version ? { version: app.version } : {}) },
    );
  }
  const scanApps = (): void => {
    const now = Date.now();
    for (const app of sb.apps()) {
      if (known.has(app.id)) continue;
      known.add(app.id);
      // Someone other than maracker made it (maracker's creates carry the label).
      if (!isMarackerApp(app.labels)) history.add({ kind: 'unowned', start: now, end: now, id: app.id, ...(app.version ? { version: app.version } : {}) });
    }
  };

  const readable = new Map<SourceName, { ok: boolean; lastPoll: number }>();
  const setReadable = (source: SourceName, ok: boolean, pollStart: number, pollEnd: number, why: string): void => {
    const prev = readable.get(source);
    if (prev && prev.ok !== ok) {
      // Certainly unreadable from the failing poll's end until the last failing poll's start.
      history.add(
        ok
          ? { kind: 'readable', start: prev.lastPoll, end: pollEnd, source, readable: true, note: why }
          : { kind: 'readable', start: prev.lastPoll, end: pollEnd, source, readable: false, note: why },
      );
    }
    readable.set(source, { ok, lastPoll: pollStart });
  };

  // --- the folder -------------------------------------------------------------------------
  let files = new Map<string, string>();
  let folderPoll = t0;
  const pollFolder = async (): Promise<void> => {
    if (!o.manifests) return;
    const start = Date.now();
    let next: Map<string, string>;
    try {
      const rels = await listManifestFiles(o.manifests);
      next = new Map();
      for (const rel of rels) {
        const text = await readFile(join(o.manifests, rel), 'utf8').catch(() => undefined);
        if (text !== undefined) next.set(rel, text);
      }
    } catch {
      setReadable('folder', false, start, Date.now(), 'folder cannot be listed');
      folderPoll = start;
      return;
    }
    const end = Date.now();
    setReadable('folder', true, start, end, 'folder listed');
    const changes: FileChange[] = [];
    for (const [path, text] of next) if (files.get(path) !== text) changes.push({ path, text });
    for (const path of files.keys()) if (!next.has(path)) changes.push({ path, text: null });
    if (changes.length > 0) history.add({ kind: 'files', start: folderPoll, end, changes });
    files = next;
    folderPoll = start;
  };

  // --- the rows ---------------------------------------------------------------------------
  let rows = new Map<string, string>();
  let rowsPoll = t0;
  let client: pg.Client | undefined;
  let tableSeen = false;
  const pollRows = async (): Promise<void> => {
    if (!o.databaseUrl) return;
    const start = Date.now();
    let result: Array<{ id: string; spec: unknown; labels: unknown; adopt: boolean }>;
    try {
      if (!client) {
        const c = new pg.Client({ connectionString: o.databaseUrl, connectionTimeoutMillis: 1000, query_timeout: 1000 });
        c.on('error', () => undefined);
        await c.connect();
        client = c;
      }
      result = (await client.query('SELECT id, spec, labels, adopt FROM maracker.apps')).rows;
      tableSeen = true;
    } catch (err) {
      const code = (err as { code?: string }).code;
      // Before the daemon migrated the schema there is no table, and no row either.
      if ((code === '42P01' || code === '3F000') && !tableSeen) {
        result = [];
      } else {
        await client?.end().catch(() => undefined);
        client = undefined;
        setReadable('database', false, start, Date.now(), `database cannot be read: ${err instanceof Error ? err.message : String(err)}`);
        rowsPoll = start;
        return;
      }
    }
    const end = Date.now();
    setReadable('database', true, start, end, 'database read');
    const next = new Map(result.map((r) => [r.id, JSON.stringify([r.spec, r.labels, r.adopt])]));
    const changes: RowChange[] = [];
    for (const r of result) if (rows.get(r.id) !== next.get(r.id)) changes.push({ id: r.id, spec: r.spec, labels: r.labels, adopt: r.adopt });
    for (const id of rows.keys()) if (!next.has(id)) changes.push({ id, spec: null });
    if (changes.length > 0) history.add({ kind: 'rows', start: rowsPoll, end, changes });
    rows = next;
    rowsPoll = start;
  };

  await pollFolder();
  await pollRows();
  const loop = async (poll: () => Promise<void>, everyMs: number): Promise<void> => {
    while (!stopped) {
      await poll();
      if (poll === pollFolder) scanApps();
      await new Promise((r) => setTimeout(r, everyMs));
    }
  };
  const loops = [loop(pollFolder, FOLDER_POLL_MS), loop(pollRows, ROWS_POLL_MS)];

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await Promise.all(loops);
    await client?.end().catch(() => undefined);
    client = undefined;
  };
  const converged = (): Violation[] => checkFinalState({ apps: sb.apps(), history: history.events, ...(o.options ? { options: o.options } : {}) });
  const check = async (): Promise<Violation[]> => {
    await stop();
    return checkInvariants({ log: sb.requestLog(), history: history.events, ...(o.options ? { options: o.options } : {}) });
  };
  if (o.onFinish !== false) {
    onTestFinished(async () => {
      const violations = [...(await check()), ...(o.final ? converged() : [])];
      if (violations.length > 0) throw new Error(`safety invariants violated:\n${formatViolations(violations)}`);
    });
  }
  const sync = async (): Promise<void> => {
    if (stopped) return;
    await pollFolder();
    await pollRows();
    scanApps();
  };
  return { history, stop, check, converged, sync };
}
