import { MarackerError } from '../errors.js';

/**
 * A source (the manifests folder, the database table) could not be read. Its state is
 * *unknown*, never *empty*: callers must not prune anything on the strength of it.
 */
export class SourceUnreadableError extends MarackerError {
  /** The folder, file or table that could not be read. */
  readonly source: string;
  constructor(source: string, message: string, options?: { cause?: unknown }) {
    super('MRK_SOURCE_UNREADABLE', message, options);
    this.source = source;
  }
}
