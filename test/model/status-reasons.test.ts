// The status reasons are a public contract (portals match on them): docs/status.md lists
// exactly the ones the code can write.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STATUS_REASONS } from '../../src/model/status-reasons.js';

describe('STATUS_REASONS', () => {
  it('is the list docs/status.md gives under "Status reasons", in the same order', () => {
    const doc = readFileSync(new URL('../../docs/status.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('##### Status reasons'));
    const table = section.slice(0, section.search(/\n#/));
    const documented = [...table.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]);
    expect(documented).toEqual([...STATUS_REASONS]);
  });

  it('never holds the same reason twice', () => {
    expect(new Set(STATUS_REASONS).size).toBe(STATUS_REASONS.length);
  });
});
