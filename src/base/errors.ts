// The root of maracker's error catalogue. Every error maracker raises on purpose is a
// MarackerError with a stable `code`; code that handles errors matches on `code`
// (or `instanceof`), never on message text. Codes are never reused for another meaning.
//
// Catalogue (each module defines its own subclasses next to the code that raises them):
//   MRK_CONFIG_INVALID          config/            configuration failed validation
//   MRK_MANIFEST_SCHEMA_UNAVAILABLE manifest/errors.ts schemas/app.schema.json missing or unreadable
//   MRK_MARATHON_*              marathon/errors.ts Marathon API failures
//   MRK_PLAN_INPUT_INVALID      plan/errors.ts     duplicate or mismatched app ids given to the planner
//   MRK_REGISTRY_*              registry/errors.ts image registry failures: REFERENCE_INVALID, UNAUTHORIZED, NOT_FOUND, ...
//   MRK_SOURCE_UNREADABLE       manifest/errors.ts a source could not be read (state unknown)
//   MRK_STATUS_*                status/errors.ts   status API errors (HTTP) and listen failures
//   MRK_NOT_LEADER              app/daemon.ts      a prune approval sent to a follower
//   MRK_PRUNE_EPISODE_STALE     prune/guard.ts an approval naming another episode than the one blocked now
//   MRK_DB_*                    postgres/errors.ts database failures: TIMEOUT, MIGRATION_FAILED, EMBEDDED_FAILED, EMBEDDED_IN_USE

export class MarackerError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export function errorCode(err: unknown): string | undefined {
  return err instanceof MarackerError ? err.code : undefined;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
