// Parses large inputs in worker threads, so the event loop that serves /healthz and
// /status and keeps the leader lock alive is never held by a big file: a 1 MiB manifest
// within every limit still takes hundreds of milliseconds to parse and validate (see
// docs/architecture.md, "Parsing off the event loop"). Small inputs, the everyday case,
// are parsed in this thread, where they cost less than a message to a worker.
//
// A worker runs one job at a time. A worker that crashes, runs out of its heap or overruns
// the job timeout is terminated and replaced; its job becomes a problem of that input only.
// stop() terminates every worker; inputs read afterwards are parsed in this thread.

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../base/log.js';
import { failureOf, INTERNAL_ERROR, stackOf, type Failure } from './failure.js';
import type { InputParser } from './input-parser.js';
import { LIMIT_EXCEEDED } from './limits.js';
import { refusedFile, type ManifestFileResult, type ParseOptions } from './parse.js';
import { runParseJob, type ParseJob } from './parse-job.js';
import { refusedRow, type RowInput, type RowOptions, type RowResult } from './row.js';
import { checkInteger } from '../base/options.js';

export interface ParsePoolOptions {
  /** Worker threads at most. Default: the cores but one, at least 1, at most 4. */
  size?: number;
  /** Files of this many characters and rows of this many bytes, and larger, go to a worker. Default 8 KiB. */
  thresholdBytes?: number;
  /** A job still running after this ends its worker, and its input gets a problem. Default 60 s. */
  jobTimeoutMs?: number;
  /** Heap limit of each worker, MiB. Default 512. */
  maxHeapMb?: number;
  logger?: Logger;
  /** The worker script. Default: parse-worker.js beside this module (see defaultWorkerUrl). */
  workerUrl?: URL;
}

export const DEFAULT_WORKER_THRESHOLD_BYTES = 8 * 1024;

interface Job {
  id: number;
  job: ParseJob;
  resolve: (result: ManifestFileResult | RowResult) => void;
}

/** What a worker posts back (parse-worker.ts): the result, or why it could not be sent. */
export type WorkerAnswer = { id: number; result: ManifestFileResult | RowResult } | { id: number; failure: Failure };

interface Slot {
  worker: Worker;
  running?: Job;
  timer?: NodeJS.Timeout;
}

/**
 * The compiled worker script. Run from the TypeScript sources (vitest), this module sits
 * next to parse-worker.ts, which a worker thread of Node 20 cannot load: the build's copy
 * is used then, when it exists (npm test builds first). Undefined: parse in this thread.
 */
export function defaultWorkerUrl(): URL | undefined {
  for (const url of [new URL('./parse-worker.js', import.meta.url), new URL('../../dist/src/manifest/parse-worker.js', import.meta.url)]) {
    if (existsSync(fileURLToPath(url))) return url;
  }
  return undefined;
}

function failedResult(job: ParseJob, { code, message }: Failure): ManifestFileResult | RowResult {
  if (job.kind === 'file') return refusedFile(job.file, job.opts.displayPath ?? job.file, code, message);
  return { problems: [{ code, message, location: { row: job.row.id } }] };
}

export class ParsePool implements InputParser {
  readonly #size: number;
  readonly #threshold: number;
  readonly #timeoutMs: number;
  readonly #heapMb: number;
  readonly #log: Logger | undefined;
  readonly #url: URL | undefined;
  readonly #slots = new Set<Slot>();
  readonly #queue: Job[] = [];
  #nextId = 1;
  #stopped = false;
  /** What ran where, for tests and metrics. */
  readonly counts = { inThread: 0, inWorker: 0, workerFailures: 0 };

