// 40,000 keys in one mapping: the yaml library's duplicate-key check made this a 7.6 s
// stall of the event loop (37 s at 0.95 MB). Read up to the entry limit, in a worker.

import { describe, expect, it } from 'vitest';
import { fortyThousandKeysFile } from '../../bench/large-inputs.js';
import { manifestYaml } from '../helpers/manifests.js';
import { bench, eventually, marker } from './helpers.js';

describe('adversary: 40,000 keys', () => {
  it('refuses the file at the entry limit, off the event loop, and keeps applying the rest', async () => {
    const secret = marker('keys');
    const b = await bench();
    await b.reconciled('/calm/ok');
    await b.write('keys.yaml', fortyThousandKeysFile().replace('k0: v', `k0: ${secret}`).replace('    k1: v', `    ${secret}: v`));
    const source = await eventually(async () => {
      const s = (await b.status()).sources[0];
      return s?.lastError?.file === 'keys.yaml' ? s : undefined;
    }, 'the file refused');
    expect(source.lastError?.message).toBe('more than 10000 mapping entries and list items in one document (--max-yaml-nodes); the file is not applied');
    expect(b.healthzDuring('keys.yaml')).toBeGreaterThan(0);
    await b.write('after.yaml', manifestYaml({ name: 'after', group: 'calm' }));
    await b.reconciled('/calm/after');
    expect(b.healthzFailures()).toEqual([]);
    expect(await b.everythingShown()).not.toContain(secret);
  }, 120_000);

  it('reports a duplicate among 9,000 keys at its position, found in linear time', async () => {
    const b = await bench();
    const keys = Array.from({ length: 9000 }, (_, i) => `    k${i % 8999}: v`).join('\n');
    await b.write('dup.yaml', `apiVersion: maracker/v1\nkind: App\nmetadata: {name: dup, group: evil}\nspec:\n  cmd: x\n  labels:\n${keys}\n`);
    const app = await eventually(async () => {
      const a = await b.app('/evil/dup');
      return a?.sync === 'Invalid' ? a : undefined;
    }, 'the app Invalid');
    expect(app.lastError).toMatchObject({ code: 'duplicate-key', line: 9006, column: 5, message: 'duplicate key k0 (keys of a mapping must be unique)' });
    expect(b.healthzDuring('dup.yaml')).toBeGreaterThan(0);
  }, 120_000);
});
