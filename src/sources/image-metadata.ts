// The labels of the images apps run, as the desired state needs them: read once per image
// from its registry, kept, and read again after `refreshMs` so that a tag pushed anew (new
// labels, a new digest) becomes a change like any other. Lookups never wait: a miss starts a
// read and answers "pending"; the read's end is told to subscribers (the controller queues
// the apps of that image).
//
// Safety: an image never read successfully is *unknown*, and so are its apps: neither
// created with guessed resources nor deleted. Once read, a later failure keeps the last
// facts (the image did not change because its registry is down) and is retried with backoff.

import { errorMessage } from '../base/errors.js';
import { BACKOFF, backoffDelay, type BackoffOptions } from '../base/backoff.js';
import type { Logger } from '../base/log.js';
import { systemTimers, type Timers } from '../base/timers.js';
import { imageMetadata } from '../image/metadata.js';
import { labelErrors, type ImageFacts } from './image-fill.js';

/** What a registry says of one image: the digest its reference names now, its labels and ports. */
export interface ImageInspector {
  inspect(reference: string): Promise<{ digest: string; labels: Record<string, string>; exposedPorts: string[] }>;
}

export type ImageLookup = { kind: 'ready'; facts: ImageFacts } | { kind: 'pending' } | { kind: 'failed'; reason: string };

export interface ImageMetadataOptions {
  inspector: ImageInspector;
  logger: Logger;
  timers?: Timers;
  random?: () => number;
  /** Facts older than this are read again at the next lookup (kept meanwhile). Default 5 min. */
  refreshMs?: number;
  backoff?: BackoffOptions;
}

interface Entry {
  facts?: ImageFacts;
  readAt?: number;
  failure?: string;
  failures: number;
  reading: boolean;
  retry?: unknown;
}

export const DEFAULT_IMAGE_REFRESH_MS = 300_000;

export class ImageMetadata {
  readonly #o: ImageMetadataOptions;
  readonly #timers: Timers;
  readonly #random: () => number;
  readonly #refreshMs: number;
  readonly #backoff: BackoffOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #listeners = new Set<(image: string) => void>();
  #stopped = false;

  constructor(options: ImageMetadataOptions) {
    this.#o = options;
    this.#timers = options.timers ?? systemTimers;
    this.#random = options.random ?? Math.random;
    this.#refreshMs = options.refreshMs ?? DEFAULT_IMAGE_REFRESH_MS;
    this.#backoff = options.backoff ?? BACKOFF.imageMetadata;
  }

  /** What is known of `image` now; starts a read when nothing is, or when it is old. */
  lookup(image: string): ImageLookup {
    let entry = this.#entries.get(image);
    if (!entry) {
      entry = { failures: 0, reading: false };
      this.#entries.set(image, entry);
    }
    const stale = entry.readAt !== undefined && this.#timers.now() - entry.readAt >= this.#refreshMs;
    if (!entry.reading && entry.retry === undefined && (entry.facts === undefined ? entry.failure === undefined : stale)) void this.#read(image, entry);
    if (entry.facts) return { kind: 'ready', facts: entry.facts };
    if (entry.failure !== undefined) return { kind: 'failed', reason: entry.failure };
    return { kind: 'pending' };
  }

  /** Told the image whenever what lookup answers for it changes. Returns an unsubscribe function. */
  subscribe(listener: (image: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Images known (read or failed), for status and metrics. */
  get size(): number {
    return this.#entries.size;
  }

  stop(): void {
    this.#stopped = true;
    for (const e of this.#entries.values()) if (e.retry !== undefined) this.#timers.clearTimeout(e.retry);
  }

  async #read(image: string, entry: Entry): Promise<void> {
    entry.reading = true;
    let changed = false;
    try {
      const inspection = await this.#o.inspector.inspect(image);
      const read = imageMetadata(inspection.labels, inspection.exposedPorts);
      const facts: ImageFacts = { digest: inspection.digest, metadata: read.derived, problems: labelErrors(read.problems) };
      changed = entry.facts === undefined || entry.failure !== undefined || JSON.stringify(entry.facts) !== JSON.stringify(facts);
      // Once per content read: an invalid label gives nothing, and its apps run without it.
      if (changed && (facts.problems ?? []).length > 0) this.#o.logger.warn({ image, problems: facts.problems }, 'image labels that give nothing: invalid');
      if (entry.facts && entry.facts.digest !== facts.digest) this.#o.logger.info({ image, was: entry.facts.digest, now: facts.digest }, 'image tag moved');
      entry.facts = facts;
      entry.readAt = this.#timers.now();
      entry.failure = undefined;
      entry.failures = 0;
    } catch (err) {
      const reason = errorMessage(err);
      entry.failures++;
      if (entry.facts === undefined) {
        changed = entry.failure !== reason;
        entry.failure = reason;
      }
      if (entry.failures === 1) {
        this.#o.logger.warn(
          { image, err: reason },
          entry.facts
            ? 'cannot read the labels of an image again: its last labels stay in use'
            : "cannot read an image's labels: its apps are Unknown until they can be read",
        );
      }
      if (!this.#stopped) {
        entry.retry = this.#timers.setTimeout(
          () => {
            entry.retry = undefined;
            if (!this.#stopped) void this.#read(image, entry);
          },
          backoffDelay(entry.failures, this.#backoff, this.#random),
        );
      }
    } finally {
      entry.reading = false;
    }
    if (changed && !this.#stopped) for (const l of this.#listeners) l(image);
  }
}
