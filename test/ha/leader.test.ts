import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { LeaderElection, type LeaderElectionOptions } from '../../src/ha/leader.js';
import { silentLogger } from '../../src/base/log.js';
import { connect, freePort, tsCommand, until, usePostgres } from '../helpers/postgres.js';

const server = usePostgres();

const elections: LeaderElection[] = [];
afterEach(async () => {
  while (elections.length > 0) await elections.pop()?.stop();
});

async function election(url: string, instance: string, options: Partial<LeaderElectionOptions> = {}) {
  const changes: boolean[] = [];
  const e = new LeaderElection({ url, instance, logger: silentLogger(), retryMs: 200, heartbeatMs: 500, ...options });
  elections.push(e);
  e.subscribe((leader) => changes.push(leader));
  await e.start();
  return { e, changes };
}

/** A leader election in a child process, killed when the test finishes. */
function child(url: string, instance: string, idleSessionTimeoutMs = 10_000) {
  const [cmd, args] = tsCommand(join(import.meta.dirname, 'fixtures', 'leader-child.ts'), [url, instance, String(idleSessionTimeoutMs)]);
  const proc: ChildProcessWithoutNullStreams = spawn(cmd, args, { env: { PATH: process.env.PATH ?? '' } });
  const lines: string[] = [];
  let buffer = '';
  proc.stdout.on('data', (d: Buffer) => {
    buffer += d.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts);
  });
  onTestFinished(() => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGCONT');
      proc.kill('SIGKILL');
    }
  });
  return { proc, lines, send: (line: string) => proc.stdin.write(`${line}\n`) };
}

const leaders = (...es: LeaderElection[]) => es.filter((e) => e.isLeader).length;

describe('LeaderElection', () => {
  it('makes exactly one of two daemons the leader', async () => {
    const url = await server.database();
    const a = await election(url, 'a');
    const b = await election(url, 'b');
    expect(a.e.isLeader).toBe(true);
    expect(b.e.isLeader).toBe(false);
    // Several rounds of retries later, still one.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(leaders(a.e, b.e)).toBe(1);
    expect(await a.e.canWrite()).toBe(true);
    expect(await b.e.canWrite()).toBe(false);
    expect(a.changes).toEqual([true]);
    expect(b.changes).toEqual([]);
  });

  it('hands over when the leader stops', async () => {
    const url = await server.database();
    const a = await election(url, 'a');
    const b = await election(url, 'b');
    await a.e.stop();
    expect(a.changes).toEqual([true, false]);
    await until(() => b.e.isLeader, 'b to lead', 15_000);
    expect(b.changes).toEqual([true]);
  });

  it('answers canWrite() false at once when its lock session is terminated, tells subscribers, and the other takes over', async () => {
    const url = await server.database();
    const a = await election(url, 'a');
    const b = await election(url, 'b');
    const admin = await connect(url);
    await admin.query('SELECT pg_terminate_backend($1)', [a.e.backendPid]);
    expect(await a.e.canWrite()).toBe(false);
    expect(a.changes).toEqual([true, false]);
    await until(() => b.e.isLeader, 'b to lead', 15_000);
    expect(leaders(a.e, b.e)).toBe(1);
  });

  it('hands over within 15 s when the process holding the lock is killed with SIGKILL', async () => {
    const url = await server.database();
    const holder = child(url, 'holder');
    await until(() => holder.lines.includes('leader true'), 'the child to lead', 20_000);
    const other = await election(url, 'other', { retryMs: 2_000 });
    expect(other.e.isLeader).toBe(false);
    holder.proc.kill('SIGKILL');
    await until(() => other.e.isLeader, 'the other daemon to lead', 15_000);
  });

  it('a paused leader loses its lock to the other daemon, and after waking says it may not write', async ({ skip }) => {
    if (!server.canRestart) skip();
    const url = await server.database();
    // idle_session_timeout of 2 s instead of 10 s keeps the test short.
    const holder = child(url, 'paused', 2_000);
    await until(() => holder.lines.includes('leader true'), 'the child to lead', 20_000);
    const other = await election(url, 'other');
    holder.proc.kill('SIGSTOP');
    await until(() => other.e.isLeader, 'the other daemon to lead', 15_000);
    holder.proc.kill('SIGCONT');
    holder.send('check');
    await until(() => holder.lines.some((l) => l.startsWith('canWrite')), 'the woken leader to answer');
    expect(holder.lines.filter((l) => l.startsWith('canWrite'))).toEqual(['canWrite false']);
    await until(() => holder.lines.includes('leader false'), 'the woken leader to step down');
    expect(other.e.isLeader).toBe(true);
  });

  it('stays a follower without blocking while the database is down, and leads once it is back', async ({ skip }) => {
    if (!server.canRestart) skip();
    const url = await server.database();
    const a = await election(url, 'a');
    await server.stop();
    try {
      await until(() => !a.e.isLeader, 'leadership lost with the server');
      expect(await a.e.canWrite()).toBe(false);
    } finally {
      await server.start();
    }
    await until(() => a.e.isLeader, 'leadership regained', 15_000);
  });

  it('a leader cut off from a database that stops answering answers canWrite() false within its check timeout, and leads again afterwards', async ({
    skip,
  }) => {
    if (!server.canRestart) skip();
    const url = await server.database();
    const a = await election(url, 'a', { checkTimeoutMs: 1_000 });
    expect(a.e.isLeader).toBe(true);
    const thaw = await server.freeze();
    try {
      expect(await a.e.canWrite()).toBe(false);
      expect(a.changes).toEqual([true, false]);
    } finally {
      thaw();
    }
    await until(() => a.e.isLeader, 'leadership regained', 20_000);
  });

  it('starts as a follower when the database cannot be reached', async () => {
    const a = await election(`postgresql://x:y@127.0.0.1:${await freePort()}/none`, 'a');
    expect(a.e.isLeader).toBe(false);
    expect(await a.e.canWrite()).toBe(false);
  });
});
