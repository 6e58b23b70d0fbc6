// Issue 11, "a commit runs commands inside the daemon": plain files committed to the
// manifests folder (HEAD, config with core.fsmonitor, objects/, refs/) made git take the
// folder for a repository of its own and run the planted command. Here the built CLI runs
// as an operator runs it, on such a commit, and the planted command must never run, while
// the real revision is still reported.

import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { CLI, eventually, startDaemonProcess } from '../helpers/daemon-process.js';
import { gitRepo, type GitRepo } from '../helpers/git-repo.js';
import { manifestYaml } from '../helpers/manifests.js';
import { plantBareRepository } from '../helpers/planted-git.js';
import { freePort } from '../helpers/ports.js';
import { sandbox } from '../helpers/sandbox.js';
import { tempDir } from '../helpers/tmp.js';

interface Planted {
  repo: GitRepo;
  marker: string;
  head: string;
}

async function plantedCommit(): Promise<Planted> {
  const repo = await gitRepo();
  await repo.write('web.yaml', manifestYaml({ name: 'web', group: 'demo', instances: 1 }));
  const first = repo.commit('web');
  const { marker } = await plantBareRepository(repo.manifests, { markerDir: repo.root, realObjects: join(repo.root, '.git', 'objects'), headCommit: first });
  const head = repo.commit('an innocent-looking commit');
  expect(repo.git('ls-files', 'manifests')).toContain('manifests/config');
  return { repo, marker, head };
}

function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root' }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('a commit that plants a git repository in the manifests folder', () => {
  let planted: Planted;
  beforeEach(async () => {
    planted = await plantedCommit();
  });

  it('is a real attack: git discovering the folder runs the planted command', () => {
    execFileSync('git', ['--no-optional-locks', '-C', planted.repo.manifests, 'status', '--porcelain', '--', '.'], {
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(existsSync(planted.marker)).toBe(true);
  });

  it('runs nothing under `maracker run`, which still reports the real revision', async () => {
    const marathon = await sandbox();
    const daemon = await startDaemonProcess({ marathonUrl: marathon.url, manifests: planted.repo.manifests });
    // The revision shows once rev-parse and status both ran.
    await eventually(async () => (await daemon.status()).sources[0]?.revision === planted.head, 'the real HEAD in status');
    // A change makes the folder source ask git again.
    await planted.repo.write('api.yaml', manifestYaml({ name: 'api', group: 'demo' }));
    await eventually(async () => (await daemon.status()).sources[0]?.dirty === true, 'the folder dirty');
    expect(existsSync(planted.marker)).toBe(false);
    expect(await daemon.stop()).toBe(0);
  });

  it('runs nothing under `maracker up`', async () => {
    const data = await tempDir('maracker-up-data-');
    const up = await startDaemonProcess({
      command: 'up',
      cwd: planted.repo.root,
      manifests: planted.repo.manifests,
      args: ['--no-database', '--sandbox-listen', `127.0.0.1:${await freePort()}`, '--data-dir', data],
      startTimeoutMs: 60_000,
    });
    await eventually(async () => (await up.status()).sources[0]?.revision === planted.head, 'the real HEAD in status');
    expect(existsSync(planted.marker)).toBe(false);
    expect(await up.stop(30_000)).toBe(0);
    await rm(data, { recursive: true, force: true });
  });

  it('runs nothing under `maracker plan` and `maracker validate`', async () => {
    const marathon = await sandbox();
    const plan = await cli(['plan', '--marathon', marathon.url, '--manifests', planted.repo.manifests], planted.repo.root);
    expect(plan.stdout).toContain('/demo/web');
    expect(plan.code).toBe(2);
    const validate = await cli(['validate', planted.repo.manifests], planted.repo.manifests);
    expect(validate).toMatchObject({ code: 0, stdout: '1 file, 1 app, 0 problems\n' });
    expect(existsSync(planted.marker)).toBe(false);
  });
});
