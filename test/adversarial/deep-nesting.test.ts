// Deeply nested YAML: 500,000 nested [ ran the yaml parser for seconds and overflowed the
// stack of everything recursive after it. Refused after a few dozen tokens.

import { describe, expect, it } from 'vitest';
import { manifestYaml } from '../helpers/manifests.js';
import { bench, eventually, marker } from './helpers.js';

describe('adversary: deep nesting', () => {
  it('refuses deep flow and block nesting at the depth limit, keeps the replaced app protected, and keeps applying the rest', async () => {
    const secret = marker('deep');
    const b = await bench({ files: { 'ok.yaml': manifestYaml({ name: 'ok', group: 'calm' }), 'web.yaml': manifestYaml({ name: 'web', group: 'calm' }) } });
    await b.reconciled('/calm/web');
    const since = b.mark();
    const flow = `${manifestYaml({ name: 'web', group: 'calm' })}x-deep: ${'['.repeat(500_000)}"${secret}"${']'.repeat(500_000)}\n`;
    await b.write('web.yaml', flow);
    const block = `apiVersion: maracker/v1\nkind: App\nmetadata: {name: block, group: evil}\nx-deep:\n${Array.from({ length: 200 }, (_, i) => `${' '.repeat(i + 1)}- `).join('\n')}${secret}\n`;
    await b.write('block.yaml', block);
    const web = await eventually(async () => {
      const a = await b.app('/calm/web');
      return a?.sync === 'Invalid' ? a : undefined;
    }, 'the app of the deep file Invalid');
    expect(web.lastError).toMatchObject({ code: 'limit-exceeded', message: 'nested deeper than 64 levels (--max-yaml-depth); the file is not applied' });
    expect(b.marathon.app('/calm/web')).toBeDefined();
    const source = await eventually(async () => {
      const s = (await b.status()).sources[0];
      return s?.lastError?.file === 'block.yaml' ? s : undefined;
    }, 'the deep block file refused');
    expect(source.lastError?.message).toBe('nested deeper than 64 levels (--max-yaml-depth); the file is not applied');
    await b.write('after.yaml', manifestYaml({ name: 'after', group: 'calm' }));
    await b.reconciled('/calm/after');
    expect(b.healthzSince(since)).toBeGreaterThan(0);
    expect(b.healthzFailures()).toEqual([]);
    expect(await b.everythingShown()).not.toContain(secret);
  }, 120_000);
});
