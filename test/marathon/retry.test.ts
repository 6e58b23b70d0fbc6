// failureKind is the one answer to "is this failure transient?": the client's read retries
// and the reconciler's writer both ask it. Every code of the catalogue, with what it means.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  MarathonAlreadyExistsError,
  MarathonBadBodyError,
  MarathonClientClosedError,
  MarathonConflictError,
  MarathonConnectionError,
  MarathonDeploymentCapError,
  MarathonDeploymentLockedError,
  MarathonEventTooLargeError,
  MarathonForbiddenError,
  MarathonNotFoundError,
  MarathonServerError,
  MarathonTimeoutError,
  MarathonTlsError,
  MarathonUnauthorizedError,
  MarathonUnexpectedStatusError,
  MarathonValidationError,
  type MarathonError,
} from '../../src/marathon/errors.js';
import { failureKind, isRetryableRead, requestWentOut, type FailureKind } from '../../src/marathon/retry.js';

const at = { method: 'PUT', path: '/v2/apps/web' };

const CASES: ReadonlyArray<readonly [MarathonError, FailureKind]> = [
  [new MarathonServerError({ ...at, status: 503 }), 'retry-read'],
  [new MarathonTimeoutError({ ...at, timeoutMs: 100 }), 'retry-read'],
  [new MarathonConnectionError({ ...at, systemCode: 'ECONNRESET' }), 'retry-read'],
  [new MarathonBadBodyError({ ...at, status: 200, reason: 'truncated' }), 'retry-read'],
  [new MarathonDeploymentLockedError({ ...at, status: 409, deploymentIds: ['d1'] }), 'wait-lock'],
  [new MarathonDeploymentCapError({ ...at, status: 403, maxRunningDeployments: 100 }), 'cap'],
  [new MarathonAlreadyExistsError({ ...at, status: 409 }), 'contradiction'],
  [new MarathonNotFoundError({ ...at, status: 404 }), 'contradiction'],
  [new MarathonValidationError({ ...at, status: 422, details: [] }), 'rejected'],
  [new MarathonConflictError({ ...at, status: 409 }), 'transient'],
  [new MarathonUnauthorizedError({ ...at, status: 401 }), 'transient'],
  [new MarathonForbiddenError({ ...at, status: 403 }), 'transient'],
  [new MarathonTlsError({ ...at, systemCode: 'CERT_HAS_EXPIRED' }), 'transient'],
  [new MarathonUnexpectedStatusError({ ...at, status: 418 }), 'transient'],
  [new MarathonClientClosedError(at), 'transient'],
  [new MarathonEventTooLargeError({ ...at, limitBytes: 1, sizeBytes: 2 }), 'transient'],
];

describe('failureKind', () => {
  it.each(CASES.map(([err, kind]) => [err.code, kind, err] as const))('sorts %s as %s', (_code, kind, err) => {
    expect(failureKind(err)).toBe(kind);
    // The client sends a failed read again only when it is retry-read.
    expect(isRetryableRead(err)).toBe(kind === 'retry-read');
  });

  it('covers every code of the catalogue', () => {
    const catalogue = readFileSync(new URL('../../src/marathon/errors.ts', import.meta.url), 'utf8');
    const codes = new Set([...catalogue.matchAll(/'(MRK_MARATHON_[A-Z_]+)'/g)].map((m) => m[1]));
    expect([...codes].sort()).toEqual(CASES.map(([err]) => err.code).sort());
  });

  it('backs off from anything that is not a Marathon error (a bug, a rejected promise)', () => {
    expect(failureKind(new TypeError('x is undefined'))).toBe('transient');
    expect(failureKind('a string')).toBe('transient');
    expect(failureKind(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe('transient');
  });
});

describe('requestWentOut', () => {
  it('is true for every answer and every lost answer: only a request that cannot have left is false', () => {
    for (const [err] of CASES) expect(requestWentOut(err), err.code).toBe(err.code !== 'MRK_MARATHON_TLS');
  });

  it('tells a connection refused before sending from one cut after', () => {
    for (const systemCode of ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT'])
      expect(requestWentOut(new MarathonConnectionError({ ...at, systemCode })), systemCode).toBe(false);
    for (const systemCode of ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', undefined])
      expect(requestWentOut(new MarathonConnectionError({ ...at, ...(systemCode ? { systemCode } : {}) })), String(systemCode)).toBe(true);
  });

  it('takes anything else, a bug included, as gone out', () => {
    expect(requestWentOut(new TypeError('x is undefined'))).toBe(true);
  });
});
