// Reads a GET /v2/apps body app by app, keeping the apps of the last listing by the digest
// of their bytes: an app whose bytes did not change is the very object read last time, not
// parsed (nor decoded, nor allocated) again. A pass over 10,000 apps in which nothing moved
// costs a scan and a hash of the body instead of a parse (./listing-split.ts says why), and
// everything downstream that remembers objects (the pass's memo, fingerprints) sees the same
// object and skips its work.
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
import { dropVolatile, stableDigest } from './listing-volatile.js';

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
  /** Apps recognised where the last listing's order expected them: hashed, not scanned. */
  recognised: number;
  /** Apps whose bytes differ from the last listing's in health check times only: not parsed. */
  retimed: number;
  /** Slices the read was cut into (yields + 1). */
  slices: number;
  /** The body did not have the plain `{"apps":[...]}` shape and was parsed whole. */
  whole: boolean;
}

interface Known {
  app: MarathonApp;
  /** Its place in the listing it was read from, and the length of its bytes. */
  index: number;
  length: number;
  /** Its digest without the health results' times (listing-volatile.ts), when it was taken. */
  stable: string | undefined;
}

export class AppListingCache {
  /** The apps of the last listing read, by the digest of their bytes. */
  #byDigest = new Map<string, Known>();
  /** The same apps by the digest of their bytes without the health results' times. */
  #byStable = new Map<string, Known>();
  /** The digests of the last listing's apps, in its order. */
  #order: string[] = [];
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
    // where nothing changed, each app is recognised by hashing as many bytes as it had there,
    // and the body is hashed, not scanned.
    let expected = 0;
    /** The bytes last hashed as the expected app: recognised, or not (then often the same span). */
    let tried: { start: number; length: number; digest: string; hit: boolean } | undefined;
    const known = (start: number): number => {
      tried = undefined;
      const digest = this.#order[expected];
      const was = digest === undefined ? undefined : this.#byDigest.get(digest);
      if (was === undefined || start + was.length > bytes.length) return 0;
      const candidate = bytes.subarray(start, start + was.length);
      if (candidate[candidate.length - 1] !== 0x7d) return 0;
      const got = hash('sha256', candidate, 'base64');
      tried = { start, length: was.length, digest: got, hit: got === digest };
      return tried.hit ? was.length : 0;
    };
    while (!cursor.done) {
      // One element at a time, so that the next one is expected where this one says.
      if (!continueSplit(bytes, cursor, spans, 1, known)) return this.#readWhole(bytes);
      const span = spans.pop();
      if (span === undefined) continue;
      const element = bytes.subarray(span.start, span.end);
      const same = tried !== undefined && tried.start === span.start && tried.length === element.length ? tried : undefined;
      tried = undefined;
      if (same?.hit) taken++;
      // sha256: no two listings' bytes can be told the same by accident or on purpose.
      const digest = same?.digest ?? hash('sha256', element, 'base64');
      let before = this.#byDigest.get(digest);
      let app = next.get(digest)?.app ?? before?.app;
      let stable = before?.stable;
      if (app === undefined) {
        stable = stableDigest(element);
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
      // An app added or removed shifts the order: expect what followed the app just read.
      expected = before === undefined ? expected + 1 : before.index + 1;
      const entry: Known = { app, index: apps.length, length: element.length, stable };
      next.set(digest, entry);
      if (stable !== undefined) nextStable.set(stable, entry);
      order.push(digest);
      apps.push(app);
      if (now() - sliceStart >= sliceMs) await rest();
    }
    this.#byDigest = next;
    this.#byStable = nextStable;
    this.#order = order;
    this.#stats = { apps: apps.length, parsed, recognised: taken, retimed, slices, whole: false };
    return apps;
  }

  /** The whole body through JSON.parse: its errors are the precise ones. Nothing is kept. */
  #readWhole(bytes: Uint8Array): MarathonApp[] {
    const body = parseJson(decode(bytes));
    if (!isObject(body) || !Array.isArray(body.apps)) throw new BodyShapeError('no `apps` array');
    const apps = body.apps.map((app, i) => deepFreeze(dropVolatile(checkApp(app, i))));
    this.#byDigest = new Map();
    this.#byStable = new Map();
    this.#order = [];
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
