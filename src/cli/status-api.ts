// How commands talk to a running daemon's status server: one place for the token, the
// user name sent with approvals, the timeout, and errors that name the address and say what
// to check ("connection refused": is the daemon running, is --status right?).

import { userInfo } from 'node:os';
import type { Env } from '../base/env.js';
import type { OptionSpec } from '../config/options.js';

/** How every command that talks to a daemon finds it: one declaration. */
export const STATUS_CLIENT_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'status',
    type: 'string',
    env: 'MARACKER_STATUS_URL',
    default: 'http://127.0.0.1:8090',
    description: "Base URL of the (leading) daemon's status server",
  },
  {
    name: 'status-token',
    type: 'string',
    env: 'MARACKER_STATUS_TOKEN',
    secret: true,
    description: 'Bearer token of the status server (required for actions unless the daemon has none and listens on 127.0.0.1)',
  },
];

export interface StatusApiOptions {
  /** Base URL, e.g. http://127.0.0.1:8090 (trailing slashes ignored). */
  base: string;
  token: string | undefined;
  env: Env;
  timeoutMs?: number;
}

export type ApiAnswer = { ok: true; status: number; body: Record<string, unknown> } | { ok: false; message: string };

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused: is the daemon running, and is --status its address?',
  ENOTFOUND: 'no such host: check --status',
  EAI_AGAIN: 'the host name could not be resolved now: check --status and DNS',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'no answer in time',
  UND_ERR_CONNECT_TIMEOUT: 'no answer in time',
};

function reasonOf(err: unknown): string {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && REASONS[code]) return REASONS[code] as string;
    if ((e as { name?: unknown }).name === 'TimeoutError') return 'no answer in time';
  }
  // undici says "fetch failed" and keeps the reason in the cause.
  const cause = (err as { cause?: unknown }).cause;
  const inner = cause instanceof Error ? cause.message : undefined;
  return inner ?? (err instanceof Error ? err.message : String(err));
}

export function osUser(env: Env): string | undefined {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (a container running as an arbitrary uid).
    return env.USER || undefined;
  }
}

export class StatusApi {
  readonly base: string;

  constructor(readonly o: StatusApiOptions) {
    this.base = o.base.replace(/\/+$/, '');
  }

  /** host:port of the daemon, for messages. */
  get address(): string {
    try {
      return new URL(this.base).host;
    } catch {
      return this.base;
    }
  }

  /** The client of a command's parsed STATUS_CLIENT_OPTIONS. */
  static of(values: Readonly<Record<string, unknown>>, env: Env): StatusApi {
    return new StatusApi({ base: String(values.status), token: values['status-token'] as string | undefined, env });
  }

  async call(method: 'GET' | 'POST', path: string): Promise<ApiAnswer> {
    const headers: Record<string, string> = this.o.token ? { authorization: `Bearer ${this.o.token}` } : {};
    // Who acts, for the daemon's log (next to the address the request comes from).
    const user = method === 'POST' ? osUser(this.o.env) : undefined;
    if (user) headers['x-maracker-user'] = user;
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, { method, headers, signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000) });
    } catch (err) {
      return { ok: false, message: `cannot reach the daemon at ${this.address}: ${reasonOf(err)}` };
    }
    let body: Record<string, unknown>;
    try {
      body = (await res.json()) as Record<string, unknown>;
    } catch {
      return { ok: false, message: `${this.address} answered ${res.status} with something that is not maracker's status API` };
    }
    if (res.status >= 400) {
      const e = body.error as { message?: string } | undefined;
      return { ok: false, message: `${this.address} answered ${res.status}: ${e?.message ?? JSON.stringify(body)}` };
    }
    return { ok: true, status: res.status, body };
  }
}
