import { MarackerError } from '../base/errors.js';

/**
 * schemas/app.schema.json could not be found or parsed: an installation problem (the file
 * ships next to dist/ in the package), not a problem of any manifest.
 */
export class SchemaUnavailableError extends MarackerError {
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('MRK_MANIFEST_SCHEMA_UNAVAILABLE', message, options);
    this.path = path;
  }
}

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
