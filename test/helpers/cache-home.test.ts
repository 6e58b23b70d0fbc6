import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { daemonCacheHome, daemonStateHome } from './cache-home.js';

describe('the daemons’ cache home in tests', () => {
  it('is made inside the run’s temporary root, which the global teardown removes', () => {
    const root = process.env.MARACKER_TEST_TMP;
    expect(root).toBeDefined();
    expect(dirname(daemonCacheHome())).toBe(root);
    expect(dirname(daemonStateHome())).toBe(daemonCacheHome());
    expect(existsSync(daemonStateHome())).toBe(true);
  });
});
