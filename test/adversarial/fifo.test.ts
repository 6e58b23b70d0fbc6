// FIFOs, sockets and devices committed (or linked) under manifest names. Opening a FIFO
// blocks until a writer comes: one must never be opened, nor stop the source.

import { spawnSync } from 'node:child_process';
import { rm, symlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { manifestYaml } from '../helpers/manifests.js';
import { bench, eventually } from './helpers.js';

describe('adversary: FIFOs, sockets and devices', () => {
  it('refuses them unopened, keeps the app of a file replaced by a FIFO protected, and keeps applying the rest', async () => {
    const b = await bench({ files: { 'ok.yaml': manifestYaml({ name: 'ok', group: 'calm' }), 'web.yaml': manifestYaml({ name: 'web', group: 'calm' }) } });
    await b.reconciled('/calm/web');
    const since = b.mark();

    await rm(join(b.dir, 'web.yaml'));
    expect(spawnSync('mkfifo', [join(b.dir, 'web.yaml')]).status).toBe(0);
    expect(spawnSync('mkfifo', [join(b.dir, 'pipe.yml')]).status).toBe(0);
    const socket = createServer();
    await new Promise<void>((resolve) => socket.listen(join(b.dir, 'socket.yaml'), resolve));
    onTestFinished(() => new Promise<void>((resolve) => socket.close(() => resolve())));
    await symlink('/dev/zero', join(b.dir, 'zero.yaml'));
    await b.daemon.controller.resync('test');

    const web = await eventually(async () => {
      const a = await b.app('/calm/web');
      return a?.sync === 'Invalid' ? a : undefined;
    }, 'the app of the file replaced by a FIFO Invalid');
    expect(web.lastError).toMatchObject({ code: 'not-a-file', file: 'web.yaml', message: 'a FIFO (named pipe), not a regular file; not read' });
    // Protected, not pruned: still in Marathon.
    expect(b.marathon.app('/calm/web')).toBeDefined();
    for (const name of ['web.yaml', 'pipe.yml', 'socket.yaml', 'zero.yaml']) expect(b.parsed(name, since)).toBe(false);

    await b.write('after.yaml', manifestYaml({ name: 'after', group: 'calm' }));
    await b.reconciled('/calm/after');
    await b.stillAnswering();
    expect(b.healthzSince(since)).toBeGreaterThan(0);
    expect(b.healthzFailures()).toEqual([]);
  }, 120_000);
});
