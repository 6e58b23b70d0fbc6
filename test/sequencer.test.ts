import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LONG_FILES } from './sequencer.js';

describe('LongFirstSequencer', () => {
  it('names only test files that exist (a renamed one would silently run last again)', () => {
    const missing = LONG_FILES.filter((f) => !existsSync(new URL(`../${f}`, import.meta.url)));
    expect(missing).toEqual([]);
  });
});
