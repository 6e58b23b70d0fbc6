// One daemon at a time uses a prune ledger file (src/prune/ledger-lock.ts): a second daemon of
// the same installation on the same host would count only its own deletions, and one's rewrite
// of the file would drop the other's lines.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilePruneLedger } from '../../src/prune/ledger-file.js';
import { PruneHistory } from '../../src/prune/history.js';
import { LEDGER_LOCK_REFRESH_MS, LEDGER_LOCK_STALE_MS, LedgerLock } from '../../src/prune/ledger-lock.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { recordingLogger } from '../helpers/log-lines.js';
import { until } from '../helpers/postgres.js';
import { tempDir } from '../helpers/tmp.js';

const deletion = (id: string, at: number) => ({ id, at, approvedBy: null, episode: null, managedBefore: 10 });
const pidns = (): string | null => {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return null;
  }
};

/** A lock file as another daemon would have left it. */
async function plantLock(path: string, owner: { pid: number; host?: string; pidns?: string | null }, ageMs = 0): Promise<void> {
  await writeFile(
    path,
    `${JSON.stringify({ pid: owner.pid, host: owner.host ?? hostname(), pidns: owner.pidns === undefined ? pidns() : owner.pidns, since: '2026-12-01T00:00:00.000Z' })}\n`,
    { mode: 0o600 },
  );
  const at = new Date(Date.now() - ageMs);
  await utimes(path, at, at);
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  return child.pid as number;
}

