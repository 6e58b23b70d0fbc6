// The adversary's bench: a real daemon (launchDaemon, as `maracker run` starts it) in this
// process, the Marathon sandbox, a manifests folder and optionally PostgreSQL. Every test
// plants hostile input and asks two questions:
//
// - did the daemon keep working? Other apps still reach the sandbox, and /healthz is
//   answered *while* a large input is parsed. That is proven by an ordering of events, not
//   by timing: the daemon's parser is wrapped so that the start and the end of each parse
//   are events in the same log as each /healthz answer; a parse that held the event loop
//   would let no answer in between, however fast or slow the machine.
// - did anything leak? The planted content (a unique marker) appears nowhere in /status,
//   in any app's status, in the log lines, in /metrics or in maracker.app_status.
//
// The parse workers are the compiled ones (npm run build first, as npm test does).

import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { onTestFinished } from 'vitest';
import { loadDaemonConfig } from '../../src/config/daemon.js';
import type { Daemon } from '../../src/app/daemon.js';
import { launchDaemon } from '../../src/app/launch.js';
import { createLogger } from '../../src/base/log.js';
import type { InputParser } from '../../src/manifest/input-parser.js';
import { ParsePool } from '../../src/manifest/parse-pool.js';
import type { ManifestFileResult, ParseOptions } from '../../src/manifest/parse.js';
import type { RowInput, RowOptions, RowResult } from '../../src/manifest/row.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import type { AppStatus, DaemonStatus } from '../../src/status/model.js';
import { eventually } from '../helpers/daemon-process.js';
import { manifestYaml } from '../helpers/manifests.js';
import { psqlRows } from '../helpers/postgres.js';
import { sandbox } from '../helpers/sandbox.js';
import { tempDir } from '../helpers/tmp.js';

export { eventually };

export type Event = { kind: 'parse-start' | 'parse-end'; input: string } | { kind: 'healthz' };

/** The daemon's parser (a real ParsePool), with the start and end of each parse logged. */
class WatchedParser implements InputParser {
  readonly pool = new ParsePool({ size: 1 });
  constructor(private readonly events: Event[]) {}

  async parseFile(text: string, file: string, opts: ParseOptions): Promise<ManifestFileResult> {
    this.events.push({ kind: 'parse-start', input: file });
    try {
      return await this.pool.parseFile(text, file, opts);
    } finally {
      this.events.push({ kind: 'parse-end', input: file });
    }
  }

  async translateRow(row: RowInput, opts: RowOptions): Promise<RowResult> {
    this.events.push({ kind: 'parse-start', input: row.id });
    try {
      return await this.pool.translateRow(row, opts);
    } finally {
      this.events.push({ kind: 'parse-end', input: row.id });
    }
  }

  stop(): Promise<void> {
    return this.pool.stop();
  }
}

export interface Bench {
  dir: string;
  marathon: Sandbox;
  daemon: Daemon;
  databaseUrl?: string;
  events: Event[];
  /** Writes a file below the manifests folder. */
  write(rel: string, content: string | Buffer): Promise<void>;
  status(): Promise<DaemonStatus>;
  app(id: string): Promise<AppStatus | undefined>;
  /** Every log line the daemon wrote so far. */
  logs(): string;
  /** /healthz answers that failed (none may). */
  healthzFailures(): string[];
  /** Waits until the daemon created `id` in the sandbox. */
  reconciled(id: string): Promise<void>;
  /** /healthz answers logged between the start and the end of the (last) parse of `input`. */
  healthzDuring(input: string): number;
  /** Was `input` given to the parser (since `mark`)? */
  parsed(input: string, mark?: number): boolean;
  /** A point in the event log, for healthzSince. */
  mark(): number;
  /** /healthz answers logged since `mark`. */
  healthzSince(mark: number): number;
  /** Waits for a few more /healthz answers: the daemon still serves after what happened. */
  stillAnswering(): Promise<void>;
  /** Every text the daemon shows: /status, each app's status, /metrics, logs, app_status. */
  everythingShown(): Promise<string>;
}

