// `POST /hooks/git`: a forge says "pushed", the git source fetches at once instead of at its
// next interval. The request is only a hint (what it says about commits is never read: the
// fetch finds out), so all that matters is who may send it, and how often:
//
// - authenticated by a shared secret, in the forms forges send: GitHub's and Gitea's/Forgejo's
//   HMAC-SHA256 of the body (`X-Hub-Signature-256: sha256=<hex>`, `X-Gitea-Signature: <hex>`)
//   and GitLab's token (`X-Gitlab-Token: <secret>`), each compared in constant time;
// - every refusal is the same 401, whatever was wrong (missing, malformed, wrong secret), so a
//   caller learns nothing about which form is expected or how close it came;
// - rate-limited with a token bucket (a burst of 10, then 1 per second): beyond, 429, and the
//   fetch is not started (a fetch already asked for collapses with it anyway).

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { systemTimers, type Timers } from '../base/timers.js';

export interface GitHookOptions {
  /** The shared secret configured at the forge (--git-webhook-secret). */
  secret: string;
  /** Starts a fetch; never awaited by the request. */
  trigger: () => void;
  /** Requests let through at once. Default 10. */
  burst?: number;
  /** Refill per second. Default 1. */
  perSecond?: number;
  timers?: Timers;
}

export type HookVerdict = 'accepted' | 'unauthorized' | 'rate-limited';

export class GitHook {
  readonly #secret: Buffer;
  readonly #trigger: () => void;
  readonly #burst: number;
  readonly #perSecond: number;
  readonly #timers: Timers;
  #tokens: number;
  #last: number;

  constructor(o: GitHookOptions) {
    if (typeof o.secret !== 'string' || o.secret.length < 8) throw new TypeError('Expected `secret` to be a string of 8 characters and more');
    this.#secret = Buffer.from(o.secret, 'utf8');
    this.#trigger = o.trigger;
    this.#burst = o.burst ?? 10;
    this.#perSecond = o.perSecond ?? 1;
    this.#timers = o.timers ?? systemTimers;
    this.#tokens = this.#burst;
    this.#last = this.#timers.now();
  }

  /** Judges one request (its headers and raw body) and, when it is accepted, triggers a fetch. */
  receive(headers: IncomingHttpHeaders, body: Buffer): HookVerdict {
    if (!this.#authentic(headers, body)) return 'unauthorized';
    const now = this.#timers.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#perSecond);
    this.#last = now;
    if (this.#tokens < 1) return 'rate-limited';
    this.#tokens -= 1;
    this.#trigger();
    return 'accepted';
  }

  #authentic(headers: IncomingHttpHeaders, body: Buffer): boolean {
    const hmac = (): Buffer => createHmac('sha256', this.#secret).update(body).digest();
    const github = one(headers['x-hub-signature-256']);
    if (github !== undefined) return github.startsWith('sha256=') && sameHex(github.slice(7), hmac());
    const gitea = one(headers['x-gitea-signature']) ?? one(headers['x-forgejo-signature']) ?? one(headers['x-gogs-signature']);
    if (gitea !== undefined) return sameHex(gitea, hmac());
    const gitlab = one(headers['x-gitlab-token']);
    if (gitlab !== undefined) return sameBytes(Buffer.from(gitlab, 'utf8'), this.#secret);
    return false;
  }
}

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function sameHex(hex: string, expected: Buffer): boolean {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return false;
  return timingSafeEqual(Buffer.from(hex, 'hex'), expected);
}

/** Constant time over the expected length: compares digests, so lengths never short-cut. */
function sameBytes(given: Buffer, expected: Buffer): boolean {
  const a = createHmac('sha256', 'maracker').update(given).digest();
  const b = createHmac('sha256', 'maracker').update(expected).digest();
  return timingSafeEqual(a, b);
}
