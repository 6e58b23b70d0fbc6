// Bearer token check for the status server. Both sides are hashed before a constant-time
// comparison, so neither the content nor the length of the token leaks through timing.

import { createHash, timingSafeEqual } from 'node:crypto';

export type BearerVerdict = 'ok' | 'missing' | 'wrong';

export function bearerChecker(token: string): (authorization: string | undefined) => BearerVerdict {
  const expected = digest(token);
  return (authorization) => {
    const match = authorization === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    if (!match) return 'missing';
    return timingSafeEqual(digest(match[1] as string), expected) ? 'ok' : 'wrong';
  };
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}
