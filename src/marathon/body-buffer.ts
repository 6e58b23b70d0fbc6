// Reads a response body into text through a buffer kept between requests. The app listing
// (34 MiB at 10,000 apps with their tasks) is read as it arrives instead (listing-cache.ts),
// except when it is read whole again for a precise error, or because it is not of the plain
// shape: such a large body, read with undici's text(), took a fresh buffer each time and
// spent ~100 ms in page faults on a virtual machine (first touch of new memory). Small bodies
// are joined as usual; a large one is copied into the kept buffer when no other request holds
// it, else into a buffer of its own.

/**
 * No answer of Marathon is read beyond this (the default of MarathonClientOptions.maxBodyBytes):
 * an endless or huge body (a broken proxy, a hostile endpoint) is refused as it arrives, never
 * held. 30,000 apps with their tasks are about 35 MiB; V8's longest string is just under 512.
 */
export const MAX_BODY_BYTES = 256 << 20;

/** A body longer than the bound: refused, the rest left unread. */
export class BodyTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`longer than ${sizeText(maxBytes)}, the most maracker reads of one answer; not read`);
    this.name = 'BodyTooLargeError';
  }
}

function sizeText(bytes: number): string {
  return bytes % (1 << 20) === 0 ? `${bytes >> 20} MiB` : `${bytes} bytes`;
}

/** `body`, which throws BodyTooLargeError as soon as more than `maxBytes` arrived. */
export async function* boundedBody(body: AsyncIterable<Uint8Array>, maxBytes: number): AsyncGenerator<Uint8Array, void, undefined> {
  let seen = 0;
  for await (const chunk of body) {
    seen += chunk.length;
    if (seen > maxBytes) throw new BodyTooLargeError(maxBytes);
    yield chunk;
  }
}

/** Bodies up to this size are joined as usual. */
const SMALL_BODY_BYTES = 1 << 20;
/** A buffer larger than this is not kept for the next request. */
const KEEP_MAX_BYTES = 256 << 20;
/**
 * A new kept buffer has room for a body this many times the size asked for. A listing a
 * little longer than the last (an app scaled up has one more task) would otherwise take
 * fresh memory every pass that changed something, whose first touch costs page faults: 125
 * to 360 ms of a drifted pass at 10,000 apps (34 MiB) in the resync bench, against 2-3 ms in
 * passes with nothing to do.
 */
const GROWTH_ROOM = 1.25;

/** A body read whole. `bytes` is valid until release(): it may be the kept buffer. */
export interface LeasedBody {
  readonly bytes: Buffer;
  release(): void;
}

export class BodyBuffer {
  #kept: Buffer | undefined;
  #leased = false;

  /**
   * The body as UTF-8 text (a leading byte-order mark dropped, as undici's text() does).
   * `sizeHint`: the Content-Length, when the server sent one (a hint: the bytes decide).
   */
  async text(body: AsyncIterable<Uint8Array>, sizeHint?: number): Promise<string> {
    const read = await this.read(body, sizeHint);
    try {
      return decodeBody(read.bytes);
    } finally {
      read.release();
    }
  }

  /**
   * The body's bytes, which the caller must release() once done with them (a large body is
   * read into the buffer kept for the next request, and stays leased until then). Throws
   * BodyTooLargeError, before reading or as soon as it is so, for a body longer than `maxBytes`.
   */
  async read(body: AsyncIterable<Uint8Array>, sizeHint?: number, maxBytes = MAX_BODY_BYTES): Promise<LeasedBody> {
    if (sizeHint !== undefined && sizeHint > maxBytes) throw new BodyTooLargeError(maxBytes);
    const hint = sizeHint !== undefined && Number.isSafeInteger(sizeHint) && sizeHint > 0 && sizeHint <= KEEP_MAX_BYTES ? sizeHint : 0;
    const small: Uint8Array[] = [];
    let smallBytes = 0;
    let big: { buf: Buffer; used: number; kept: boolean } | undefined;
    try {
      for await (const chunk of body) {
        if ((big?.used ?? smallBytes) + chunk.length > maxBytes) throw new BodyTooLargeError(maxBytes);
        if (big === undefined) {
          small.push(chunk);
          smallBytes += chunk.length;
          if (smallBytes <= SMALL_BODY_BYTES) continue;
          big = this.#lease(Math.max(smallBytes * 2, hint));
          for (const c of small) big = append(big, c);
          small.length = 0;
          continue;
        }
        big = append(big, chunk);
      }
    } catch (err) {
      if (big?.kept) this.#return(big.buf);
      throw err;
    }
    if (big === undefined) return { bytes: Buffer.concat(small, smallBytes), release: () => undefined };
    const leased = big;
    let released = false;
    return {
      bytes: leased.buf.subarray(0, leased.used),
      release: () => {
        if (released) return;
        released = true;
        if (leased.kept) this.#return(leased.buf);
      },
    };
  }

  #lease(atLeast: number): { buf: Buffer; used: number; kept: boolean } {
    if (this.#leased) return { buf: Buffer.allocUnsafe(atLeast), used: 0, kept: false };
    this.#leased = true;
    const buf =
      this.#kept !== undefined && this.#kept.length >= atLeast
        ? this.#kept
        : Buffer.allocUnsafe(Math.max(Math.min(Math.ceil(atLeast * GROWTH_ROOM), KEEP_MAX_BYTES), atLeast, this.#kept?.length ?? 0));
    return { buf, used: 0, kept: true };
  }

  /** The leased buffer (perhaps grown while reading) is the one kept for the next body. */
  #return(buf: Buffer): void {
    this.#kept = buf.length <= KEEP_MAX_BYTES ? buf : undefined;
    this.#leased = false;
  }
}

function append(big: { buf: Buffer; used: number; kept: boolean }, chunk: Uint8Array): { buf: Buffer; used: number; kept: boolean } {
  let { buf } = big;
  if (big.used + chunk.length > buf.length) {
    // Doubling: a body longer than its Content-Length said, or sent without one.
    const grown = Buffer.allocUnsafe(Math.max(buf.length * 2, big.used + chunk.length));
    buf.copy(grown, 0, 0, big.used);
    buf = grown;
  }
  buf.set(chunk, big.used);
  return { buf, used: big.used + chunk.length, kept: big.kept };
}

/** UTF-8 text, a leading byte-order mark dropped (as undici's text() does). */
export function decodeBody(bytes: Buffer): string {
  const start = bytes.length > 2 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return bytes.toString('utf8', start);
}
