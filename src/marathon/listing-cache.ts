// Reads a GET /v2/apps body app by app, as it arrives, keeping the apps of the last listing:
// an app whose bytes did not change is the very object read last time, not parsed (nor
// decoded, nor allocated) again. Everything downstream that remembers objects (the pass's
// memo, fingerprints) sees the same object and skips its work. (./listing-split.ts says why
// the body is split rather than parsed.)
//
// Only the bytes of the app being read are held (a window that keeps what is not done with):
// never the whole body, nor a copy of the last one. At 10,000 apps with their tasks the body
// is 34 MiB, and holding it and the last one cost 85 MiB of resident memory (issue 20).
//
// An app where the last listing's order expects it is checked against the digest of the app
// there, taken over as many bytes as it had, leaving out its health checks' times
// (listing-volatile.ts): a match is that app, neither scanned nor parsed. An app found
// elsewhere (added, moved) is found by scanning, and known by the digest of its bytes, or of
// its bytes without those times.
//
// Objects handed out are deep-frozen: they are shared between listings, so a consumer that
// wrote into one would corrupt every later pass; frozen, such a write throws where it is made.
//
// The work is done in slices that yield to the event loop (`pause`) once a slice has taken
// `sliceMs`, so a large listing never blocks status requests for long.

import type { MarathonApp } from '../model/marathon.js';
import { isObject } from '../model/json.js';
import { BodyShapeError, jsonSyntaxReason, parseJson } from './body.js';
import { ListingSplitter, type SplitStep } from './listing-split.js';
import { heldApp } from './held-app.js';
import { listingDigest, maskedDigest, stableRead, timeEnd } from './listing-volatile.js';

export interface ListingReadOptions {
  /** Yields to the event loop between slices. */
  pause: () => Promise<void>;
  /** A slice ends once it has taken this long (default 8 ms). */
  sliceMs?: number;
  /** A monotonic clock in ms (default performance.now). */
  now?: () => number;
  /** Told the time spent on the bytes that arrived (readStream): the caller's deadline does not count it. */
  busy?: { ms: number };
}

export interface ListingReadStats {
  apps: number;
  /** Apps parsed from their bytes (new or changed since the last listing). */
  parsed: number;
  /** Apps recognised where the last listing's order expected them: checked against its digest, neither scanned nor parsed. */
  recognised: number;
  /** Apps whose bytes differ from the last listing's in health check times only: not parsed (recognised ones included). */
  retimed: number;
  /** Slices the read was cut into (yields + 1). */
  slices: number;
  /** The body did not have the plain `{"apps":[...]}` shape and was parsed whole. */
  whole: boolean;
  /** The most bytes held at once while reading (the window over the body, or the body given whole). */
  heldBytes: number;
}

/** A body that is not of the plain shape, met while reading it as it arrives: read it whole for the precise error. */
export class ListingShapeError extends BodyShapeError {}

interface Known {
  app: MarathonApp;
  /** Its place in the listing it was read from, and the length of its bytes there. */
  index: number;
  length: number;
  /** Its digest without the health results' times (listing-volatile.ts), when it was taken. */
  stable: string | undefined;
  /** Where those times are in its bytes (start, end pairs), when the stable digest was taken. */
  masks: readonly number[] | undefined;
  /** A checksum of those times' bytes: whether only they changed (counted as retimed). */
  times: number;
}

/** The window over a body arriving in pieces starts this large, and is kept between reads up to KEEP_WINDOW_BYTES. */
const MIN_WINDOW_BYTES = 256 << 10;
const KEEP_WINDOW_BYTES = 1 << 20;

export class AppListingCache {
  /** The apps of the last listing read, by the digest of their bytes. */
  #byDigest = new Map<string, Known>();
  /** The same apps by the digest of their bytes without the health results' times. */
  #byStable = new Map<string, Known>();
  /** The keys (in #byDigest) of the last listing's apps, in its order. */
  #order: string[] = [];
  /** Where a body arriving in pieces is gathered, element by element. */
  #window: Buffer | undefined;
  #stats: ListingReadStats = { apps: 0, parsed: 0, recognised: 0, retimed: 0, slices: 0, whole: false, heldBytes: 0 };

  /** What the last read did (for logs and the bench). */
  get lastRead(): Readonly<ListingReadStats> {
    return this.#stats;
  }

