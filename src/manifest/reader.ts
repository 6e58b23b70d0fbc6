// Reads one file of the manifests folder, by its path relative to the folder: the one
// thing the folder source (and validate, and plan) asks of the file system per file. The
// folder's real path is the boundary (file-read.ts); parsing goes through the InputParser
// (in this thread, or a worker for large files). Never rejects: whatever goes wrong is a
// problem of that file, so the file is invalid, never gone, and what it declared stays
// protected.

import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { failureOf } from './failure.js';
import { FILE_CODES, readFileWithin, type FileRead } from './file-read.js';
import { INLINE_PARSER, type InputParser } from './input-parser.js';
import { DEFAULT_INPUT_LIMITS, type InputLimits } from './limits.js';
import { refusedFile, type ManifestFileResult } from './parse.js';
import type { TranslateOptions } from './types.js';

export interface ManifestReaderOptions {
  /** The manifests folder (as configured; it may itself be a link). */
  dir: string;
  /** How paths are shown in problems, e.g. "manifests". Default: dir. */
  displayRoot?: string;
  translate?: TranslateOptions;
  limits?: InputLimits;
  /** Default: INLINE_PARSER. */
  parser?: InputParser;
}

export class ManifestReader {
  readonly #dir: string;
  readonly #displayRoot: string;
  readonly #translate: TranslateOptions;
  readonly #limits: InputLimits;
  readonly #parser: InputParser;

  constructor(o: ManifestReaderOptions) {
    this.#dir = o.dir;
    this.#displayRoot = o.displayRoot ?? o.dir;
    this.#translate = o.translate ?? {};
    this.#limits = o.limits ?? DEFAULT_INPUT_LIMITS;
    this.#parser = o.parser ?? INLINE_PARSER;
  }

  /**
   * The folder's real path now, for a batch of reads (`read`'s `root`): the folder may be a
   * link that a deployment switches. A batch that straddles a switch refuses the files it
   * finds under the new target (outside the old root) until the next batch: it fails closed.
   */
  resolveRoot(): Promise<string | undefined> {
    return realpath(this.#dir).catch(() => undefined);
  }

  /**
   * `o.root`: the folder's real path from resolveRoot (resolved here when absent).
   * `o.regular`: the caller has just seen a regular file there (readFileWithin).
   */
  async read(rel: string, o: { root?: string | undefined; regular?: boolean } = {}): Promise<ManifestFileResult> {
    const displayPath = join(this.#displayRoot, rel);
    try {
      const root = o.root ?? (await this.resolveRoot());
      if (root === undefined) return refusedFile(rel, displayPath, FILE_CODES.unreadable, 'cannot read file (the manifests folder cannot be resolved)');
      return await this.parse(rel, await readFileWithin(join(this.#dir, rel), { root, limits: this.#limits, ...(o.regular ? { regular: true } : {}) }));
    } catch (err) {
      const { code, message } = failureOf(err);
      return refusedFile(rel, displayPath, code, message);
    }
  }

  /** A file already read within the folder's boundary (readFileWithin, or readDirectSync in the rescan's worker), parsed. */
  async parse(rel: string, got: FileRead): Promise<ManifestFileResult> {
    const displayPath = join(this.#displayRoot, rel);
    try {
      if (got.kind === 'refused') return refusedFile(rel, displayPath, got.code, got.message);
      return await this.#parser.parseFile(got.text, rel, { ...this.#translate, displayPath, limits: this.#limits });
    } catch (err) {
      const { code, message } = failureOf(err);
      return refusedFile(rel, displayPath, code, message);
    }
  }

  /** The limits files are read within (the rescan's worker checks them too). */
  get limits(): InputLimits {
    return this.#limits;
  }
}
