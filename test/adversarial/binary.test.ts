// Binary garbage under a manifest name: never parsed as YAML, so no message can quote it.

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { manifestYaml } from '../helpers/manifests.js';
import { bench, eventually, marker } from './helpers.js';

describe('adversary: binary garbage', () => {
  it('refuses a file that is not UTF-8 text without parsing it, keeps the app it replaced protected, leaks nothing', async () => {
    const secret = marker('binary');
    const b = await bench({ files: { 'ok.yaml': manifestYaml({ name: 'ok', group: 'calm' }), 'web.yaml': manifestYaml({ name: 'web', group: 'calm' }) } });
    await b.reconciled('/calm/web');
    const since = b.mark();
    const garbage = Buffer.concat([Buffer.from(`${secret}: `), randomBytes(64 * 1024), Buffer.from([0]), Buffer.from(secret)]);
    await b.write('web.yaml', garbage);
    await b.write('latin1.yaml', Buffer.concat([Buffer.from(`name: ${secret} caf`), Buffer.from([0xe9]), Buffer.from('\n')]));
    const web = await eventually(async () => {
      const a = await b.app('/calm/web');
      return a?.sync === 'Invalid' ? a : undefined;
    }, 'the app of the garbled file Invalid');
    expect(web.lastError).toMatchObject({ code: 'not-text', message: 'not a text file (it contains a NUL byte); not read as YAML' });
    expect(b.marathon.app('/calm/web')).toBeDefined();
    expect(b.parsed('web.yaml', since)).toBe(false);
    await eventually(async () => (await b.status()).sources[0]?.lastError?.file === 'latin1.yaml', 'the Latin-1 file reported');
    expect(b.parsed('latin1.yaml', since)).toBe(false);

    await b.write('after.yaml', manifestYaml({ name: 'after', group: 'calm' }));
    await b.reconciled('/calm/after');
    expect(b.healthzSince(since)).toBeGreaterThan(0);
    expect(b.healthzFailures()).toEqual([]);
    expect(await b.everythingShown()).not.toContain(secret);
  }, 120_000);
});
