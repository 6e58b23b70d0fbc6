// Entry point of a parse worker thread (parse-pool.ts): runs one job per message and posts
// its result back. Nothing else runs here, so a crash or a heap limit hit by a hostile
// input ends this thread only.

import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { failureOf } from './failure.js';
import { runParseJob, type ParseJob } from './parse-job.js';
import type { WorkerAnswer } from './parse-pool.js';

// Lower this thread's priority (on Linux the nice value is per thread): when the cores are
// busy, the event loop that answers /healthz and keeps the leader lock wins over parsing.
// Measured on 2 busy cores: the slowest /healthz probe during a 1 MiB parse fell from
// 170-280 ms to the machine's own noise (docs/architecture.md).
try {
  setPriority(10);
} catch {
  // Not permitted here: parse at the same priority.
}

parentPort?.on('message', (message: { id: number; job: ParseJob }) => {
  const result = runParseJob(message.job);
  try {
    parentPort?.postMessage({ id: message.id, result } satisfies WorkerAnswer);
  } catch (err) {
    // A result that cannot be copied back (nested too deep for the structured clone) is a
    // problem of its input, not a crash of this thread.
    parentPort?.postMessage({ id: message.id, failure: failureOf(err) } satisfies WorkerAnswer);
  }
});
