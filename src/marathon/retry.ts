// The one answer to "is this failure transient, and what should the caller do about it?",
// next to the error catalogue (errors.ts) it sorts. The client's read retries and the
// reconciler's writer both ask here, so the two can never disagree about a code.
//
// Only idempotent requests are ever repeated as they are: a write that timed out or lost its
// connection may already have been applied by Marathon, so repeating it could start a
// second deployment. Writes go back through the work queue instead, which re-reads the app
// and plans again (src/reconcile/writer.ts, src/reconcile/workqueue.ts).

import { errorCode } from '../base/errors.js';

export type FailureKind =
  /** The same read may be sent again at once: the next answer may well be different. */
  | 'retry-read'
  /** A running deployment locks the app: wait for it, then try again. */
  | 'wait-lock'
  /** Marathon's own deployment cap is reached: send fewer deployments, try again later. */
  | 'cap'
  /** The write contradicts the read it was decided on: re-read, plan again. */
  | 'contradiction'
  /** Marathon refused the request itself: the same input can never succeed. */
  | 'rejected'
  /** May pass later without the input changing: back off and try again. */
  | 'transient';

export function failureKind(err: unknown): FailureKind {
  switch (errorCode(err)) {
    // 5xx: a leader election, a Marathon restarting, a proxy with no backend for a moment.
    case 'MRK_MARATHON_SERVER_ERROR':
    // No complete answer in time: nothing is known, and sending a read again changes nothing.
    case 'MRK_MARATHON_TIMEOUT':
    // Refused, reset, DNS: the network, or the leader moving.
    case 'MRK_MARATHON_CONNECTION':
    // A truncated or garbled 2xx: never read as "empty", and the next one may be whole.
    case 'MRK_MARATHON_BAD_BODY':
      return 'retry-read';

    // 409 while a deployment of the app runs (ours, or a hand edit's): forcing would cancel
    // it, so maracker waits unless --force.
    case 'MRK_MARATHON_DEPLOYMENT_LOCKED':
      return 'wait-lock';

    // 403 "Max number (N) of running deployments": no authorisation problem; the deployment
    // gate lowers its limit and the write waits its turn.
    case 'MRK_MARATHON_DEPLOYMENT_CAP':
      return 'cap';

    // 409 "already exists" after a read said 404, or 404 after a read found the app: it
    // appeared or vanished behind maracker's back (or a proxy, a standby, disagrees with
    // itself). Re-read and plan again; the work queue backs off when it keeps happening.
    // (A 404 on the read of one app is an answer, "no such app", not a failure: the
    // reconciler takes it so before asking here.)
    case 'MRK_MARATHON_ALREADY_EXISTS':
    case 'MRK_MARATHON_NOT_FOUND':
      return 'contradiction';

    // 400 / 422: the definition itself is wrong, as Marathon sees it. Only a change of the
    // declaration can help, and that queues the app again anyway.
    case 'MRK_MARATHON_VALIDATION':
      return 'rejected';

    // Any other 409 (a service port or dependency clash): clears when the other app changes.
    case 'MRK_MARATHON_CONFLICT':
    // Credentials, permissions, a CA: they do not pass by themselves, but their fix changes
    // no input maracker watches, so giving up would strand every app after the fix. A read is
    // not sent again at once (the answer would be the same); the caller backs off.
    case 'MRK_MARATHON_UNAUTHORIZED':
    case 'MRK_MARATHON_FORBIDDEN':
    case 'MRK_MARATHON_TLS':
    // A status Marathon does not send (a proxy's page), the client closing at shutdown, an
    // oversized event (the stream reconnects by itself).
    case 'MRK_MARATHON_UNEXPECTED_STATUS':
    case 'MRK_MARATHON_CLOSED':
    case 'MRK_MARATHON_EVENT_TOO_LARGE':
    // Anything else, a bug included: a throwing reconcile is transient too (workqueue.ts).
    default:
      return 'transient';
  }
}

/** Connection failures that happen before a request is sent. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * Whether a request that failed went out to Marathon (or to what stands in front of it):
 * false only when it cannot have left (a refused connection, an unknown host, a TLS
 * handshake that failed). Everything else, an answer of any status, a lost answer or a bug,
 * went out or may have: what limits requests (the prune guard counts the deletes sent)
 * counts these.
 */
export function requestWentOut(err: unknown): boolean {
  switch (errorCode(err)) {
    case 'MRK_MARATHON_TLS':
      return false;
    case 'MRK_MARATHON_CONNECTION': {
      const system = (err as { systemCode?: unknown }).systemCode;
      return !(typeof system === 'string' && NEVER_SENT.has(system));
    }
    default:
      return true;
  }
}

/** Whether a failed read (GET) is worth sending again at once. */
export function isRetryableRead(err: unknown): boolean {
  return failureKind(err) === 'retry-read';
}