  constructor(o: ParsePoolOptions = {}) {
    this.#size = o.size ?? Math.min(4, Math.max(1, availableParallelism() - 1));
    this.#threshold = o.thresholdBytes ?? DEFAULT_WORKER_THRESHOLD_BYTES;
    // Far above what the largest input within the limits takes (a few seconds on two busy
    // cores): only an input that defeats the limits, or a worker that hangs, reaches it.
    this.#timeoutMs = o.jobTimeoutMs ?? 60_000;
    this.#heapMb = o.maxHeapMb ?? 512;
    this.#log = o.logger;
    this.#url = o.workerUrl ?? defaultWorkerUrl();
    checkInteger('size', this.#size, 1);
    if (this.#url === undefined) this.#log?.warn('parse worker script not found: every input is parsed on the event loop');
  }

  parseFile(text: string, file: string, opts: ParseOptions): Promise<ManifestFileResult> {
    return this.#run({ kind: 'file', text, file, opts }, text.length) as Promise<ManifestFileResult>;
  }

  translateRow(row: RowInput, opts: RowOptions): Promise<RowResult> {
    // A row bound for a thread is refused here for what needs no parsing, before it is copied
    // (one in this thread gets the same refusals from rowToDesired).
    const size = row.bytes ?? 0;
    const refused = this.#inWorker(size) ? refusedRow(row, opts) : undefined;
    if (refused) {
      this.counts.inThread++;
      return Promise.resolve(refused);
    }
    return this.#run({ kind: 'row', row, opts }, size) as Promise<RowResult>;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const job of this.#queue.splice(0)) job.resolve(failedResult(job.job, stoppedFailure));
    await Promise.all([...this.#slots].map((slot) => this.#retire(slot, stoppedFailure)));
  }

  /** Whether an input of this size is parsed in a worker. */
  #inWorker(size: number): boolean {
    return size >= this.#threshold && !this.#stopped && this.#url !== undefined;
  }

  #run(job: ParseJob, size: number): Promise<ManifestFileResult | RowResult> {
    if (!this.#inWorker(size)) {
      this.counts.inThread++;
      return Promise.resolve(runParseJob(job));
    }
    this.counts.inWorker++;
    return new Promise((resolve) => {
      this.#queue.push({ id: this.#nextId++, job, resolve });
      this.#dispatch();
    });
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      let slot = [...this.#slots].find((s) => s.running === undefined);
      if (!slot && this.#slots.size < this.#size) slot = this.#spawn();
      if (!slot) return;
      const job = this.#queue.shift() as Job;
      slot.running = job;
      slot.worker.ref();
      slot.timer = setTimeout(() => {
        void this.#retire(slot, { code: LIMIT_EXCEEDED, message: `took longer than ${this.#timeoutMs / 1000} s to read; not applied` });
      }, this.#timeoutMs);
      slot.timer.unref();
      try {
        slot.worker.postMessage({ id: job.id, job: job.job });
      } catch (err) {
        // The input cannot be copied to the thread (nested deeper than the structured clone
        // can go; rows that deep are refused before, by refusedRow): nothing was sent, so the
        // worker is free again, and only this input fails. Thrown from here it would hold
        // the slot until the job timeout, and every input queued behind it with it.
        this.#idle(slot);
        job.resolve(failedResult(job.job, failureOf(err)));
      }
    }
  }

  #spawn(): Slot {
    const worker = new Worker(this.#url as URL, { resourceLimits: { maxOldGenerationSizeMb: this.#heapMb }, stdout: false, stderr: false });
    worker.unref();
    const slot: Slot = { worker };
    this.#slots.add(slot);
    worker.on('message', (message: WorkerAnswer) => {
      const job = slot.running;
      if (!job || job.id !== message.id) return;
      this.#idle(slot);
      job.resolve('failure' in message ? failedResult(job.job, message.failure) : message.result);
      this.#dispatch();
    });
    worker.on('error', (err: Error & { code?: string }) => {
      this.counts.workerFailures++;
      this.#log?.error({ failure: stackOf(err), code: err.code }, 'parse worker failed: its input is reported invalid');
      const failure: Failure =
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? { code: LIMIT_EXCEEDED, message: `too large to process (the parser ran out of its ${this.#heapMb} MiB); not applied` }
          : { code: INTERNAL_ERROR, message: `maracker's parser thread failed on this input (${err.name}); not applied` };
      void this.#retire(slot, failure);
    });
    worker.on('exit', () => {
      void this.#retire(slot, { code: INTERNAL_ERROR, message: "maracker's parser thread stopped while reading this input; not applied" });
    });
    return slot;
  }

  #idle(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.running = undefined;
    slot.worker.unref();
  }

  /** Ends a worker; its job, if any, resolves with `failure`; queued jobs go to other workers. */
  async #retire(slot: Slot, failure: Failure): Promise<void> {
    if (!this.#slots.delete(slot)) return;
    const job = slot.running;
    this.#idle(slot);
    if (job) {
      if (failure !== stoppedFailure) this.#log?.warn({ code: failure.code }, 'parse worker replaced');
      job.resolve(failedResult(job.job, failure));
    }
    await slot.worker.terminate().catch(() => undefined);
    if (!this.#stopped) this.#dispatch();
  }
}

const stoppedFailure: Failure = { code: INTERNAL_ERROR, message: 'maracker stopped while reading this input; not applied' };
