// 5,000 documents in one file: read until the document limit, then refused as a whole.

import { describe, expect, it } from 'vitest';
import { manifestYaml } from '../helpers/manifests.js';
import { bench, eventually, marker } from './helpers.js';

describe('adversary: 5,000 documents in one file', () => {
  it('refuses the file at its 1,001st document, off the event loop, and keeps applying the rest', async () => {
    const secret = marker('documents');
    const b = await bench();
    await b.reconciled('/calm/ok');
    const docs = Array.from({ length: 5000 }, (_, i) => manifestYaml({ name: `app-${i}`, group: 'flood', cmd: `sleep ${i} ${secret}` })).join('---\n');
    await b.write('flood.yaml', docs);
    const source = await eventually(async () => {
      const s = (await b.status()).sources[0];
      return s?.lastError?.file === 'flood.yaml' ? s : undefined;
    }, 'the file refused');
    expect(source.lastError?.message).toBe('more than 1000 YAML documents in one file (--max-file-documents); the file is not applied');
    expect(b.healthzDuring('flood.yaml')).toBeGreaterThan(0);
    await b.write('after.yaml', manifestYaml({ name: 'after', group: 'calm' }));
    await b.reconciled('/calm/after');
    expect(b.marathon.apps().filter((a) => a.id.startsWith('/flood/'))).toEqual([]);
    expect(b.healthzFailures()).toEqual([]);
    expect(await b.everythingShown()).not.toContain(secret);
  }, 120_000);
});