/** A marker planted in hostile content: if any content is quoted, the marker is too. */
export function marker(what: string): string {
  return `LEAK-${what}-${randomBytes(6).toString('hex')}`;
}

export async function bench(o: { files?: Record<string, string>; databaseUrl?: string; args?: string[] } = {}): Promise<Bench> {
  const dir = await tempDir('maracker-adversarial-');
  const write = async (rel: string, content: string | Buffer): Promise<void> => {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), content);
  };
  for (const [rel, content] of Object.entries(o.files ?? { 'ok.yaml': manifestYaml({ name: 'ok', group: 'calm' }) })) await write(rel, content);
  const marathon = await sandbox({ deploymentDurationMs: 10 });
  const events: Event[] = [];
  let logText = '';
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _enc, done) {
        logText += chunk.toString();
        done();
      },
    }),
  });
  const args = [
    '--marathon',
    marathon.url,
    '--manifests',
    dir,
    '--listen',
    '127.0.0.1:0',
    '--resync-interval',
    '2',
    ...(o.databaseUrl ? ['--database-url', o.databaseUrl] : []),
    ...(o.args ?? []),
  ];
  // Image metadata off: no adversarial manifest may make the daemon reach for a public registry.
  const { config } = loadDaemonConfig([...args, '--no-image-metadata'], {}, dir);
  const parser = new WatchedParser(events);
  const daemon = await launchDaemon(config, { logger, parser });
  onTestFinished(() => daemon.stop());
  const base = daemon.statusServer.url;

  const failures: string[] = [];
  let probing = true;
  const prober = (async () => {
    while (probing) {
      try {
        const res = await fetch(`${base}/healthz`);
        await res.text();
        if (res.status !== 200) failures.push(`status ${res.status}`);
        events.push({ kind: 'healthz' });
      } catch (err) {
        if (probing) failures.push(String(err));
      }
    }
  })();
  onTestFinished(async () => {
    probing = false;
    await prober;
  });

  const getJson = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(base + path);
    return { status: res.status, body: (await res.json()) as T };
  };
  const status = async (): Promise<DaemonStatus> => (await getJson<DaemonStatus>('/status')).body;
  const b: Bench = {
    dir,
    marathon,
    daemon,
    ...(o.databaseUrl ? { databaseUrl: o.databaseUrl } : {}),
    events,
    write,
    status,
    app: async (id) => {
      const r = await getJson<AppStatus>(`/status/apps${id}`);
      return r.status === 200 ? r.body : undefined;
    },
    logs: () => logText,
    healthzFailures: () => [...failures],
    reconciled: async (id) => {
      await eventually(() => marathon.app(id) !== undefined, `${id} created in the sandbox`, 60_000);
    },
    healthzDuring: (input) => {
      const start = events.map((e) => e.kind === 'parse-start' && e.input === input).lastIndexOf(true);
      const end = events.findIndex((e, i) => i > start && e.kind === 'parse-end' && e.input === input);
      if (start < 0 || end < 0) throw new Error(`${input} was not parsed to its end`);
      return events.slice(start, end).filter((e) => e.kind === 'healthz').length;
    },
    parsed: (input, mark = 0) => events.slice(mark).some((e) => e.kind === 'parse-start' && e.input === input),
    mark: () => events.length,
    healthzSince: (mark) => events.slice(mark).filter((e) => e.kind === 'healthz').length,
    stillAnswering: async () => {
      const from = events.length;
      await eventually(() => events.slice(from).filter((e) => e.kind === 'healthz').length >= 3, 'three more /healthz answers');
    },
    everythingShown: async () => {
      const doc = await status();
      const apps = await Promise.all(doc.apps.map((a) => getJson<unknown>(`/status/apps${a.id}`)));
      const metrics = await (await fetch(`${base}/metrics`)).text();
      const table = o.databaseUrl ? (await psqlRows(o.databaseUrl, 'SELECT row_to_json(s) FROM maracker.app_status s').catch(() => [])).join('\n') : '';
      return [JSON.stringify(doc), JSON.stringify(apps.map((a) => a.body)), metrics, logText, table].join('\n');
    },
  };
  await eventually(async () => (await status()).ready, 'the first full sync', 60_000);
  return b;
}
