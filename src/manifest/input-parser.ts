// What turns the text of a file or the spec of a row into apps and problems. Callers (the
// manifest reader, the database source, validate and plan) hold one InputParser and never
// decide themselves where parsing runs: in this thread (INLINE_PARSER, cheap for the small
// inputs of every day) or in worker threads for large ones (parse-pool.ts), so the status
// server and the leader lock keepalive are never starved by a big file.

import { parseManifestText, type ManifestFileResult, type ParseOptions } from './parse.js';
import { rowToDesired, type RowInput, type RowOptions, type RowResult } from './row.js';

export interface InputParser {
  /** Never rejects: a failure is a problem of the file. */
  parseFile(text: string, file: string, opts: ParseOptions): Promise<ManifestFileResult>;
  /** Never rejects: a failure is a problem of the row. */
  translateRow(row: RowInput, opts: RowOptions): Promise<RowResult>;
  /** Stops whatever threads it runs; later calls parse in this thread. */
  stop(): Promise<void>;
}

export const INLINE_PARSER: InputParser = Object.freeze({
  parseFile: (text: string, file: string, opts: ParseOptions) => Promise.resolve(parseManifestText(text, file, opts)),
  translateRow: (row: RowInput, opts: RowOptions) => Promise.resolve(rowToDesired(row, opts)),
  stop: () => Promise.resolve(),
});
