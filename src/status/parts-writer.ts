// Writes the `GET /status` document a slice at a time. At 10,000 apps it is about 8 MiB:
// joined, encoded and hashed in one go it held the event loop for 60-110 ms every time a poll
// came after a change (measured in the resync bench's CPU profiles), and during a pass that
// is every poll, so a `GET /status/apps/{id}` arriving meanwhile waited that long. The store
// keeps each record's JSON, length and digest (./store.ts), so the head, Content-Length and
// ETag cost little; the records go out in slices of about 64 KiB, the event loop free between
// two, and no slice is written before the socket took the last (backpressure).
//
// The slices are text, encoded by the socket as it writes them, and nothing of them is kept
// for the next poll. Keeping each document's slices encoded into buffers (cd458b6, to spare
// an idle daemon polled without If-None-Match 8-10 ms of CPU per 8 MiB poll) made a drifted
// pass at 30,000 apps cost 6-13 s of CPU instead of 3.4-4.7, with the event loop held for
// 330-800 ms at a time instead of 90-240: during a pass the document changes between two
// polls, so every poll allocated its 24 MiB of buffers anew, memory outside the heap that V8
// answers with collections of the whole heap. Keeping them only from a document's second
// write did not help enough (5.7-8.6 s). Measured with `node bench/compare-passes.mjs`,
// builds side by side (docs/benchmarks.md, "2026-12-07"). A portal that polls with
// If-None-Match gets a 304 for an unchanged document, which costs nothing.

import type { ServerResponse } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { StatusParts } from './store.js';

/** About this many characters per slice. */
export const SLICE_CHARS = 64 * 1024;

/**
 * Writes `parts` (head, items joined by commas, tail) and ends the response. Stops, without
 * writing more, when the response is closed first (the client went away, or the server is
 * shutting down). The document is the one given: a change meanwhile is the next poll's.
 */
export async function writeParts(res: ServerResponse, parts: StatusParts, sliceChars = SLICE_CHARS): Promise<void> {
  let chunk = parts.head;
  const items = parts.items;
  for (let i = 0; i < items.length; i++) {
    chunk += i === 0 ? (items[i] as string) : `,${items[i] as string}`;
    if (chunk.length < sliceChars) continue;
    if (!(await put(res, chunk))) return;
    chunk = '';
  }
  if (res.destroyed || res.writableEnded) return;
  res.end(chunk + parts.tail);
}

/** Writes one slice, then yields: true to go on. */
async function put(res: ServerResponse, chunk: string): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return false;
  if (!res.write(chunk)) {
    // Full socket buffer: wait until it drains, or until the response is gone.
    await drainedOrClosed(res);
  } else {
    await nextTurn();
  }
  return !res.destroyed && !res.writableEnded;
}

/**
 * Resolves at the response's next 'drain' or its 'close', whichever comes first, and leaves
 * no listener behind: racing two `once()` left the loser's listener on the response at
 * every slice that waited, past ten of them a MaxListenersExceededWarning for a slow reader.
 */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
