// A real container registry for tests: Debian's docker-registry (the CNCF distribution
// registry) on 127.0.0.1 and a free port, with a config of our own (storage in a temporary
// folder; anonymous, htpasswd basic auth, or token auth), and skopeo to push the OCI image
// layouts the tests build (test/helpers/oci-image.ts). Suites skip, saying why, when the
// binaries are missing; .ci/run installs them.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/net/free-ports.js';
import { alive } from './process.js';
import { writeOciLayout, type Blob } from './oci-image.js';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

function which(name: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export interface Tools {
  available: boolean;
  /** Why the suite is skipped, when it is. */
  reason: string;
  skopeo?: string;
}

/** Whether docker-registry and skopeo can run here. */
export function registryTools(): Tools {
  const missing: string[] = [];
  const registry = spawnSync(REGISTRY_BIN, ['--version'], { encoding: 'utf8' });
  if (registry.status !== 0) missing.push(`${REGISTRY_BIN} (Debian package docker-registry)`);
  const skopeo = which('skopeo');
  if (skopeo === undefined) missing.push('skopeo (Debian package skopeo)');
  if (missing.length > 0) {
    return { available: false, reason: `${missing.join(' and ')} not installed; install with: apt-get install docker-registry skopeo` };
  }
  return { available: true, reason: '', skopeo: skopeo as string };
}

/** The user and password of the htpasswd registry. */
export const BASIC_USER = 'ci';
export const BASIC_PASSWORD = 'pa55-W0rd!secret';
/** bcrypt of BASIC_PASSWORD, as `htpasswd -nbB ci 'pa55-W0rd!secret'` wrote it (the registry reads bcrypt only). */
const HTPASSWD_LINE = 'ci:$2y$05$TLQyyLpWuxtPPOjMFjHu/ebARXyiCn6YOiNTqrcTAzyleK.yAH9Tq';

export type RegistryAuthConfig = { kind: 'none' } | { kind: 'htpasswd' } | { kind: 'token'; realm: string; service: string; issuer: string; certFile: string };

export interface RunningRegistry {
  /** `127.0.0.1:PORT`: the registry part of image references. */
  host: string;
  url: string;
  /** Pushes `top` (a manifest or an index) and `blobs` as `name:tag`, with skopeo. */
  push(name: string, tag: string, top: Blob, blobs: readonly Blob[], creds?: { username: string; password: string }): Promise<void>;
  stop(): Promise<void>;
}

function configYaml(dir: string, port: number, auth: RegistryAuthConfig): string {
  const lines = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '  secret: maracker-test-secret',
  ];
  if (auth.kind === 'htpasswd') lines.push('auth:', '  htpasswd:', '    realm: basic-realm', `    path: ${join(dir, 'htpasswd')}`);
  if (auth.kind === 'token') {
    lines.push(
      'auth:',
      '  token:',
      `    realm: ${auth.realm}`,
      `    service: ${auth.service}`,
      `    issuer: ${auth.issuer}`,
      `    rootcertbundle: ${auth.certFile}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function waitUntilServing(url: string, child: ChildProcess, output: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${output()}`);
    try {
      const res = await fetch(`${url}/v2/`);
      await res.arrayBuffer();
      return; // 200, or 401 with auth: it serves
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`docker-registry did not serve ${url} within 10 s: ${output()}`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts docker-registry on 127.0.0.1 with its own folder. Call `stop()` (it removes the
 * folder too) from the hook that started it.
 */
export async function startRegistry(auth: RegistryAuthConfig = { kind: 'none' }, tools: Tools = registryTools()): Promise<RunningRegistry> {
  if (!tools.available) throw new Error(tools.reason);
  const dir = await mkdtemp(join(tmpdir(), 'maracker-registry-'));
  let child: ChildProcess | undefined;
  try {
    if (auth.kind === 'htpasswd') await writeFile(join(dir, 'htpasswd'), `${HTPASSWD_LINE}\n`);
    // A port is only free when asked: if another process takes it first, try another.
    for (let tries = 0; ; tries++) {
      const port = await freePort();
      const configFile = join(dir, 'config.yml');
      await writeFile(configFile, configYaml(dir, port, auth));
      let output = '';
      const proc = spawn(REGISTRY_BIN, ['serve', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
      child = proc;
      proc.stdout?.on('data', (c: Buffer) => (output += c.toString()));
      proc.stderr?.on('data', (c: Buffer) => (output += c.toString()));
      const url = `http://127.0.0.1:${port}`;
      try {
        await waitUntilServing(url, proc, () => output);
      } catch (err) {
        await stopProcess(proc);
        if (tries < 2 && /address already in use/.test(output)) continue;
        throw err;
      }
      const host = `127.0.0.1:${port}`;
      let layouts = 0;
      return {
        host,
        url,
        async push(name, tag, top, blobs, creds) {
          const layout = join(dir, `layout-${++layouts}`);
          await writeOciLayout(layout, top, blobs, tag);
          await skopeoCopy(tools.skopeo as string, dir, `oci:${layout}:${tag}`, `docker://${host}/${name}:${tag}`, creds);
        },
        async stop() {
          await stopProcess(proc);
          if (proc.pid !== undefined && alive(proc.pid)) throw new Error(`docker-registry ${proc.pid} is still running`);
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
  } catch (err) {
    if (child) await stopProcess(child);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

function skopeoCopy(skopeo: string, dir: string, from: string, to: string, creds?: { username: string; password: string }): Promise<void> {
  const args = [
    'copy',
    '--all',
    '--insecure-policy',
    '--dest-tls-verify=false',
    ...(creds ? ['--dest-creds', `${creds.username}:${creds.password}`] : ['--dest-no-creds']),
    from,
    to,
  ];
  return new Promise((resolve, reject) => {
    // skopeo's temporary files and any auth file it looks for stay in the registry's folder.
    const child = spawn(skopeo, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, TMPDIR: dir, REGISTRY_AUTH_FILE: join(dir, 'auth.json') },
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    const shown = creds ? output.split(creds.password).join('[redacted]') : output;
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`skopeo copy ${from} ${to} exited ${code}: ${shown}`))));
  });
}
