// Writes the `GET /status` document a slice at a time. At 10,000 apps it is about 8 MiB:
// joined, encoded and hashed in one go it held the event loop for 60-110 ms every time a poll
// came after a change (measured in the resync bench's CPU profiles), and during a pass that
// is every poll, so a `GET /status/apps/{id}` arriving meanwhile waited that long. The store
// keeps each record's JSON, length and digest (./store.ts), so the head, Content-Length and
// ETag cost little; the records go out in slices of about 64 KiB, the event loop free between
// two, and no slice is written before the socket took the last (backpressure).
//
// The slices of a document written whole once are kept, encoded, until the document changes
// (its parts are a new object then): an idle daemon polled every 250 ms for its 8 MiB
// document encoded 32 MiB a second into fresh buffers and strings, garbage whose collections
// held up the small replies (`GET /status/apps/{id}`) in between. Kept: about the document's
// size in memory, one copy.

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
  const kept = encoded.get(parts);
  if (kept?.sliceChars === sliceChars) return writeSlices(res, kept.slices);
  const slices: Buffer[] = [];
  let chunk = parts.head;
  const items = parts.items;
  for (let i = 0; i < items.length; i++) {
    chunk += i === 0 ? (items[i] as string) : `,${items[i] as string}`;
    if (chunk.length < sliceChars) continue;
    const slice = Buffer.from(chunk, 'utf8');
    slices.push(slice);
    if (!(await put(res, slice))) return;
    chunk = '';
  }
  if (res.destroyed || res.writableEnded) return;
  const last = Buffer.from(chunk + parts.tail, 'utf8');
  slices.push(last);
  encoded.set(parts, { sliceChars, slices });
  res.end(last);
}

/** The encoded slices of documents written whole, by their parts (dropped with them). */
const encoded = new WeakMap<StatusParts, { sliceChars: number; slices: readonly Buffer[] }>();

/** Writes slices kept from an earlier reply, as writeParts writes them: one at a time, the last with the end. */
async function writeSlices(res: ServerResponse, slices: readonly Buffer[]): Promise<void> {
  for (let i = 0; i < slices.length - 1; i++) if (!(await put(res, slices[i] as Buffer))) return;
  if (res.destroyed || res.writableEnded) return;
  res.end(slices.at(-1));
}

/** Writes one slice, then yields: true to go on. */
async function put(res: ServerResponse, chunk: Buffer): Promise<boolean> {
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