describe('the prune ledger lock', () => {
  it('keeps a second ledger on the same file from loading while a live daemon holds it, and names that daemon', async () => {
    const path = join(await tempDir(), 'x.jsonl');
    // The parent of this test process: alive, on this host, in this pid namespace, not us.
    await plantLock(`${path}.lock`, { pid: process.ppid });
    const second = new FilePruneLedger({ path, logger: recordingLogger().logger });
    await expect(second.load(0)).rejects.toThrow(`prune ledger ${path} not used: in use by another maracker (pid ${process.ppid} on ${hostname()}`);
    // Nor does it write: a deletion could not be counted by the other daemon.
    await expect(second.record(deletion('/a', Date.now()), 0)).rejects.toThrow('in use by another maracker');
    await expect(stat(path)).rejects.toThrow('ENOENT');
    // The first stops (its lock goes with it): the second loads.
    await rm(`${path}.lock`);
    expect(await second.load(0)).toEqual([]);
    await second.close();
  });

  it('takes over at once the lock of a daemon of this host that died (a crash, then a restart)', async () => {
    const path = join(await tempDir(), 'x.jsonl');
    const pid = await deadPid();
    await plantLock(`${path}.lock`, { pid });
    const ledger = new FilePruneLedger({ path, logger: recordingLogger().logger });
    expect(await ledger.load(0)).toEqual([]);
    expect(JSON.parse(await readFile(`${path}.lock`, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    await ledger.close();
    await expect(stat(`${path}.lock`)).rejects.toThrow('ENOENT');
  });

  it('takes over the lock of another host, or an unreadable or oversized one, only once it has not been touched for the stale period', async () => {
    const dir = await tempDir();
    for (const [name, plant] of [
      ['elsewhere', (p: string, age: number) => plantLock(p, { pid: 1, host: 'another-host', pidns: 'pid:[1]' }, age)],
      [
        'garbage',
        async (p: string, age: number) => {
          await writeFile(p, '\u0000not json', { mode: 0o600 });
          const at = new Date(Date.now() - age);
          await utimes(p, at, at);
        },
      ],
      [
        // A valid owner padded past the 4 KiB read: never read whole, so unreadable.
        'huge',
        async (p: string, age: number) => {
          await writeFile(p, `{"pid": 1, "host": "another-host", "pad": "${'x'.repeat(8 << 20)}"}`, { mode: 0o600 });
          const at = new Date(Date.now() - age);
          await utimes(p, at, at);
        },
      ],
    ] as const) {
      const lockPath = join(dir, `${name}.lock`);
      await plant(lockPath, LEDGER_LOCK_STALE_MS - 5_000);
      await expect(LedgerLock.acquire(lockPath, { onLost: () => undefined })).rejects.toThrow(
        /in use by another maracker \((pid 1 on another-host|an unreadable lock)/,
      );
      await plant(lockPath, LEDGER_LOCK_STALE_MS + 5_000);
      const lock = await LedgerLock.acquire(lockPath, { onLost: () => undefined });
      await lock.release();
    }
  });

  it('touches its lock while it holds it, so that a live daemon is never taken for a dead one', async () => {
    const path = join(await tempDir(), 'x.lock');
    const clock = new ManualClock(Date.now());
    const lock = await LedgerLock.acquire(path, { onLost: () => undefined, timers: clock });
    const before = (await stat(path)).mtimeMs;
    for (let i = 0; i < 4; i++) {
      clock.advance(LEDGER_LOCK_REFRESH_MS);
      // Each refresh, once done, sets the next.
      await until(() => clock.pending === 1, 'the next refresh');
    }
    expect((await stat(path)).mtimeMs).toBeGreaterThan(before + 3 * LEDGER_LOCK_REFRESH_MS);
    expect(lock.lost).toBeUndefined();
    await lock.release();
    expect(clock.pending).toBe(0);
  });

  it('once its lock is taken from it, records nothing, so the guard sends no delete, and leaves the new holder its lock', async () => {
    const path = join(await tempDir(), 'x.jsonl');
    const clock = new ManualClock(Date.now());
    const log = recordingLogger();
    const ledger = new FilePruneLedger({ path, logger: log.logger, lock: { timers: clock } });
    const lost = new Promise<void>((resolve) => {
      const history = new PruneHistory({ windowMs: 3_600_000, timers: clock, logger: log.logger, ledger, onLoaded: () => resolve() });
      history.start();
    });
    await lost;
    await ledger.record(deletion('/a', clock.now()), 0);
    // Another process removed the lock and made its own (what a second daemon taking over does).
    await rm(`${path}.lock`);
    await plantLock(`${path}.lock`, { pid: process.ppid });
    clock.advance(LEDGER_LOCK_REFRESH_MS);
    await until(() => log.messages().some((m) => m.includes('no delete is sent until maracker restarts')), 'the lost lock');
    expect(log.messages().join('\n')).toContain(`prune ledger ${path}: the lock ${path}.lock was removed or replaced by another process`);
    await expect(ledger.record(deletion('/b', clock.now()), 0)).rejects.toThrow('no delete is sent until maracker restarts');
    expect((await readFile(path, 'utf8')).trim().split('\n')).toHaveLength(1);
    await ledger.close();
    expect(JSON.parse(await readFile(`${path}.lock`, 'utf8'))).toMatchObject({ pid: process.ppid });
  });

  it('lets its lock go when the prune history stops, for the next daemon', async () => {
    const path = join(await tempDir(), 'x.jsonl');
    const log = recordingLogger();
    const ledger = new FilePruneLedger({ path, logger: log.logger });
    const history = new PruneHistory({ windowMs: 3_600_000, timers: new ManualClock(Date.now()), logger: log.logger, ledger, onLoaded: () => undefined });
    history.start();
    await until(() => history.loaded, 'the history loaded');
    await stat(`${path}.lock`);
    await history.stop();
    await expect(stat(`${path}.lock`)).rejects.toThrow('ENOENT');
  });

  it('closed while it takes its lock, lets the lock go and says it is closed, naming its file once', async () => {
    const path = join(await tempDir(), 'x.jsonl');
    const ledger = new FilePruneLedger({ path, logger: recordingLogger().logger });
    const loading = ledger.load(0);
    await ledger.close();
    const err = await loading.then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toBe(`prune ledger ${path} is closed`);
    await expect(stat(`${path}.lock`)).rejects.toThrow('ENOENT');
  });

  it('once closed, has let its lock go even when it was taking it: the next daemon loads at once', async () => {
    const path = join(await tempDir(), 'x.jsonl');
    for (let round = 0; round < 20; round++) {
      const ledger = new FilePruneLedger({ path, logger: recordingLogger().logger });
      const loading = ledger.load(0).catch(() => undefined);
      await ledger.close();
      // The next one starts as the first stopped, its load perhaps still under way.
      const next = new FilePruneLedger({ path, logger: recordingLogger().logger });
      await expect(next.load(0), `round ${round}`).resolves.toEqual([]);
      const held = await stat(`${path}.lock`);
      await loading;
      // Nothing of the first one's load is left to take the lock from the next one.
      expect((await stat(`${path}.lock`)).ino, `round ${round}`).toBe(held.ino);
      await next.close();
    }
  });
});
