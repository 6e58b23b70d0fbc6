// A problem found in user input: a YAML file, a database row, a flag. Every problem
// carries where it is, so a user can jump to it (`path:line:column: message`).

/** Where a problem is. For a file: its path and 1-based line/column. For a row: its id. */
export interface Location {
  file?: string;
  line?: number;
  column?: number;
  /** Database row id (the app id of the row). */
  row?: string;
  /** JSON path inside the document or row, e.g. "spec.healthChecks[0].port". */
  jsonPath?: string;
}

export interface Problem {
  /** Stable code, e.g. "yaml-syntax", "schema", "reserved-label", "duplicate-id". */
  code: string;
  message: string;
  location: Location;
}

/** "manifests/web.yaml:12:5: message", "row /demo/web: spec.instances: message", or just the message. */
export function formatProblem(p: Problem): string {
  const { file, line, column, row, jsonPath } = p.location;
  if (file !== undefined) {
    const pos = line !== undefined ? `:${line}:${column ?? 1}` : '';
    return `${file}${pos}: ${p.message}`;
  }
  if (row !== undefined) {
    return jsonPath ? `row ${row}: ${jsonPath}: ${p.message}` : `row ${row}: ${p.message}`;
  }
  return p.message;
}

/** Sorts problems by file, line and column so output is stable. */
export function compareProblems(a: Problem, b: Problem): number {
  const fa = a.location.file ?? a.location.row ?? '';
  const fb = b.location.file ?? b.location.row ?? '';
  if (fa !== fb) return fa < fb ? -1 : 1;
  const la = a.location.line ?? 0;
  const lb = b.location.line ?? 0;
  if (la !== lb) return la - lb;
  return (a.location.column ?? 0) - (b.location.column ?? 0);
}
