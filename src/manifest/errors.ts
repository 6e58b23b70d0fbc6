import { MarackerError } from '../errors.js';

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