  /**
   * The apps of `bytes` (a whole GET /v2/apps body). Throws BodyShapeError when it is not a listing:
   * a body that is not a listing is never read as an empty one. `bytes` must not change until
   * the returned promise settles.
   */
  async read(bytes: Uint8Array, o: ListingReadOptions): Promise<MarathonApp[]> {
    const read = new ListingRead(this.#byDigest, this.#byStable, this.#order, o);
    const step = await read.feed(bytes, 0, true);
    if (step.kind !== 'end') return this.#readWhole(bytes);
    return this.#finish(read, bytes.length);
  }

  /**
   * The apps of a body read as it arrives. Throws ListingShapeError when it is not of the
   * plain shape or an app does not parse (the caller reads it again whole, for the precise
   * error); nothing of such a body is kept.
   */
  async readStream(body: AsyncIterable<Uint8Array>, o: ListingReadOptions): Promise<MarathonApp[]> {
    const read = new ListingRead(this.#byDigest, this.#byStable, this.#order, o);
    const now = o.now ?? (() => performance.now());
    let window = this.#window ?? Buffer.allocUnsafeSlow(MIN_WINDOW_BYTES);
    this.#window = undefined;
    let from = 0;
    let fill = 0;
    /** What has arrived, read from where it was left; the time it takes told to `busy`. */
    const feed = async (final: boolean): Promise<SplitStep> => {
      const began = now();
      const step = await read.feed(window.subarray(0, fill), from, final);
      if (o.busy) o.busy.ms += now() - began;
      return step;
    };
    try {
      for await (const chunk of body) {
        if (fill + chunk.length > window.length) {
          // Drop what is done with; grow only for an element longer than the window.
          window.copyWithin(0, from, fill);
          fill -= from;
          from = 0;
          if (fill + chunk.length > window.length) {
            const grown = Buffer.allocUnsafeSlow(Math.max(window.length * 2, fill + chunk.length));
            window.copy(grown, 0, 0, fill);
            window = grown;
          }
        }
        window.set(chunk, fill);
        fill += chunk.length;
        const step = await feed(false);
        if (step.kind !== 'more') throw new ListingShapeError('not a plain listing');
        from = step.keep;
      }
      const step = await feed(true);
      if (step.kind !== 'end') throw new ListingShapeError('not a plain listing');
    } catch (err) {
      if (err instanceof BodyShapeError && !(err instanceof ListingShapeError)) throw new ListingShapeError(err.message);
      throw err;
    } finally {
      if (window.length <= KEEP_WINDOW_BYTES) this.#window = window;
    }
    return this.#finish(read, window.length);
  }

  #finish(read: ListingRead, heldBytes: number): MarathonApp[] {
    this.#byDigest = read.next;
    this.#byStable = read.nextStable;
    this.#order = read.order;
    this.#stats = { ...read.stats, apps: read.apps.length, whole: false, heldBytes };
    return read.apps;
  }

  /** The whole body through JSON.parse: its errors are the precise ones. Nothing is kept. */
  #readWhole(bytes: Uint8Array): MarathonApp[] {
    const body = parseJson(decode(bytes));
    if (!isObject(body) || !Array.isArray(body.apps)) throw new BodyShapeError('no `apps` array');
    const apps = body.apps.map((app, i) => deepFreeze(heldApp(checkApp(app, i))));
    this.#byDigest = new Map();
    this.#byStable = new Map();
    this.#order = [];
    this.#stats = { apps: apps.length, parsed: apps.length, recognised: 0, retimed: 0, slices: 1, whole: true, heldBytes: bytes.length };
    return apps;
  }
}

/** One read of a listing: the apps found so far, and what the next listing will know them by. */
class ListingRead {
  readonly next = new Map<string, Known>();
  readonly nextStable = new Map<string, Known>();
  readonly order: string[] = [];
  readonly apps: MarathonApp[] = [];
  readonly stats = { parsed: 0, recognised: 0, retimed: 0, slices: 1 };
  readonly #splitter = new ListingSplitter();
  readonly #byDigest: ReadonlyMap<string, Known>;
  readonly #byStable: ReadonlyMap<string, Known>;
  /** The keys of the last listing's apps, in its order. */
  readonly #lastOrder: readonly string[];
  readonly #o: ListingReadOptions;
  readonly #now: () => number;
  readonly #sliceMs: number;
  #sliceStart: number;
  /**
   * The app expected next: the one that followed the app just read in the last listing.
   * Where nothing but health check times changed, each app is recognised there by its digest,
   * and the body is neither scanned nor parsed.
   */
  #expected = 0;
  /** The app recognised where expected. */
  #hit: { start: number; was: Known; key: string; times: number } | undefined;
  readonly #known = (start: number, bytes: Uint8Array): number => this.#recognise(start, bytes);

  constructor(byDigest: ReadonlyMap<string, Known>, byStable: ReadonlyMap<string, Known>, order: readonly string[], o: ListingReadOptions) {
    this.#byDigest = byDigest;
    this.#byStable = byStable;
    this.#lastOrder = order;
    this.#o = o;
    this.#now = o.now ?? (() => performance.now());
    this.#sliceMs = o.sliceMs ?? 8;
    this.#sliceStart = this.#now();
  }

  /**
   * Reads the elements of `bytes` from `from`, until it needs more bytes (`more`: keep those
   * from `keep`), the listing ended (`end`), or it is not of the plain shape (`invalid`).
   * `final`: no bytes come after these.
   */
  async feed(bytes: Uint8Array, from: number, final: boolean): Promise<SplitStep> {
    let at = from;
    for (;;) {
      const step = this.#splitter.next(bytes, at, final, this.#known);
      if (step.kind !== 'element') return step;
      this.#take(bytes, step.start, step.end);
      at = step.end;
      if (this.#now() - this.#sliceStart >= this.#sliceMs) {
        await this.#o.pause();
        this.stats.slices++;
        this.#sliceStart = this.#now();
      }
    }
  }

