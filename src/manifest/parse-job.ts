// One unit of parsing, the same in this thread and in a worker: a file's text or a row,
// with its options, to its result. Plain data both ways, so it crosses the thread
// boundary by structured clone.

import { parseManifestText, type ManifestFileResult, type ParseOptions } from './parse.js';
import { rowToDesired, type RowInput, type RowOptions, type RowResult } from './row.js';

export type ParseJob = { kind: 'file'; text: string; file: string; opts: ParseOptions } | { kind: 'row'; row: RowInput; opts: RowOptions };

export type ParseJobResult<J extends ParseJob> = J extends { kind: 'file' } ? ManifestFileResult : RowResult;

/** Never throws: both parsers turn failures into problems of their input. */
export function runParseJob<J extends ParseJob>(job: J): ParseJobResult<J> {
  return (job.kind === 'file' ? parseManifestText(job.text, job.file, job.opts) : rowToDesired(job.row, job.opts)) as ParseJobResult<J>;
}
