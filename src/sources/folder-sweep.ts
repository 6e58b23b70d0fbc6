// The rescan's stat sweep off the event loop. A rescan lists the manifests folder and stamps
// every file in it (./file-stamp.ts) to find the few that changed; at 10,000 files the
// asynchronous calls cost the event loop about 150 ms of CPU per rescan in thread-pool round
// trips and promise wake-ups, the same calls made synchronously about a third of that. Sync
// calls never run on the event loop (a hung network mount would hang /healthz and the
// leader lock), so one long-lived worker thread makes them (./folder-sweep-worker.ts).
//
// The sweep is an optimisation, never a source of truth: whatever goes wrong with it (no
// worker script, a worker that fails, exits, or does not answer within `timeoutMs`, a
// folder it cannot list, an answer that does not add up) makes sweep() answer undefined,
// and the caller lists and stamps on the event loop as before. A worker that did not answer
// is terminated, and no new one starts while it lives (a thread stuck in a hung mount may
// never end); after `maxFailures` failures in a row the sweep is off for good.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { errorMessage } from '../base/errors.js';
import type { Logger } from '../base/log.js';
import type { FileRead } from '../manifest/file-read.js';
import type { InputLimits } from '../manifest/limits.js';
import type { FileStamp } from './file-stamp.js';
import { type PackedStamps, StampTable } from './stamp-table.js';

export type SweepRequest =
  | {
      id: number;
      dir: string;
      /** The number of the listing this thread holds (from this worker), if any. */
      held?: number;
    }
  /** Read these files (readDirectSync), each stamped again right after. */
  | { id: number; read: ReadRequest };

export interface ReadRequest {
  dir: string;
  /** The folder's real path: the boundary. */
  root: string;
  rels: string[];
  limits: InputLimits;
}

export interface SweepAnswer {
  id: number;
  /** `rels` left out: the same listing as `listing`, which the asker holds. */
  result:
    | { kind: 'swept'; listing: number; rels?: string[]; stamps: PackedStamps }
    | { kind: 'unlisted' }
    /** Per file asked, in order: what readDirectSync read, and the file's stamp taken after. */
    | { kind: 'read'; files: Array<FileRead | 'full-way'>; after: PackedStamps };
}

/** A file read by the worker, and its stamp right after (see readFiles). */
export interface ReadAhead {
  read: FileRead | 'full-way';
  after: FileStamp;
}

export interface Swept {
  /** As listManifestFiles lists them. Never to be changed: an unchanged listing is handed out again. */
  rels: readonly string[];
  /** stampOf of each, in the same order. */
  stamps: StampTable;
}

export interface FolderSweepOptions {
  /** The worker script. Default: folder-sweep-worker.js beside this module (defaultSweepWorkerUrl); null: no worker. */
  workerUrl?: URL | null;
  /** A sweep not answered within this ends its worker, and the caller stamps on the event loop. Default 5000 ms. */
  timeoutMs?: number;
  /** Failures in a row (no answer, a crash) after which the sweep stays off. Default 3. */
  maxFailures?: number;
}

/**
 * The compiled worker script. Run from the TypeScript sources (vitest), this module sits next
 * to folder-sweep-worker.ts, which a worker thread of Node 20 cannot load: the build's copy is
 * used then, when it exists. Undefined: no sweep, every rescan stamps on the event loop.
 */
export function defaultSweepWorkerUrl(): URL | undefined {
  for (const url of [new URL('./folder-sweep-worker.js', import.meta.url), new URL('../../dist/src/sources/folder-sweep-worker.js', import.meta.url)]) {
    if (existsSync(fileURLToPath(url))) return url;
  }
  return undefined;
}

interface Pending {
  id: number;
  resolve: (answer: SweepAnswer['result'] | undefined) => void;
  timer: NodeJS.Timeout;
}

export class FolderSweeper {
  readonly #url: URL | undefined;
  readonly #timeoutMs: number;
  readonly #maxFailures: number;
  readonly #log: Logger;
  #worker: Worker | undefined;
  /** A worker terminated without answering, until it has exited: no other starts meanwhile. */
  #dying: Worker | undefined;
  #pending: Pending | undefined;
  #nextId = 1;
  #failures = 0;
  #stopped = false;
  /** The last listing the worker sent, kept so that an unchanged one need not cross again. */
  #held: { worker: Worker; listing: number; dir: string; rels: readonly string[] } | undefined;
  /** What ran where, for tests. */
  readonly counts = { swept: 0, read: 0, fellBack: 0, failures: 0, workersStarted: 0 };

