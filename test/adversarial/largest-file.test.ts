// The largest file the limits allow is parsed off the event loop: in the daemon's thread it
// held /healthz and the leader lock keepalive for seconds.

import { describe, expect, it } from 'vitest';
import { manyAppsFile } from '../../bench/large-inputs.js';
import { manifestYaml } from '../helpers/manifests.js';
import { bench, eventually } from './helpers.js';

describe('adversary: the largest allowed file', () => {
  it('is parsed while /healthz keeps answering; its 1,000 apps are declared and other files still reach Marathon', async () => {
    // Writes are not what is measured: let the 1,000 creations through quickly.
    const b = await bench({ args: ['--write-rate', '1000', '--max-deployments', '2000', '--concurrency', '32'] });
    await b.reconciled('/calm/ok');
    await b.write('big.yaml', manyAppsFile());
    await eventually(async () => (await b.status()).sources[0]?.apps === 1001, 'the 1,000 apps of big.yaml declared', 120_000);
    expect(b.healthzDuring('big.yaml')).toBeGreaterThan(0);
    await b.write('after.yaml', manifestYaml({ name: 'after', group: 'calm' }));
    await b.reconciled('/calm/after');
    expect(b.healthzFailures()).toEqual([]);
  }, 180_000);
});
