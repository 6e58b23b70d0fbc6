// A failure as the status store shows it. One function, so Marathon's reachability, an app's
// failed read and a refused write all report an error the same way.

import type { ErrorRecord } from '../status/model.js';

/**
 * The failure's message, and its code when it has one: an MRK_... code, or a system error's
 * (such as ECONNRESET), which is still worth matching on.
 */
export function errorRecord(err: unknown): ErrorRecord {
  const message = err instanceof Error ? err.message : String(err);
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
  return code ? { code, message } : { message };
}