  constructor(logger: Logger, o: FolderSweepOptions = {}) {
    this.#url = o.workerUrl === null ? undefined : (o.workerUrl ?? defaultSweepWorkerUrl());
    this.#timeoutMs = o.timeoutMs ?? 5000;
    this.#maxFailures = o.maxFailures ?? 3;
    this.#log = logger;
    if (this.#url === undefined) this.#log.warn('folder sweep worker script not found: rescans stat every file on the event loop');
    else if (!existsSync(fileURLToPath(this.#url)))
      this.#log.warn({ url: this.#url.href }, 'folder sweep worker script not found: rescans stat every file on the event loop');
  }

  /** The listing of `dir` and every file's stamp, or undefined: list and stamp on the event loop instead. */
  async sweep(dir: string): Promise<Swept | undefined> {
    const held = this.#held !== undefined && this.#held.worker === this.#worker && this.#held.dir === dir ? this.#held : undefined;
    const asked = this.#ask({ dir, ...(held?.listing !== undefined ? { held: held.listing } : {}) });
    const worker = this.#worker;
    const result = await asked;
    // The same listing as last time, from the same worker; anything else is nonsense.
    const rels = result?.kind === 'swept' ? (result.rels ?? (result.listing === held?.listing ? held.rels : undefined)) : undefined;
    if (result?.kind !== 'swept' || rels === undefined || worker === undefined) {
      this.counts.fellBack++;
      return undefined;
    }
    try {
      const swept = { rels, stamps: new StampTable(result.stamps, rels.length) };
      this.#held = { worker, listing: result.listing, dir, rels };
      this.counts.swept++;
      return swept;
    } catch (err) {
      this.#log.error({ err }, 'folder sweep answered nonsense: stamping on the event loop');
      this.counts.fellBack++;
      return undefined;
    }
  }

  /**
   * The files `rels` of `dir` read the direct way of src/manifest/file-read.ts (the folder's
   * boundary `root` and the limits checked on each open descriptor), each stamped right after
   * its read, or undefined: read them on the event loop instead. A file the direct way cannot
   * take (a link in its last part) answers 'full-way': read it on the event loop.
   */
  async readFiles(request: ReadRequest): Promise<ReadAhead[] | undefined> {
    const result = await this.#ask({ read: request });
    if (result?.kind !== 'read' || result.files.length !== request.rels.length) {
      this.counts.fellBack++;
      return undefined;
    }
    try {
      const after = new StampTable(result.after, request.rels.length);
      this.counts.read += request.rels.length;
      return result.files.map((read, i) => ({ read: checkedRead(read), after: after.at(i) }));
    } catch (err) {
      this.#log.error({ err }, 'folder sweep worker answered nonsense: reading on the event loop');
      this.counts.fellBack++;
      return undefined;
    }
  }

  /** Ends the worker; sweeps asked afterwards answer undefined. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const worker = this.#worker;
    const busy = this.#pending !== undefined;
    this.#settle(undefined);
    this.#worker = undefined;
    if (worker === undefined) return;
    worker.unref();
    // A worker in the middle of a sweep may be stuck in the file system: not waited for.
    const ended = worker.terminate().catch(() => undefined);
    if (!busy) await ended;
  }

  #ask(request: DistributiveOmit<SweepRequest, 'id'>): Promise<SweepAnswer['result'] | undefined> {
    if (this.#stopped || this.#pending !== undefined || this.#failures >= this.#maxFailures) return Promise.resolve(undefined);
    const worker = this.#worker ?? this.#start();
    if (worker === undefined) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const id = this.#nextId++;
      const timer = setTimeout(() => this.#fail(worker, `no answer within ${this.#timeoutMs} ms`), this.#timeoutMs);
      timer.unref();
      this.#pending = { id, resolve, timer };
      // Held while a sweep runs, so the process does not exit under it; let go when idle.
      worker.ref();
      worker.postMessage({ id, ...request } satisfies SweepRequest);
    });
  }

  #start(): Worker | undefined {
    if (this.#url === undefined || this.#dying !== undefined || !existsSync(fileURLToPath(this.#url))) return undefined;
    let worker: Worker;
    try {
      worker = new Worker(this.#url, { stdout: false, stderr: false });
    } catch (err) {
      this.#log.warn({ err: errorMessage(err) }, 'folder sweep worker did not start: stamping on the event loop');
      this.#failures++;
      return undefined;
    }
    this.counts.workersStarted++;
    worker.unref();
    worker.on('message', (answer: SweepAnswer) => {
      if (worker !== this.#worker || answer.id !== this.#pending?.id) return;
      this.#failures = 0;
      this.#settle(answer.result);
    });
    worker.on('error', (err) => this.#fail(worker, `failed: ${errorMessage(err)}`));
    worker.on('exit', (code) => {
      if (worker === this.#dying) this.#dying = undefined;
      if (worker === this.#worker) this.#fail(worker, `exited (code ${code})`);
    });
    this.#worker = worker;
    return worker;
  }

  /** The worker failed or did not answer: ended, and the sweep in flight answers undefined. */
  #fail(worker: Worker, why: string): void {
    if (worker !== this.#worker) return;
    this.counts.failures++;
    this.#failures++;
    const off = this.#failures >= this.#maxFailures;
    this.#log.warn({ failures: this.#failures }, `folder sweep worker ${why}: stamping on the event loop${off ? ' from now on' : ''}`);
    this.#worker = undefined;
    this.#dying = worker;
    worker.unref();
    void worker.terminate().catch(() => undefined);
    this.#settle(undefined);
  }

  #settle(result: SweepAnswer['result'] | undefined): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    this.#pending = undefined;
    clearTimeout(pending.timer);
    this.#worker?.unref();
    pending.resolve(result);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A read as the worker's answer has it, or throws: only the shapes readDirectSync gives cross. */
function checkedRead(read: unknown): FileRead | 'full-way' {
  if (read === 'full-way') return read;
  const r = read as Partial<Record<'kind' | 'text' | 'code' | 'message', unknown>> | null;
  if (r?.kind === 'text' && typeof r.text === 'string') return { kind: 'text', text: r.text };
  if (r?.kind === 'refused' && typeof r.code === 'string' && typeof r.message === 'string') return { kind: 'refused', code: r.code, message: r.message };
  throw new Error('a read of an unknown shape');
}
