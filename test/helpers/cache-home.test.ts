import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEST_TMP_ENV } from '../global-setup.js';
import { daemonCacheHome, daemonStateHome } from './cache-home.js';

describe('the daemons’ cache home in tests', () => {
  it('is made inside the run’s temporary root, which the global teardown removes', () => {
    const root = process.env[TEST_TMP_ENV];
    expect(root).toBeDefined();
    expect(dirname(daemonCacheHome())).toBe(root);
    expect(dirname(daemonStateHome())).toBe(daemonCacheHome());
    expect(existsSync(daemonStateHome())).toBe(true);
  });
});
