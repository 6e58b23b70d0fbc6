// Reads a GET /v2/apps body app by app, keeping the apps of the last listing: an app whose
// bytes did not change is the very object read last time, not parsed (nor decoded, nor
// allocated) again. Everything downstream that remembers objects (the pass's memo,
// fingerprints) sees the same object and skips its work. (./listing-split.ts says why the
// body is split rather than parsed.)
//
// An app where the last listing's order expects it is compared byte for byte with its bytes
// in a copy of the last body, leaving out its health checks' times (listing-volatile.ts):
// a pass over 10,000 apps in which nothing moved costs a copy and a comparison of the body,
// neither a scan nor a hash. An app found elsewhere (added, moved) is found by scanning, and
// known by the sha256 of its bytes, or of its bytes without those times.
//
// Objects handed out are deep-frozen: they are shared between listings, so a consumer that
// wrote into one would corrupt every later pass; frozen, such a write throws where it is made.
//
// The work is done in slices that yield to the event loop (`pause`) once a slice has taken
// `sliceMs`, so a large listing never blocks status requests for long.

import { hash } from 'node:crypto';
import type { MarathonApp } from '../model/marathon.js';
import { isObject } from '../model/json.js';
import { BodyShapeError, jsonSyntaxReason, parseJson } from './body.js';
import { beginSplit, continueSplit, type Span } from './listing-split.js';
import { dropVolatile, stableRead, timeEnd } from './listing-volatile.js';

export interface ListingReadOptions {
  /** Yields to the event loop between slices. */
  pause: () => Promise<void>;
  /** A slice ends once it has taken this long (default 8 ms). */
  sliceMs?: number;
  /** A monotonic clock in ms (default performance.now). */
  now?: () => number;
}

export interface ListingReadStats {
  apps: number;
  /** Apps parsed from their bytes (new or changed since the last listing). */
  parsed: number;
  /** Apps recognised where the last listing's order expected them: compared with its bytes, neither scanned nor hashed. */
  recognised: number;
  /** Apps whose bytes differ from the last listing's in health check times only: not parsed (recognised ones included). */
  retimed: number;
  /** Slices the read was cut into (yields + 1). */
  slices: number;
  /** The body did not have the plain `{"apps":[...]}` shape and was parsed whole. */
  whole: boolean;
}

interface Known {
  app: MarathonApp;
  /** Its place in the listing it was read from, and where its bytes are in that body. */
  index: number;
  offset: number;
  length: number;
  /** Its digest without the health results' times (listing-volatile.ts), when it was taken. */
  stable: string | undefined;
  /** Where those times are in its bytes (start, end pairs), when the stable digest was taken. */
  masks: readonly number[] | undefined;
}

/** A kept copy of the last body is given back when it is this many times larger than needed. */
const SHRINK_FACTOR = 4;
/** A new copy has room for a body this many times the size of the one it copies. */
const GROWTH_ROOM = 1.25;

export class AppListingCache {
  /** The apps of the last listing read, by the digest of their bytes. */
  #byDigest = new Map<string, Known>();
  /** The same apps by the digest of their bytes without the health results' times. */
  #byStable = new Map<string, Known>();
  /** The keys (in #byDigest) of the last listing's apps, in its order. */
  #order: string[] = [];
  /** A copy of the last listing's body: where the apps' bytes are compared with (Known.offset). */
  #last: Buffer = Buffer.alloc(0);
  #stats: ListingReadStats = { apps: 0, parsed: 0, recognised: 0, retimed: 0, slices: 0, whole: false };

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
    const now = o.now ?? (() => performance.now());
    const sliceMs = o.sliceMs ?? 8;
    const cursor = beginSplit(bytes);
    if (cursor === undefined) return this.#readWhole(bytes);
    const next = new Map<string, Known>();
    const nextStable = new Map<string, Known>();
    const order: string[] = [];
    const apps: MarathonApp[] = [];
    const spans: Span[] = [];
    let parsed = 0;
    let taken = 0;
    let retimed = 0;
    let slices = 1;
    let sliceStart = now();
    const rest = async (): Promise<void> => {
      await o.pause();
      slices++;
      sliceStart = now();
    };
    // The app expected next is the one that followed the app just read in the last listing:
    // where nothing but health check times changed, each app is recognised by comparing as
    // many bytes as it had there with the last body's, and the body is neither scanned nor
    // hashed.
    let expected = 0;
    /** The app recognised where expected, and whether its health check times differ. */
    let hit: { start: number; was: Known; key: string; retimed: boolean } | undefined;
    const known = (start: number): number => {
      hit = undefined;
      const key = this.#order[expected];
      const was = key === undefined ? undefined : this.#byDigest.get(key);
      if (key === undefined || was === undefined) return 0;
      const same = this.#sameAs(bytes, start, was);
      if (same === undefined) return 0;
      hit = { start, was, key, retimed: same === 'retimed' };
      return was.length;
    };
    while (!cursor.done) {
      // One element at a time, so that the next one is expected where this one says.
      if (!continueSplit(bytes, cursor, spans, 1, known)) return this.#readWhole(bytes);
      const span = spans.pop();
      if (span === undefined) continue;
      const element = bytes.subarray(span.start, span.end);
      const recognised = hit !== undefined && hit.start === span.start ? hit : undefined;
      hit = undefined;
      let key: string;
      let before: Known | undefined;
      let app: MarathonApp | undefined;
      let stable: string | undefined;
      let masks: readonly number[] | undefined;
      if (recognised) {
        taken++;
        if (recognised.retimed) retimed++;
        // Its bytes are the last body's but for times of the same length: the same place of
        // every mask, the same stable digest, and its key still names bytes that read as it.
        ({ key, was: before } = recognised);
        ({ app, stable, masks } = before);
      } else {
        // sha256: no two listings' bytes can be told the same by accident or on purpose.
        key = hash('sha256', element, 'base64');
        before = this.#byDigest.get(key);
        app = next.get(key)?.app ?? before?.app;
        stable = before?.stable;
        masks = before?.masks;
        if (app === undefined) {
          const read = stableRead(element);
          stable = read?.digest;
          masks = read?.masks;
          const retime = stable === undefined ? undefined : (nextStable.get(stable) ?? this.#byStable.get(stable));
          if (retime !== undefined) {
            // The same app but for the times of its health checks, which maracker does not keep.
            app = retime.app;
            before = this.#byStable.get(stable as string);
            retimed++;
          } else {
            app = parseApp(element, apps.length);
            parsed++;
          }
        }
      }
      // An app added or removed shifts the order: expect what followed the app just read.
      expected = before === undefined ? expected + 1 : before.index + 1;
      const entry: Known = { app, index: apps.length, offset: span.start, length: element.length, stable, masks };
      next.set(key, entry);
      if (stable !== undefined) nextStable.set(stable, entry);
      order.push(key);
      apps.push(app);
      if (now() - sliceStart >= sliceMs) await rest();
    }
    this.#keep(bytes);
    this.#byDigest = next;
    this.#byStable = nextStable;
    this.#order = order;
    this.#stats = { apps: apps.length, parsed, recognised: taken, retimed, slices, whole: false };
    return apps;
  }

