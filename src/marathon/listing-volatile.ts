// The one field of a listing that changes while nothing else does: each task's health check
// results carry `lastSuccess`, which Marathon re-stamps at every successful check (every
// `intervalSeconds`, 60 by default). Between two passes 30 s apart about half the tasks have
// a new one, so most apps' bytes differ from the last listing although nothing maracker
// reads of them moved (it reads `alive`, never the times).
//
// stableDigest() hashes an app's bytes with the value of every
// `tasks[].healthCheckResults[].lastSuccess` left out, and heldApp() (./held-app.ts) drops
// those very values (and more) from a parsed app: two apps with the same stable digest are,
// once held, the same. maracker's copy of an app therefore never holds `lastSuccess`
// (nothing in maracker shows it), rather than an old one. Only that exact path is left out: a label or an
// environment variable named `lastSuccess` is hashed like any other byte. A key written with
// escapes (`"l\u0061stSuccess"`) is not recognised here: hashed, then dropped on parse, which
// errs on the side of parsing again. Pure.

import { hash } from 'node:crypto';
import { CLOSE_BRACE, CLOSE_BRACKET, COLON, COMMA, OPEN_BRACE, OPEN_BRACKET, QUOTE, skipWs, stringEnd } from './listing-split.js';

const TASKS = Buffer.from('"tasks"');
const RESULTS = Buffer.from('"healthCheckResults"');
const LAST_SUCCESS = Buffer.from('"lastSuccess"');

/** Where the value sits, counted from the app: app{ tasks[ {task} healthCheckResults[ {result} */
const OBJ = 0;
const ARR = 1;

/**
 * listingDigest of `element` (one app's JSON, as split from a listing) without the values
 * of its tasks' health results' `lastSuccess`. Undefined when the bytes are not well formed
 * enough to tell (the caller then relies on the plain digest).
 */
export function stableDigest(element: Uint8Array): string | undefined {
  return stableRead(element)?.digest;
}

/**
 * stableDigest, and where the left-out values are: pairs of offsets into `element`, the start
 * and end of each value, in order (empty when there is none).
 */
export function stableRead(element: Uint8Array): { digest: string; masks: number[] } | undefined {
  const masks: number[] = [];
  const kinds: number[] = [];
  /** Which key each open container is the value of: 1 tasks, 2 healthCheckResults, 0 other. */
  const under: number[] = [];
  let key = 0;
  let i = 0;
  const n = element.length;
  while (i < n) {
    const b = element[i] as number;
    if (b === QUOTE) {
      const start = i;
      const keyEnd = stringEnd(element, i + 1);
      if (keyEnd < 0) return undefined;
      i = keyEnd;
      const colon = skipWs(element, keyEnd);
      if (element[colon] !== COLON || kinds[kinds.length - 1] !== OBJ) continue;
      // A key.
      key = matches(element, start, keyEnd, TASKS) ? 1 : matches(element, start, keyEnd, RESULTS) ? 2 : 0;
      i = colon + 1;
      if (!matches(element, start, keyEnd, LAST_SUCCESS) || !inResult(kinds, under)) continue;
      const value = skipWs(element, i);
      const end = timeEnd(element, value);
      // Anything but a plain time or null is hashed as it is: only values that keep the
      // document well formed whatever they are can be left out.
      if (end < 0) continue;
      masks.push(value, end);
      i = end;
      continue;
    }
    if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      kinds.push(b === OPEN_BRACE ? OBJ : ARR);
      under.push(key);
      key = 0;
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
      kinds.pop();
      under.pop();
      key = 0;
    } else if (b === COMMA) {
      key = 0;
    }
    i++;
  }
  if (kinds.length !== 0) return undefined;
  return { digest: maskedDigest(element, masks), masks };
}

/**
 * The digest apps of a listing are known by: sha256, so that no two apps' bytes can be told
 * the same by accident or on purpose. Base64. (BLAKE2b-512 was tried: with the CPU's SHA
 * extensions sha256 hashes 34 MiB of 3.5 KiB pieces in 26-33 ms here, BLAKE2b-512 in 58-62.)
 */
export function listingDigest(bytes: Uint8Array): string {
  return hash('sha256', bytes, 'base64');
}

/** One buffer the bytes a stable digest covers are gathered into (grown as needed; pure code runs one at a time). */
let gathered = Buffer.allocUnsafeSlow(16 << 10);

/**
 * listingDigest of `element` with each masked value (start, end pairs, in order) replaced
 * by one zero byte, a marker no value can be: a left-out value is never confused with bytes.
 * The bytes are gathered into one buffer and hashed at once: a hash update per piece cost
 * more than the hashing.
 */
export function maskedDigest(element: Uint8Array, masks: readonly number[]): string {
  if (masks.length === 0) return listingDigest(element);
  if (gathered.length < element.length) gathered = Buffer.allocUnsafeSlow(Math.max(element.length, 2 * gathered.length));
  const out = gathered;
  let at = 0;
  let from = 0;
  for (let m = 0; m < masks.length; m += 2) {
    const valueStart = masks[m] as number;
    out.set(element.subarray(from, valueStart), at);
    at += valueStart - from;
    out[at++] = 0;
    from = masks[m + 1] as number;
  }
  out.set(element.subarray(from), at);
  at += element.length - from;
  return listingDigest(out.subarray(0, at));
}

/** Open containers, from the app: {app [tasks {task [healthCheckResults {result: exactly here. */
function inResult(kinds: readonly number[], under: readonly number[]): boolean {
  return (
    kinds.length === 5 && kinds[0] === OBJ && kinds[1] === ARR && under[1] === 1 && kinds[2] === OBJ && kinds[3] === ARR && under[3] === 2 && kinds[4] === OBJ
  );
}

function matches(bytes: Uint8Array, start: number, end: number, word: Uint8Array): boolean {
  if (end - start !== word.length) return false;
  for (let k = 0; k < word.length; k++) if (bytes[start + k] !== word[k]) return false;
  return true;
}

/**
 * The end of `null` or of a string of letters, digits, `:` `.` `+` `-` and spaces (a time, as
 * Marathon writes them) starting at `at`; -1 for anything else (escapes included).
 */
export function timeEnd(bytes: Uint8Array, at: number): number {
  if (bytes[at] === 0x6e && bytes[at + 1] === 0x75 && bytes[at + 2] === 0x6c && bytes[at + 3] === 0x6c) return at + 4;
  if (bytes[at] !== QUOTE) return -1;
  for (let i = at + 1; i < bytes.length; i++) {
    const c = bytes[i] as number;
    if (c === QUOTE) return i + 1;
    const plain = (c >= 0x30 && c <= 0x3a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2e || c === 0x2b || c === 0x2d || c === 0x20;
    if (!plain) return -1;
  }
  return -1;
}
