// Errors of the database side (schema, source, status table, leader election, embedded
// server). Each has a stable code (MRK_DB_*, each with its meaning in ERROR_CODES,
// src/base/errors.ts); callers match on `code`, never on the message.

import { errorMessage, MarackerError } from '../base/errors.js';

export class DatabaseTimeoutError extends MarackerError {
  /** What was waited for, e.g. "leadership check". */
  readonly operation: string;
  readonly timeoutMs: number;
  constructor(operation: string, timeoutMs: number) {
    super('MRK_DB_TIMEOUT', `${operation}: no answer from the database within ${timeoutMs} ms`);
    this.operation = operation;
    this.timeoutMs = timeoutMs;
  }
}

export class MigrationError extends MarackerError {
  readonly version: number;
  readonly migration: string;
  constructor(version: number, migration: string, cause: unknown) {
    const reason = errorMessage(cause);
    super('MRK_DB_MIGRATION_FAILED', `migration ${version} (${migration}) failed and was rolled back: ${reason}`, { cause });
    this.version = version;
    this.migration = migration;
  }
}

export class EmbeddedPostgresError extends MarackerError {
  readonly dataDir: string;
  constructor(dataDir: string, message: string, options?: { cause?: unknown }) {
    super('MRK_DB_EMBEDDED_FAILED', message, options);
    this.dataDir = dataDir;
  }
}

export class EmbeddedPostgresInUseError extends MarackerError {
  readonly dataDir: string;
  /** Process id of the maracker that owns the folder. */
  readonly ownerPid: number;
  constructor(dataDir: string, ownerPid: number) {
    super('MRK_DB_EMBEDDED_IN_USE', `the embedded PostgreSQL in ${dataDir} is in use by another maracker (pid ${ownerPid}); stop it or give --database-url`);
    this.dataDir = dataDir;
    this.ownerPid = ownerPid;
  }
}

export class InstallationRowError extends MarackerError {
  constructor(message: string) {
    super('MRK_DB_INSTALLATION_MISSING', message);
  }
}