  /** The length of the app expected at `start` when its bytes are its own (times aside); 0 if not; -1 if more bytes are needed to tell. */
  #recognise(start: number, bytes: Uint8Array): number {
    this.#hit = undefined;
    const key = this.#lastOrder[this.#expected];
    const was = key === undefined ? undefined : this.#byDigest.get(key);
    if (key === undefined || was === undefined) return 0;
    if (start + was.length > bytes.length) return -1;
    const times = sameAs(bytes, start, key, was);
    if (times === undefined) return 0;
    this.#hit = { start, was, key, times };
    return was.length;
  }

  /** One app's bytes: recognised, known by digest, known but for its times, or parsed. */
  #take(bytes: Uint8Array, start: number, end: number): void {
    const element = bytes.subarray(start, end);
    const recognised = this.#hit !== undefined && this.#hit.start === start ? this.#hit : undefined;
    this.#hit = undefined;
    let key: string;
    let before: Known | undefined;
    let app: MarathonApp | undefined;
    let stable: string | undefined;
    let masks: readonly number[] | undefined;
    let times = 0;
    if (recognised) {
      this.stats.recognised++;
      if (recognised.times !== recognised.was.times) this.stats.retimed++;
      // Its bytes are the last listing's but for times of the same length: the same place of
      // every mask, the same stable digest, and its key still names bytes that read as it.
      ({ key, was: before, times } = recognised);
      ({ app, stable, masks } = before);
    } else {
      key = listingDigest(element);
      before = this.#byDigest.get(key);
      app = this.next.get(key)?.app ?? before?.app;
      stable = before?.stable;
      masks = before?.masks;
      if (app === undefined) {
        const read = stableRead(element);
        stable = read?.digest;
        masks = read?.masks;
        const retime = stable === undefined ? undefined : (this.nextStable.get(stable) ?? this.#byStable.get(stable));
        if (retime !== undefined) {
          // The same app but for the times of its health checks, which maracker does not keep.
          app = retime.app;
          before = this.#byStable.get(stable as string);
          this.stats.retimed++;
        } else {
          app = parseApp(element, this.apps.length);
          this.stats.parsed++;
        }
      }
      times = timesSum(element, masks);
    }
    // An app added or removed shifts the order: expect what followed the app just read.
    this.#expected = before === undefined ? this.#expected + 1 : before.index + 1;
    const entry: Known = { app, index: this.apps.length, length: element.length, stable, masks, times };
    this.next.set(key, entry);
    if (stable !== undefined) this.nextStable.set(stable, entry);
    this.order.push(key);
    this.apps.push(app);
  }
}

/**
 * Whether the bytes at `start` are `was`'s (whose plain digest is `key`), but perhaps for its
 * health check times, each replaced by a plain time or null of the same length (so the object
 * and where it ends are the same): the checksum of those times when they are, else undefined.
 */
function sameAs(bytes: Uint8Array, start: number, key: string, was: Known): number | undefined {
  const element = bytes.subarray(start, start + was.length);
  const masks = was.masks;
  // No times to leave out (or not known where): the same bytes, by one digest.
  if (masks === undefined || masks.length === 0 || was.stable === undefined) return listingDigest(element) === key ? was.times : undefined;
  // Each mask must hold a time ending where it did; then one stable digest says the rest,
  // whether the times moved or not (they are the only bytes it leaves out).
  for (let m = 0; m < masks.length; m += 2) if (timeEnd(element, masks[m] as number) !== masks[m + 1]) return undefined;
  return maskedDigest(element, masks) === was.stable ? timesSum(element, masks) : undefined;
}

/** FNV-1a over the bytes the masks cover: tells (for the counts only) whether the times moved. */
function timesSum(element: Uint8Array, masks: readonly number[] | undefined): number {
  let h = 0x811c9dc5;
  if (masks === undefined) return h;
  for (let m = 0; m < masks.length; m += 2) {
    for (let i = masks[m] as number; i < (masks[m + 1] as number); i++) h = Math.imul(h ^ (element[i] as number), 0x01000193);
  }
  return h >>> 0;
}

function parseApp(element: Uint8Array, index: number): MarathonApp {
  let value: unknown;
  try {
    value = JSON.parse(decode(element));
  } catch (err) {
    throw new BodyShapeError(`apps[${index}] is not valid JSON (${jsonSyntaxReason(err)})`);
  }
  return deepFreeze(heldApp(checkApp(value, index)));
}

function checkApp(value: unknown, index: number): MarathonApp {
  if (!isObject(value) || typeof value.id !== 'string') throw new BodyShapeError(`apps[${index}] has no string \`id\``);
  return value as MarathonApp;
}

function decode(bytes: Uint8Array): string {
  const start = bytes.length > 2 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, bytes.length - start).toString('utf8');
}

/** Freezes a parsed JSON value and everything in it. */
function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (const item of value) deepFreeze(item);
  } else {
    // Own enumerable properties only: a parsed JSON object has nothing else.
    for (const key in value) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
