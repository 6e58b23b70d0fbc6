// The stamps of a whole listing, as a rescan compares them with the stamps in force. Two
// forms behind one interface: a list of FileStamp objects (stamps taken on the event loop),
// and a table of typed arrays (stamps taken by the rescan's worker thread, ./folder-sweep.ts):
// 10,000 stamp objects cost the event loop about 10 ms to receive from a thread (structured
// clone), the table about 1 ms, and it builds objects only for the few files that changed.

import { type FileStamp, sameStamp } from './file-stamp.js';

export interface Stamps {
  readonly length: number;
  /** The i-th stamp. */
  at(i: number): FileStamp;
  /** sameStamp(this.at(i), known), without building the stamp. */
  same(i: number, known: FileStamp | undefined): boolean;
  /** this.at(i).kind === 'unreadable'. */
  unreadable(i: number): boolean;
}

export class StampList implements Stamps {
  readonly #stamps: readonly FileStamp[];

  constructor(stamps: readonly FileStamp[]) {
    this.#stamps = stamps;
  }

  get length(): number {
    return this.#stamps.length;
  }

  at(i: number): FileStamp {
    return this.#stamps[i] as FileStamp;
  }

  same(i: number, known: FileStamp | undefined): boolean {
    return sameStamp(this.at(i), known);
  }

  unreadable(i: number): boolean {
    return this.at(i).kind === 'unreadable';
  }
}

const FILE = 0;
const MISSING = 1;
const UNREADABLE = 2;

/** A table as it crosses between threads: typed arrays (transferred, not copied) and the rare codes. */
export interface PackedStamps {
  /** FILE, MISSING or UNREADABLE per file. */
  kinds: Uint8Array;
  /** size, mtimeMs, ctimeMs, ino per file (a file's; zeros otherwise). */
  numbers: Float64Array;
  /** [index, code] of each unreadable file. */
  codes: Array<[number, string]>;
}

export function packStamps(stamps: readonly FileStamp[]): PackedStamps {
  const kinds = new Uint8Array(stamps.length);
  const numbers = new Float64Array(stamps.length * 4);
  const codes: Array<[number, string]> = [];
  stamps.forEach((s, i) => {
    if (s.kind === 'file') {
      kinds[i] = FILE;
      numbers[i * 4] = s.size;
      numbers[i * 4 + 1] = s.mtimeMs;
      numbers[i * 4 + 2] = s.ctimeMs;
      numbers[i * 4 + 3] = s.ino;
    } else if (s.kind === 'missing') {
      kinds[i] = MISSING;
    } else {
      kinds[i] = UNREADABLE;
      codes.push([i, s.code]);
    }
  });
  return { kinds, numbers, codes };
}

export class StampTable implements Stamps {
  readonly #kinds: Uint8Array;
  readonly #numbers: Float64Array;
  readonly #codes: ReadonlyMap<number, string>;

  /** Throws when the arrays do not hold `length` stamps: a table never makes up a stamp. */
  constructor(packed: PackedStamps, length: number) {
    if (packed.kinds.length !== length || packed.numbers.length !== length * 4)
      throw new Error(`stamp table of ${packed.kinds.length} stamps for ${length} files`);
    for (const kind of packed.kinds) if (kind > UNREADABLE) throw new Error(`stamp table: unknown kind ${kind}`);
    this.#kinds = packed.kinds;
    this.#numbers = packed.numbers;
    this.#codes = new Map(packed.codes);
    for (const [i, kind] of this.#kinds.entries())
      if (kind === UNREADABLE && !this.#codes.has(i)) throw new Error(`stamp table: no code for unreadable file ${i}`);
  }

  get length(): number {
    return this.#kinds.length;
  }

  at(i: number): FileStamp {
    const kind = this.#kinds[i];
    if (kind === MISSING) return { kind: 'missing' };
    if (kind === UNREADABLE) return { kind: 'unreadable', code: this.#codes.get(i) as string };
    const n = this.#numbers;
    return { kind: 'file', size: n[i * 4] as number, mtimeMs: n[i * 4 + 1] as number, ctimeMs: n[i * 4 + 2] as number, ino: n[i * 4 + 3] as number };
  }

  same(i: number, known: FileStamp | undefined): boolean {
    if (known === undefined) return false;
    const kind = this.#kinds[i];
    if (kind === MISSING) return known.kind === 'missing';
    if (kind === UNREADABLE) return known.kind === 'unreadable' && known.code === this.#codes.get(i);
    const n = this.#numbers;
    return known.kind === 'file' && known.size === n[i * 4] && known.mtimeMs === n[i * 4 + 1] && known.ctimeMs === n[i * 4 + 2] && known.ino === n[i * 4 + 3];
  }

  unreadable(i: number): boolean {
    return this.#kinds[i] === UNREADABLE;
  }
}
