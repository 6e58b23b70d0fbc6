// Entry point of the rescan's worker thread (./folder-sweep.ts): lists the manifests folder
// and stamps every file listed, and reads the files a rescan finds changed (the direct way
// of src/manifest/file-read.ts, every check of it), with synchronous calls, which cost
// about a third of the CPU of the event loop's asynchronous ones (measured for the stats). A
// hung file system blocks this thread only; the event loop gives up on it after a bound and
// reads asynchronously.

import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { readDirectSync } from '../manifest/file-read.js';
import { LISTING_FS_SYNC, listManifestFiles } from '../manifest/folder.js';
import { stampOfSync } from './file-stamp.js';
import { packStamps } from './stamp-table.js';
import type { ReadRequest, SweepAnswer, SweepRequest } from './folder-sweep.js';

/** The listing last sent, by the number the event loop knows it by. */
let sent: { listing: number; dir: string; rels: string[] } | undefined;
let nextListing = 1;

/**
 * The listing of `dir` and the stamp of each file listed, as listManifestFiles and stampOf
 * give them. A listing the same as the one sent last time, which the event loop still holds
 * (`held`), is not sent again: 10,000 paths cost it about 6 ms to receive.
 */
export async function sweepFolder(dir: string, held?: number): Promise<SweepAnswer['result']> {
  let rels: string[];
  try {
    rels = await listManifestFiles(dir, LISTING_FS_SYNC);
  } catch {
    // The folder cannot be listed: the event loop lists it again, and says why.
    return { kind: 'unlisted' };
  }
  const stamps = packStamps(rels.map((rel) => stampOfSync(join(dir, rel))));
  if (sent !== undefined && sent.listing === held && sent.dir === dir && sameList(sent.rels, rels)) return { kind: 'swept', listing: sent.listing, stamps };
  sent = { listing: nextListing++, dir, rels };
  return { kind: 'swept', listing: sent.listing, rels, stamps };
}

/** Each file read, then stamped: a file changed while it was read shows in its stamp. */
export function readFiles(r: ReadRequest): SweepAnswer['result'] {
  const files = r.rels.map((rel) => {
    const abs = join(r.dir, rel);
    return { read: readDirectSync(abs, r.root, r.limits), after: stampOfSync(abs) };
  });
  return { kind: 'read', files: files.map((f) => f.read), after: packStamps(files.map((f) => f.after)) };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

parentPort?.on('message', (request: SweepRequest) => {
  const answer = 'read' in request ? Promise.resolve(readFiles(request.read)) : sweepFolder(request.dir, request.held);
  void answer.then((result) => {
    const packed = result.kind === 'swept' ? result.stamps : result.kind === 'read' ? result.after : undefined;
    const transfer = packed ? [packed.kinds.buffer as ArrayBuffer, packed.numbers.buffer as ArrayBuffer] : [];
    parentPort?.postMessage({ id: request.id, result } satisfies SweepAnswer, transfer);
  });
});
