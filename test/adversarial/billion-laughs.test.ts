// YAML aliases that expand exponentially ("billion laughs"), and an alias inside the node
// it names. Expanding either would take the daemon's memory; neither is ever expanded.

import { describe, expect, it } from 'vitest';
import { manifestYaml } from '../helpers/manifests.js';
import { bench, eventually, marker } from './helpers.js';

function laughs(secret: string, pad = 0): string {
  const lines = [
    'apiVersion: maracker/v1',
    'kind: App',
    'metadata:',
    '  name: laughs',
    '  group: evil',
    `x-lol0: &lol0 ["${secret}", "${secret}", "${secret}", "${secret}", "${secret}", "${secret}", "${secret}", "${secret}", "${secret}"]`,
  ];
  for (let i = 1; i < 10; i++)
    lines.push(
      `x-lol${i}: &lol${i} [${Array(9)
        .fill(`*lol${i - 1}`)
        .join(', ')}]`,
    );
  lines.push('spec:', '  cmd: sleep 1', '  labels: {a: b}', '  marathon:', '    check: *lol9');
  return `${lines.join('\n')}\n${'#'.repeat(pad)}\n`;
}

describe('adversary: billion laughs', () => {
  it('refuses the document by arithmetic on its aliases, keeps its app protected, leaks nothing, and keeps applying the rest', async () => {
    const secret = marker('laughs');
    const b = await bench();
    await b.reconciled('/calm/ok');
    const since = b.mark();
    // A small one (parsed in the daemon's thread) and a padded one (in a worker).
    await b.write('laughs.yaml', laughs(secret));
    await b.write('padded.yaml', laughs(secret, 20_000).replace('name: laughs', 'name: padded'));
    await b.write(
      'loop.yaml',
      `apiVersion: maracker/v1\nkind: App\nmetadata: {name: loop, group: evil}\nspec: &s\n  cmd: "${secret}"\n  marathon: {check: *s}\n`,
    );
    for (const [id, message] of [
      ['/evil/laughs', /^more than 10000 mapping entries and list items in one document, aliases expanded \(--max-yaml-nodes\)/],
      ['/evil/padded', /^more than 10000 mapping entries and list items in one document, aliases expanded \(--max-yaml-nodes\)/],
      ['/evil/loop', /^alias \*s is inside the node it names: it would expand without end/],
    ] as const) {
      const app = await eventually(async () => {
        const a = await b.app(id);
        return a?.sync === 'Invalid' ? a : undefined;
      }, `${id} Invalid`);
      expect(app.lastError).toMatchObject({ code: 'limit-exceeded', message: expect.stringMatching(message) });
    }
    await b.write('after.yaml', manifestYaml({ name: 'after', group: 'calm' }));
    await b.reconciled('/calm/after');
    expect(b.healthzSince(since)).toBeGreaterThan(0);
    expect(b.healthzFailures()).toEqual([]);
    expect(
      b.marathon
        .apps()
        .map((a) => a.id)
        .sort(),
    ).toEqual(['/calm/after', '/calm/ok']);
    expect(await b.everythingShown()).not.toContain(secret);
  }, 120_000);

  it('refuses more aliases than --max-yaml-aliases, whatever the node limit', async () => {
    const secret = marker('aliases');
    const b = await bench({ args: ['--max-yaml-nodes', '1000000000'] });
    const aliases = Array(150).fill('*a').join(', ');
    await b.write(
      'laughs.yaml',
      `apiVersion: maracker/v1\nkind: App\nmetadata: {name: laughs, group: evil}\nx-a: &a "${secret}"\nx-many: [${aliases}]\nspec: {cmd: sleep 1}\n`,
    );
    const app = await eventually(async () => {
      const a = await b.app('/evil/laughs');
      return a?.sync === 'Invalid' ? a : undefined;
    }, 'the app Invalid');
    expect(app.lastError?.message).toMatch(/^more than 100 aliases in one document \(--max-yaml-aliases\)/);
    expect(await b.everythingShown()).not.toContain(secret);
  }, 120_000);
});
