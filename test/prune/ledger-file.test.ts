// The prune guard's deletion history in a file, for a daemon without a database: what a
// restarted daemon reads back, which files it refuses (and that refusing blocks deletions),
// and the guard counting across a restart through it.

import { chmod, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilePruneLedger, parseLedger } from '../../src/prune/ledger-file.js';
import { restartedGuardHolds } from './guard-restart.js';
import { recordingLogger } from '../helpers/log-lines.js';
import { until } from '../helpers/postgres.js';
import { tempDir } from '../helpers/tmp.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-02T08:00:00.123Z');

const ledgerAt = (path: string) => new FilePruneLedger({ path, logger: recordingLogger().logger });

describe('FilePruneLedger', () => {
  it('creates its file private in a private folder, and a new ledger on the same file reads back the deletions of the window', async () => {
    const path = join(await tempDir(), 'state', 'maracker', 'prune', 'x.jsonl');
    const ledger = ledgerAt(path);
    expect(await ledger.load(T0 - HOUR)).toEqual([]);
    await ledger.record({ id: '/a', at: T0, approvedBy: null, episode: null, managedBefore: 80 }, T0 - HOUR);
    await ledger.record({ id: '/b', at: T0 + 1, approvedBy: 'alice from 127.0.0.1', episode: '3b6f0c2d9a41', managedBefore: 79 }, T0 - HOUR);
    await ledger.record({ id: '/c', at: T0 + 30 * 60_000, approvedBy: null, episode: null, managedBefore: null }, T0 - HOUR);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(path, '..'))).mode & 0o777).toBe(0o700);

    const again = ledgerAt(path);
    expect(await again.load(T0)).toEqual([
      { id: '/a', at: T0, approvedBy: null, episode: null, managedBefore: 80 },
      { id: '/b', at: T0 + 1, approvedBy: 'alice from 127.0.0.1', episode: '3b6f0c2d9a41', managedBefore: 79 },
      { id: '/c', at: T0 + 30 * 60_000, approvedBy: null, episode: null, managedBefore: null },
    ]);
    expect((await again.load(T0 + 2)).map((d) => d.id)).toEqual(['/c']);
  });

  it('skips damaged lines (a crash mid-append, hand edits) with a warning naming them, and keeps the rest', async () => {
    const path = join(await tempDir(), 'x.jsonl');
    const good = JSON.stringify({ id: '/ok', at: T0, approvedBy: null, episode: null, managedBefore: 3 });
    const lines = [
      good,
      '{"id": "/cut", "at": 17',
      JSON.stringify({ id: 'no-slash', at: T0, approvedBy: null, episode: null, managedBefore: 3 }),
      JSON.stringify({ id: '/x', at: 'soon', approvedBy: null, episode: null, managedBefore: 3 }),
      JSON.stringify({ id: '/x', at: T0, approvedBy: 7, episode: null, managedBefore: 3 }),
      JSON.stringify({ id: '/x', at: T0, approvedBy: null, episode: null, managedBefore: -1 }),
      '[1, 2]',
      '',
      '\u0000\u0001',
    ];
    await writeFile(path, lines.join('\n'), { mode: 0o600 });
    const log = recordingLogger();
    const ledger = new FilePruneLedger({ path, logger: log.logger });
    expect((await ledger.load(0)).map((d) => d.id)).toEqual(['/ok']);
    const warned = log.lines().find((l) => l.msg.includes('damaged lines skipped'));
    expect(warned).toMatchObject({ lines: [2, 3, 4, 5, 6, 7, 9] });
    expect(warned?.msg).toBe(`prune ledger ${path}: 7 damaged lines skipped (a deletion they held is not counted)`);
    expect(parseLedger('').deletions).toEqual([]);
  });

  it('refuses a file others can write, a symbolic link and a folder: it cannot be trusted, so nothing is read (load rejects)', async () => {
    const dir = await tempDir();
    const real = join(dir, 'real.jsonl');
    await ledgerAt(real).record({ id: '/a', at: T0, approvedBy: null, episode: null, managedBefore: 1 }, 0);
    const link = join(dir, 'link.jsonl');
    await symlink(real, link);
    await expect(ledgerAt(link).load(0)).rejects.toThrow(`prune ledger ${link} not read: it is a symbolic link`);
    await mkdir(join(dir, 'folder.jsonl'));
    await expect(ledgerAt(join(dir, 'folder.jsonl')).load(0)).rejects.toThrow('it is not a regular file');
    await chmod(real, 0o666);
    await expect(ledgerAt(real).load(0)).rejects.toThrow('others can write it (mode 666)');
  });

  it('creates the file empty when it reads none, and rejects when it cannot: a folder it cannot write in is said at start', async () => {
    const dir = await tempDir();
    const path = join(dir, 'state', 'x.jsonl');
    expect(await ledgerAt(path).load(0)).toEqual([]);
    expect((await stat(path)).size).toBe(0);
    // A folder that cannot be made (a link to nowhere): what a read-only file system gives, as root too.
    await symlink(join(dir, 'nowhere', 'deeper'), join(dir, 'blocked'));
    const blocked = join(dir, 'blocked', 'x.jsonl');
    await expect(ledgerAt(blocked).load(0)).rejects.toThrow(`prune ledger ${blocked} cannot be created: `);
  });

  it('rewrites the file without the lines that left the window once they outnumber the rest', async () => {
    const path = join(await tempDir(), 'x.jsonl');
    const ledger = ledgerAt(path);
    await ledger.load(0);
    for (let i = 0; i < 300; i++) await ledger.record({ id: `/old${i}`, at: T0 + i, approvedBy: 'bob', episode: 'e', managedBefore: 1000 }, 0);
    const lines = async () => (await readFile(path, 'utf8')).split('\n').filter(Boolean).length;
    expect(await lines()).toBe(300);
    // A day later: the 300 are out of the window; the first record after them rewrites the file.
    const later = T0 + 24 * HOUR;
    await ledger.record({ id: '/new', at: later, approvedBy: null, episode: null, managedBefore: 700 }, later - HOUR);
    expect(await lines()).toBe(1);
    expect((await ledgerAt(path).load(0)).map((d) => d.id)).toEqual(['/new']);
    // Appending again keeps what is there.
    await ledger.record({ id: '/newer', at: later + 1, approvedBy: null, episode: null, managedBefore: 699 }, later - HOUR);
    expect((await ledgerAt(path).load(0)).map((d) => d.id)).toEqual(['/new', '/newer']);
  });

  it('lets a restarted guard count the deletions of the one before, and blocks deletions while the file cannot be trusted', async () => {
    const path = join(await tempDir(), 'prune', 'x.jsonl');
    const { clock, guard, second } = await restartedGuardHolds(() => ledgerAt(path));
    expect(second.status()).toMatchObject({ blocked: true, budget: { used: 5, limit: 5, history: 'file' } });
    await second.stop();

    // Made writable by others: the third start reads nothing, so it deletes nothing.
    await chmod(path, 0o646);
    clock.advance(60 * 60_000); // the five left the window: with the file read, /f could go
    const third = guard();
    third.start();
    third.observe(['/f'], 35);
    clock.advance(2000);
    expect(third.status().budget.loaded).toBe(false);
    expect(third.decide('/f')).toMatchObject({
      kind: 'held',
      code: 'prune-waiting',
      message: 'waiting for the prune guard to read its deletion history from the ledger file before deleting anything',
    });
    await third.stop();

    await chmod(path, 0o600);
    const fourth = guard();
    fourth.start();
    await until(() => fourth.status().budget.loaded, 'the history read once the file is private again');
    fourth.observe(['/f'], 35);
    clock.advance(2000);
    expect(fourth.decide('/f')).toEqual({ kind: 'delete' });
    await fourth.stop();
  });
});
