// Files far over the size limit: a 50 MB string took the daemon's RSS to 1.8 GB. Refused
// by their size before a byte is read; never handed to the parser.

import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { manifestYaml } from '../helpers/manifests.js';
import { bench, eventually, marker } from './helpers.js';

describe('adversary: huge files', () => {
  it('refuses a 50 MB file unread, keeps the app it replaced protected, and keeps applying the rest', async () => {
    const secret = marker('huge');
    const b = await bench({ files: { 'ok.yaml': manifestYaml({ name: 'ok', group: 'calm' }), 'web.yaml': manifestYaml({ name: 'web', group: 'calm' }) } });
    await b.reconciled('/calm/web');
    const since = b.mark();
    // The app's own manifest, then 50 MB of one string: valid YAML, only too big.
    const fh = await open(join(b.dir, 'web.yaml'), 'w');
    await fh.write(`${manifestYaml({ name: 'web', group: 'calm' })}x-pad: "${secret}`);
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    for (let i = 0; i < 50; i++) await fh.write(chunk);
    await fh.write(`"\n`);
    await fh.close();
    const web = await eventually(async () => {
      const a = await b.app('/calm/web');
      return a?.sync === 'Invalid' ? a : undefined;
    }, 'the app of the huge file Invalid');
    expect(web.lastError).toMatchObject({ code: 'limit-exceeded', message: 'file is larger than 1048576 bytes (--max-file-bytes); not read' });
    expect(b.marathon.app('/calm/web')).toBeDefined();
    expect(b.parsed('web.yaml', since)).toBe(false);

    await b.write('after.yaml', manifestYaml({ name: 'after', group: 'calm' }));
    await b.reconciled('/calm/after');
    expect(b.healthzSince(since)).toBeGreaterThan(0);
    expect(b.healthzFailures()).toEqual([]);
    expect(await b.everythingShown()).not.toContain(secret);
  }, 120_000);
});
