// HTTP plumbing shared by the API modules: reading bodies, parsing them like Marathon's Jackson
// (400 for text that is not JSON, 400 for an empty body), and writing Marathon-style responses.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JsonValue } from '../model/marathon.js';
import { emptyBody, unparsableJson } from './errors.js';

export const MAX_BODY_BYTES = 10 * 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Parses a request body as Marathon does before reading it into a type. */
export function parseJsonBody(raw: Buffer): JsonValue {
  const text = raw.toString('utf8');
  if (text.trim() === '') throw emptyBody();
  try {
    return JSON.parse(text) as JsonValue;
  } catch (err) {
    throw unparsableJson(err instanceof Error ? err.message : String(err));
  }
}

/** The body for the request log: JSON when it parses, the text otherwise, null when empty. */
export function bodyForLog(raw: Buffer): JsonValue {
  if (raw.length === 0) return null;
  const text = raw.toString('utf8');
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}

export interface Reply {
  status: number;
  /** Serialised body (already JSON text, or its UTF-8 bytes), or undefined for none. */
  body?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

export function json(status: number, value: JsonValue, headers?: Record<string, string>): Reply {
  return { status, body: JSON.stringify(value), headers };
}

export function rawJson(status: number, text: string | Buffer, headers?: Record<string, string>): Reply {
  return { status, body: text, headers };
}

/** Marathon's CacheDisablingFilter headers, on every API response. */
const NO_CACHE = { 'Cache-Control': 'no-cache, no-store, must-revalidate', Pragma: 'no-cache', Expires: '0' };

export function writeReply(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string | number> = { ...NO_CACHE, ...(reply.headers ?? {}) };
  if (reply.body !== undefined) {
    headers['Content-Type'] = reply.contentType ?? 'application/json';
    headers['Content-Length'] = Buffer.byteLength(reply.body);
  } else headers['Content-Length'] = 0;
  res.writeHead(reply.status, headers);
  res.end(reply.body);
}

export function queryOf(url: URL): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) (out[k] ??= []).push(v);
  return out;
}

/** Jersey's boolean query parameters: "true" (any case) is true, anything else false. */
export function boolParam(query: Record<string, string[]>, name: string, fallback: boolean): boolean {
  const v = query[name]?.[0];
  if (v === undefined) return fallback;
  return v.toLowerCase() === 'true';
}
