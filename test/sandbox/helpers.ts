// Helpers for the sandbox suites: a sandbox closed when the test ends, a small HTTP client,
// polling without timing assertions, and an SSE reader.

import { request } from 'node:http';
import { onTestFinished } from 'vitest';
import type { JsonValue } from '../../src/model/marathon.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/sandbox.js';
import type { Clock, Timer } from '../../src/sandbox/time.js';
import { ManualClock } from '../helpers/manual-clock.js';

/** A sandbox with fast deployments, closed when the current test finishes. */
export async function sandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const sb = await startSandbox({ deploymentDurationMs: 30, ...options });
  onTestFinished(() => sb.close());
  return sb;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: a test reads whatever the sandbox answered, field by field
  json: any;
}

export function call(sb: Sandbox, method: string, path: string, body?: JsonValue | string, headers: Record<string, string> = {}): Promise<ApiResponse> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${sb.url}${path}`,
      { method, headers: { ...(payload !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parsed });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Polls `fn` until it returns a truthy value; fails after `timeoutMs` (generous: a 2-core box). */
export async function until<T>(fn: () => T | Promise<T>, timeoutMs = 15000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

export interface SseReader {
  events: Array<{ event?: string; data: Record<string, unknown> }>;
  raw: string;
  close(): void;
}

/** Reads /v2/events; the connection closes when the test ends. */
export function sse(sb: Sandbox, query = ''): Promise<SseReader> {
  return new Promise((resolve, reject) => {
    const reader: SseReader = { events: [], raw: '', close: () => undefined };
    const req = request(`${sb.url}/v2/events${query}`, { headers: { Accept: 'text/event-stream' }, agent: false }, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        reader.raw += chunk;
        buffer += chunk;
        let idx: number;
        while ((idx = buffer.indexOf('\r\n\r\n')) >= 0) {
          const frame = buffer.slice(0, idx);
          buffer = buffer.slice(idx + 4);
          const lines = frame.split('\r\n');
          const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
          const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
          if (data) reader.events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
        }
      });
      res.on('error', () => undefined);
      reader.close = () => req.destroy();
      resolve(reader);
    });
    req.on('error', (err) => {
      if (reader.close === undefined) reject(err);
    });
    req.end();
    onTestFinished(() => {
      req.destroy();
    });
  });
}

/** A minimal valid app definition with overrides. */
export function app(id: string, overrides: Record<string, JsonValue> = {}): { id: string } & Record<string, JsonValue> {
  return { cmd: 'sleep 1000', cpus: 0.1, mem: 32, instances: 1, ...overrides, id };
}

/** A sandbox clock that moves only when the test advances it (ManualClock behind the sandbox's Clock). */
export function manualSandboxClock(start?: number): { clock: Clock; advance(ms: number): void; now(): number } {
  const manual = new ManualClock(start);
  const handles = new Map<Timer, unknown>();
  return {
    clock: {
      now: () => manual.now(),
      setTimeout: (fn, ms) => {
        const timer: Timer = {};
        handles.set(timer, manual.setTimeout(fn, ms));
        return timer;
      },
      clearTimeout: (timer) => manual.clearTimeout(handles.get(timer)),
    },
    advance: (ms) => manual.advance(ms),
    now: () => manual.now(),
  };
}
