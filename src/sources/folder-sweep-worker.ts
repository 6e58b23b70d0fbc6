// Entry point of the rescan's worker thread (./folder-sweep.ts): lists the manifests folder
// and stamps every file listed, with synchronous calls, which cost about a third of the CPU
// of the event loop's asynchronous ones. A hung file system blocks this thread only; the
// event loop gives up on it after a bound and rescans asynchronously.

import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { LISTING_FS_SYNC, listManifestFiles } from '../manifest/folder.js';
import { stampOfSync } from './file-stamp.js';
import { packStamps } from './stamp-table.js';
import type { SweepAnswer, SweepRequest } from './folder-sweep.js';

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

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

parentPort?.on('message', (request: SweepRequest) => {
  void sweepFolder(request.dir, request.held).then((result) => {
    const transfer = result.kind === 'swept' ? [result.stamps.kinds.buffer as ArrayBuffer, result.stamps.numbers.buffer as ArrayBuffer] : [];
    parentPort?.postMessage({ id: request.id, result } satisfies SweepAnswer, transfer);
  });
});
