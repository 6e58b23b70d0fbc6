import { describe, expect, it } from 'vitest';
import { judgeOwnership } from '../../src/git/ownership.js';

const mine = [
  { path: '/srv/repo', uid: 1000 },
  { path: '/srv/repo/.git', uid: 1000 },
];
const theirs = [
  { path: '/srv/repo', uid: 0 },
  { path: '/srv/repo/.git', uid: 0 },
];

describe("judgeOwnership (git's safe.directory rule)", () => {
  it.each([
    ["every path is the user's own", mine, [], true],
    ["another user's checkout, nothing trusted", theirs, [], false],
    ["another user's checkout named by safe.directory", theirs, ['/srv/repo'], true],
    ['... with a trailing slash', theirs, ['/srv/repo/'], true],
    ['... trusted by "*"', theirs, ['*'], true],
    ['... trusted by a prefix "/srv/*"', theirs, ['/srv/*'], true],
    ['... a different path named', theirs, ['/srv/other'], false],
    ['... a longer path is not a prefix match', theirs, ['/srv/rep'], false],
    ['... an empty value clears what came before', theirs, ['*', ''], false],
    ['... and a value after it counts again', theirs, ['', '/srv/repo'], true],
  ] as const)('%s', (_, owned, safe, ok) => {
    expect(judgeOwnership(owned, 1000, safe, '/srv/repo').ok).toBe(ok);
  });

  it('says which path belongs to whom and the two ways out', () => {
    const verdict = judgeOwnership(theirs, 1000, [], '/srv/repo');
    expect(verdict).toEqual({
      ok: false,
      reason:
        'git refuses /srv/repo: /srv/repo belongs to uid 0 and maracker runs as uid 1000 (git\'s "dubious ownership"). ' +
        'Run maracker as the owner of the checkout, or trust this one path: git config --global --add safe.directory /srv/repo',
    });
  });
});
