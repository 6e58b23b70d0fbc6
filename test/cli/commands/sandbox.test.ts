import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ConfigError } from '../../../src/config/options.js';
import { command, parseListen, runSandbox } from '../../../src/cli/commands/sandbox.js';
import { call, until } from '../../sandbox/helpers.js';
import type { Sandbox } from '../../../src/sandbox/sandbox.js';
import { alive } from '../../helpers/process.js';
import { readdir } from 'node:fs/promises';
import { tempDir } from '../../helpers/tmp.js';
import { CLI } from '../../helpers/daemon-process.js';

function io(env: Record<string, string> = {}): {
  stdout: PassThrough;
  stderr: PassThrough;
  out: () => string;
  err: () => string;
  env: Record<string, string>;
  cwd: string;
} {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (c: Buffer) => (o += c.toString()));
  stderr.on('data', (c: Buffer) => (e += c.toString()));
  return { stdout, stderr, out: () => o, err: () => e, env, cwd: process.cwd() };
}

/** Enough of a Sandbox for the HTTP helper: its url. */
const at = (url: string): Sandbox => ({ url }) as Sandbox;

describe('maracker sandbox', () => {
  it('declares every option with an environment variable and a default', () => {
    for (const spec of command.options) {
      expect(spec.env, spec.name).toMatch(/^MARACKER_SANDBOX_[A-Z_]+$/);
      expect(spec.default, spec.name).toBeDefined();
    }
  });

  it('parses --listen as HOST:PORT, IPv6 in brackets', () => {
    expect(parseListen('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(() => parseListen('8080')).toThrow(ConfigError);
    expect(() => parseListen('h:70000')).toThrow(ConfigError);
    // As the daemon's --listen: an empty host is every interface.
    expect(parseListen(':0')).toEqual({ host: '0.0.0.0', port: 0 });
    expect(() => parseListen('h:x')).toThrow('--listen: expected HOST:PORT (e.g. 127.0.0.1:8090), got "h:x"');
  });

  it('prints where it listens, serves until stopped, then exits 0', async () => {
    const streams = io({ MARACKER_SANDBOX_DEPLOYMENT_DURATION: '0' });
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const running = runSandbox(['--listen', '127.0.0.1:0', '--log-level', 'silent'], streams, () => stopped);
    const url = await until(() => /on (http:\/\/\S+)/.exec(streams.out())?.[1]);
    expect((await call(at(url), 'GET', '/ping')).text).toBe('pong');
    expect((await call(at(url), 'POST', '/v2/apps', { id: '/a', cmd: 'sleep 1' })).status).toBe(201);
    stop();
    expect(await running).toBe(0);
    expect(streams.out()).toContain('stopped');
  });

  it('exits 1 with one line for an unreadable seed file', async () => {
    const streams = io();
    const code = await runSandbox(['--listen', '127.0.0.1:0', '--seed', '/nonexistent/seed.json'], streams, async () => undefined);
    expect(code).toBe(1);
    expect(streams.err()).toMatch(/^maracker sandbox: seed file \/nonexistent\/seed\.json: cannot read/);
  });

  describe('as a process', () => {
    function start(args: string[], env: Record<string, string> = {}): { child: ChildProcess; url: Promise<string>; exit: Promise<number | null> } {
      // The built binary, as operators run it (npm test builds first).
      const child = spawn(process.execPath, [CLI, 'sandbox', ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...env },
      });
      onTestFinished(() => {
        child.kill('SIGKILL');
      });
      let out = '';
      const url = new Promise<string>((resolve, reject) => {
        child.stdout?.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /on (http:\/\/\S+)/.exec(out);
          if (m) resolve(m[1] as string);
        });
        child.once('exit', () => reject(new Error(`sandbox exited early: ${out}`)));
      });
      const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      return { child, url, exit };
    }

    async function startTask(url: string): Promise<number[]> {
      await call(at(url), 'POST', '/v2/apps', { id: '/sleepy', cmd: 'sleep 1000 & sleep 1000', instances: 2 });
      return until(async () => {
        const pids = (await call(at(url), 'GET', '/sandbox/pids')).json.pids as number[];
        return pids.length === 3 ? pids : undefined;
      }, 30_000);
    }

    it.each(['SIGTERM', 'SIGINT'] as const)('kills every task process on %s, removes its temporary work folder and exits 0', async (signal) => {
      const tmp = await tempDir('maracker-sandbox-tmp-');
      const proc = start(['--listen', '127.0.0.1:0', '--exec', '--deployment-duration', '0', '--log-level', 'silent'], { TMPDIR: tmp });
      const pids = await startTask(await proc.url);
      proc.child.kill(signal);
      expect(await proc.exit).toBe(0);
      for (const pid of pids) expect(alive(pid), String(pid)).toBe(false);
      expect(await readdir(tmp)).toEqual([]);
    });

    it('leaves no task process and no temporary folder behind even when it is killed outright', async () => {
      const tmp = await tempDir('maracker-sandbox-tmp-');
      const proc = start(['--listen', '127.0.0.1:0', '--exec', '--deployment-duration', '0', '--log-level', 'silent'], { TMPDIR: tmp });
      const pids = await startTask(await proc.url);
      const made = await readdir(tmp);
      expect(made).toEqual([expect.stringMatching(/^maracker-sandbox-/)]);
      proc.child.kill('SIGKILL');
      await proc.exit;
      // the reaper notices within about a second, kills the process groups and removes the folder
      await until(() => pids.every((pid) => !alive(pid)), 30_000, 'the reaper to kill the tasks');
      await until(async () => (await readdir(tmp)).length === 0, 10_000, 'the reaper to remove the work folder');
    });
  });
});
