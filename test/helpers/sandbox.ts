// The Marathon sandbox for tests, started in-process on a free port and closed after the test.

import { onTestFinished } from 'vitest';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/sandbox.js';
import type { RequestLogEntry } from '../../src/sandbox/request-log.js';

export async function sandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const s = await startSandbox({ deploymentDurationMs: 100, ...options });
  onTestFinished(() => s.close());
  return s;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Requests that change apps, optionally only those for `id`. */
export function appWrites(s: Sandbox, id?: string, since?: number): RequestLogEntry[] {
  return s.requestLog(since).filter((e) => {
    if (!WRITES.has(e.method) || !e.path.startsWith('/v2/apps')) return false;
    if (id === undefined) return true;
    const bodyId = typeof e.body === 'object' && e.body !== null && !Array.isArray(e.body) ? (e.body as { id?: unknown }).id : undefined;
    return e.path === `/v2/apps${id}` || e.path.startsWith(`/v2/apps${id}/`) || (e.path === '/v2/apps' && bodyId === id);
  });
}

export function describeWrites(entries: RequestLogEntry[]): string[] {
  return entries.map(
    (e) =>
      `${e.method} ${e.path}${Object.keys(e.query).length ? `?${new URLSearchParams(Object.entries(e.query).flatMap(([k, vs]) => vs.map((v): [string, string] => [k, v]))).toString()}` : ''}`,
  );
}