  /**
   * Whether the bytes at `start` are `was`'s in the last body: 'same' byte for byte,
   * 'retimed' when they differ only inside its health check times, each replaced by a plain
   * time or null of the same length (so the object and where it ends are the same).
   */
  #sameAs(bytes: Uint8Array, start: number, was: Known): 'same' | 'retimed' | undefined {
    const last = this.#last;
    const { offset, length } = was;
    if (start + length > bytes.length || offset + length > last.length) return undefined;
    const masks = was.masks ?? [];
    let retimed = false;
    let from = 0;
    for (let m = 0; m < masks.length; m += 2) {
      const valueStart = masks[m] as number;
      const valueEnd = masks[m + 1] as number;
      if (last.compare(bytes, start + from, start + valueStart, offset + from, offset + valueStart) !== 0) return undefined;
      if (last.compare(bytes, start + valueStart, start + valueEnd, offset + valueStart, offset + valueEnd) !== 0) {
        if (timeEnd(bytes, start + valueStart) !== start + valueEnd) return undefined;
        retimed = true;
      }
      from = valueEnd;
    }
    if (last.compare(bytes, start + from, start + length, offset + from, offset + length) !== 0) return undefined;
    return retimed ? 'retimed' : 'same';
  }

  /** Copies `bytes` as the last body, into the same memory when it fits. */
  #keep(bytes: Uint8Array): void {
    if (this.#last.length < bytes.length || this.#last.length > SHRINK_FACTOR * bytes.length) {
      // Not Buffer.alloc's pool: a body's copy is large and lives long. With room to grow: a
      // listing a little longer than the last (an app scaled up has one more task) would
      // otherwise take fresh memory each time, whose first touch by the copy costs page
      // faults in one block (about 100 ms per 36 MB on this project's VM).
      this.#last = Buffer.allocUnsafeSlow(Math.ceil(bytes.length * GROWTH_ROOM));
    }
    this.#last.set(bytes);
  }

  /** The whole body through JSON.parse: its errors are the precise ones. Nothing is kept. */
  #readWhole(bytes: Uint8Array): MarathonApp[] {
    const body = parseJson(decode(bytes));
    if (!isObject(body) || !Array.isArray(body.apps)) throw new BodyShapeError('no `apps` array');
    const apps = body.apps.map((app, i) => deepFreeze(dropVolatile(checkApp(app, i))));
    this.#byDigest = new Map();
    this.#byStable = new Map();
    this.#order = [];
    this.#last = Buffer.alloc(0);
    this.#stats = { apps: apps.length, parsed: apps.length, recognised: 0, retimed: 0, slices: 1, whole: true };
    return apps;
  }
}

function parseApp(element: Uint8Array, index: number): MarathonApp {
  let value: unknown;
  try {
    value = JSON.parse(decode(element));
  } catch (err) {
    throw new BodyShapeError(`apps[${index}] is not valid JSON (${jsonSyntaxReason(err)})`);
  }
  return deepFreeze(dropVolatile(checkApp(value, index)));
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
