// watchInvariants records what happens to the sources by itself; a rogue writer (these
// tests, sending what a broken maracker would) is caught with the rule it breaks.

import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifestText } from '../../src/manifest/parse.js';
import { manifestYaml } from '../helpers/manifests.js';
import { sandbox } from '../helpers/sandbox.js';
import { tempDir } from '../helpers/tmp.js';
import { HARNESS_MARK } from './history.js';
import { watchInvariants } from './watch.js';

const settle = (ms = 150): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits (without asserting on time) until `condition` holds; the test timeout bounds it. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await settle(5);
}

async function send(url: string, method: string, path: string, body?: unknown): Promise<number> {
  const res = await fetch(url + path, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  await res.arrayBuffer();
  return res.status;
}

describe('watchInvariants', () => {
  it('sees a file appear, and a delete of the app it declares while it is still there', async () => {
    const sb = await sandbox();
    const root = await tempDir();
    const dir = join(root, 'manifests');
    await mkdir(dir);
    const watch = await watchInvariants({ sandbox: sb, manifests: dir, onFinish: false, options: { propagationMs: 300 } });
    const text = manifestYaml({ name: 'web' });
    // Saved atomically: written in place, the file could be polled empty between its creation
    // and its content (seen once in .ci/run), two changes where this test means one.
    await writeFile(join(root, 'web.yaml.new'), text);
    await rename(join(root, 'web.yaml.new'), join(dir, 'web.yaml'));
    // Seen by the watch's own poll (not after a fixed 150 ms a busy machine can outlast):
    // only then is the app declared, and its delete 500 ms later certainly a violation.
    await until(() => watch.history.events.some((e) => e.kind === 'files'));
    const app = parseManifestText(text, 'web.yaml').apps[0];
    expect(await send(sb.url, 'POST', '/v2/apps', app?.definition)).toBe(201);
    await settle(500);
    await send(sb.url, 'DELETE', '/v2/apps/web');
    const v = await watch.check();
    expect(v.map((x) => x.rule)).toEqual(['delete-declared']);
    expect(v[0]?.message).toContain('in web.yaml');
    expect(watch.history.events.filter((e) => e.kind === 'files')).toHaveLength(1);
  });

  it('knows the apps that were there before, and ignores hand edits marked as the harness', async () => {
    const sb = await sandbox();
    sb.preload([{ id: '/legacy', cmd: 'sleep 1', instances: 1, cpus: 0.1, mem: 16 }]);
    const watch = await watchInvariants({ sandbox: sb, onFinish: false });
    await send(sb.url, 'PUT', `/v2/apps/legacy?${HARNESS_MARK}=1`, { instances: 2 });
    expect((await watch.check()).map((x) => x.rule)).toEqual([]);
    await send(sb.url, 'PUT', '/v2/apps/legacy', { instances: 3 });
    const v = await watch.check();
    expect(v.map((x) => x.rule)).toContain('unowned-write');
  });

  it('records a folder that cannot be listed as an unreadable source', async () => {
    const sb = await sandbox();
    const root = await tempDir();
    const dir = join(root, 'manifests');
    await mkdir(dir);
    const watch = await watchInvariants({ sandbox: sb, manifests: dir, onFinish: false, options: { unreadableGraceMs: 100 } });
    await settle();
    const readableEvents = () => watch.history.events.filter((e) => e.kind === 'readable').length;
    await rename(dir, join(root, 'away'));
    // Certainly unreadable from the end of the first poll that failed: wait for it (a busy
    // machine can delay it), then for more than the grace period.
    await until(() => readableEvents() === 1);
    await settle(400);
    await send(sb.url, 'DELETE', '/v2/apps/anything');
    // Certainly unreadable until the last poll that failed: let one fail after the delete.
    await settle();
    await rename(join(root, 'away'), dir);
    await until(() => readableEvents() === 2);
    const v = await watch.check();
    expect(v.map((x) => x.rule)).toContain('unreadable-source');
    expect(watch.history.events.filter((e) => e.kind === 'readable').map((e) => (e.kind === 'readable' ? e.readable : undefined))).toEqual([false, true]);
  });
});
