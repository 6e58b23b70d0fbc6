// The built CLI as a user meets it: the version, typos answered with the fix, a taken port
// answered with the flag to change.

import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { onTestFinished, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/daemon-process.js';
import { tempDir } from '../helpers/tmp.js';

const version = (
  JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))) as { version: string }
).version;

function maracker(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, timeout: 30_000 });
}

async function occupied(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as { port: number }).port;
}

describe('maracker, the command', () => {
  it('prints its version for -v, -V, --version and version', () => {
    for (const arg of ['-v', '-V', '--version', 'version']) {
      const r = maracker(arg);
      expect(r.status, arg).toBe(0);
      expect(r.stdout, arg).toBe(`maracker ${version}\n`);
    }
  });

  it('answers a misspelt command or option with the nearest one', () => {
    const cmd = maracker('stauts');
    expect(cmd.status).toBe(1);
    expect(cmd.stderr).toContain('unknown command "stauts"');
    const opt = maracker('run', '--manifests', 'none', '--database-url', 'postgres://x/y', '--listn', '127.0.0.1:1');
    expect(opt.status).toBe(1);
    expect(opt.stderr).toContain('unknown option --listn (did you mean --listen?)');
  });

  it('names the flag of a port already taken, and one free now, instead of a stack trace', async () => {
    const port = await occupied();
    const dir = await tempDir();
    const r = maracker('run', '--marathon', 'http://127.0.0.1:1', '--manifests', dir, '--listen', `127.0.0.1:${port}`);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `^maracker run: 127\\.0\\.0\\.1:${port} is already in use \\(--listen\\): stop what listens there, or choose another port, e\\.g\\. --listen 127\\.0\\.0\\.1:\\d+ \\(free now\\)\\n$`,
      ),
    );
    expect(r.stderr).not.toContain('setupListenHandle');
    const sandbox = maracker('sandbox', '--listen', `127.0.0.1:${port}`);
    expect(sandbox.status).toBe(1);
    expect(sandbox.stderr).toContain(`127.0.0.1:${port} is already in use (--listen)`);
  });
});
