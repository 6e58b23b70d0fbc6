// `maracker image inspect` and `maracker image check` as an image author's CI runs them: the
// compiled CLI (npm run build first; npm test does) against a real registry (docker-registry
// on 127.0.0.1, images pushed by skopeo). The checks that need no registry run everywhere.

import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/net/free-ports.js';
import { CLI } from '../../helpers/daemon-process.js';
import { image } from '../../helpers/oci-image.js';
import { BASIC_PASSWORD, BASIC_USER, registryTools, startRegistry, type RunningRegistry } from '../../helpers/registry.js';
import { tempDir } from '../../helpers/tmp.js';

const tools = registryTools();
if (!tools.available) console.warn(`test/cli/commands/image.test.ts: the suites with a registry are skipped: ${tools.reason}`);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI without blocking this process. No HOME: no ~/.docker/config.json of whoever runs the tests. */
function maracker(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'image', ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('maracker image, without a registry', () => {
  it('refuses a missing subcommand or image', async () => {
    expect(await maracker([])).toMatchObject({ code: 1, stderr: expect.stringContaining('maracker image: missing subcommand') });
    expect(await maracker(['inspect'])).toMatchObject({ code: 1, stderr: expect.stringContaining('maracker image inspect: no IMAGE given') });
    expect(await maracker(['inspect', 'a', 'b'])).toMatchObject({ code: 1, stderr: expect.stringContaining('inspect reads one IMAGE') });
  });

  it('refuses an invalid reference, saying which rule it breaks', async () => {
    const inspect = await maracker(['inspect', 'Team/App']);
    expect(inspect.code).toBe(1);
    expect(inspect.stderr).toBe('maracker image inspect: invalid image reference "Team/App": repository name "App" must be lowercase\n');
    const check = await maracker(['check', 'app:.bad']);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('app:.bad: invalid reference');
    expect(check.stderr).toContain('app:.bad: invalid image reference "app:.bad": tag ".bad" is invalid');
  });

  it('asks which registry the credentials are for when the images name several', async () => {
    const r = await maracker(['check', 'registry.example.com/a', 'nginx', '--registry-username', 'ci'], { MARACKER_REGISTRY_PASSWORD: 'pw' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      '--registry-host: the images are on several registries (registry.example.com, docker.io); say which one the username and password are for',
    );
  });

  it('refuses a --docker-config that does not exist', async () => {
    const dir = await tempDir();
    const r = await maracker(['inspect', '127.0.0.1:1/app', '--docker-config', `${dir}/config.json`]);
    expect(r).toMatchObject({ code: 1, stderr: `maracker image: ${dir}/config.json: no such file\n` });
  });

  it('exits 2 when the registry cannot be reached', async () => {
    const port = await freePort();
    const r = await maracker(['check', `127.0.0.1:${port}/app:1`]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(`127.0.0.1:${port}/app:1: cannot be read`);
    expect(r.stderr).toContain(
      `127.0.0.1:${port}/app:1: 127.0.0.1:${port}/app:1 (manifest): cannot connect to http://127.0.0.1:${port} (ECONNREFUSED) [MRK_REGISTRY_UNREACHABLE]`,
    );
  });
});

describe.skipIf(!tools.available)(`maracker image, against a real registry${tools.available ? '' : ` (skipped: ${tools.reason})`}`, () => {
  let registry: RunningRegistry;
  let secured: RunningRegistry;
  const good = image({
    labels: {
      'org.opencontainers.image.title': 'Shiny',
      'org.maracker.resources.cpus': '1',
      'org.maracker.resources.mem': '2Gi',
      'org.label-schema.memory-hint': '1024',
    },
    exposedPorts: ['3838/tcp'],
  });
  const bad = image({ labels: { 'org.maracker.resources.mem': '2G', 'org.maracker.health.path': 'health' } });
  const plain = image();

  beforeAll(async () => {
    registry = await startRegistry({ kind: 'none' }, tools);
    secured = await startRegistry({ kind: 'htpasswd' }, tools);
    await registry.push('lab/shiny', '1.0', good.manifest, good.blobs);
    await registry.push('lab/bad', '1.0', bad.manifest, bad.blobs);
    await registry.push('lab/plain', '1.0', plain.manifest, plain.blobs);
    await secured.push('private/app', '1.0', good.manifest, good.blobs, { username: BASIC_USER, password: BASIC_PASSWORD });
    return async () => {
      await registry.stop();
      await secured.stop();
    };
  });

  it('inspect shows the labels, what maracker derives and the problems', async () => {
    const r = await maracker(['inspect', `${registry.host}/lab/shiny:1.0`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `Image     ${registry.host}/lab/shiny:1.0\nDigest    ${good.manifest.digest}\nPlatform  linux/amd64\nConfig    ${good.config.digest}\n`,
    );
    expect(r.stdout).toMatch(/Labels \(4\)\n {2}org\.label-schema\.memory-hint +1024\n/);
    expect(r.stdout).toContain('Exposed ports: 3838/tcp');
    expect(r.stdout).toMatch(/ {2}mem +2048 MiB +from org\.maracker\.resources\.mem\n/);
    expect(r.stdout).toMatch(/ {2}http port +3838 +from ExposedPorts\n/);
    expect(r.stdout).toContain('Problems (1)\n  warning org.label-schema.memory-hint="1024": ignored: org.maracker.resources.mem="2048" takes precedence\n');
  });

  it('inspect -o json gives the image, the derived values and the problems', async () => {
    const r = await maracker(['inspect', `${registry.host}/lab/bad:1.0`, '-o', 'json']);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as {
      image: { digest: string; labels: Record<string, string> };
      derived: unknown;
      problems: Array<{ code: string; label: string }>;
    };
    expect(body.image).toMatchObject({ digest: bad.manifest.digest, labels: { 'org.maracker.resources.mem': '2G' } });
    expect(body.derived).toEqual({ info: {}, resources: {}, http: {}, ports: [] });
    expect(body.problems.map((p) => [p.code, p.label])).toEqual([
      ['ambiguous-unit', 'org.maracker.resources.mem'],
      ['not-a-path', 'org.maracker.health.path'],
    ]);
  });

  it('inspect exits 2 for a tag the registry does not have', async () => {
    const r = await maracker(['inspect', `${registry.host}/lab/shiny:9.9`]);
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: `maracker image inspect: ${registry.host}/lab/shiny:9.9 (manifest, HTTP 404): not found [MRK_REGISTRY_NOT_FOUND]\n`,
    });
  });

  it('check exits 0 when every image follows the format, warnings allowed', async () => {
    const r = await maracker(['check', `${registry.host}/lab/shiny:1.0`, `${registry.host}/lab/plain:1.0`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `${registry.host}/lab/shiny:1.0: follows the format (1 warning)\n${registry.host}/lab/plain:1.0: follows the format\n2 images: 2 follow the format, 0 do not, 0 cannot be read\n`,
    );
    expect(r.stderr).toBe(
      `${registry.host}/lab/shiny:1.0: warning: org.label-schema.memory-hint="1024": ignored: org.maracker.resources.mem="2048" takes precedence\n`,
    );
  });

  it('check --strict fails on warnings too', async () => {
    expect((await maracker(['check', '--strict', `${registry.host}/lab/shiny:1.0`])).code).toBe(1);
  });

  it('check exits 1 with every problem of an image that does not follow the format', async () => {
    const r = await maracker(['check', `${registry.host}/lab/bad:1.0`, `${registry.host}/lab/plain:1.0`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${registry.host}/lab/bad:1.0: does not follow the format (2 errors)\n`);
    expect(r.stderr.split('\n')).toEqual([
      `${registry.host}/lab/bad:1.0: error: org.maracker.resources.mem="2G": unit "G" is ambiguous (1000 or 1024?): a size in MiB: a number (MiB), or a number with Ki, Mi, Gi or Ti (binary units), such as 512, 512Mi or 2Gi`,
      `${registry.host}/lab/bad:1.0: error: org.maracker.health.path="health": an absolute HTTP path starting with "/", such as /health`,
      '',
    ]);
  });

  it('check exits 2 when an image cannot be read, even if another does not follow the format', async () => {
    const r = await maracker(['check', `${registry.host}/lab/bad:1.0`, `${registry.host}/lab/gone:1.0`, '-o', 'json']);
    expect(r.code).toBe(2);
    const body = JSON.parse(r.stdout) as { follows: boolean; summary: unknown; images: Array<{ image: string; error?: { code: string } }> };
    expect(body.follows).toBe(false);
    expect(body.summary).toEqual({ total: 2, follow: 0, notFollow: 1, unreadable: 1 });
    expect(body.images[1]).toMatchObject({ image: `${registry.host}/lab/gone:1.0`, error: { code: 'MRK_REGISTRY_NOT_FOUND' } });
  });

  it('reads a private registry with credentials from the environment, and never prints them', async () => {
    const ok = await maracker(['check', `${secured.host}/private/app:1.0`], {
      MARACKER_REGISTRY_USERNAME: BASIC_USER,
      MARACKER_REGISTRY_PASSWORD: BASIC_PASSWORD,
    });
    expect(ok.code).toBe(0);
    const refused = await maracker([
      'inspect',
      `${secured.host}/private/app:1.0`,
      '--registry-username',
      BASIC_USER,
      '--registry-password',
      `${BASIC_PASSWORD}x`,
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('authentication required or refused; the given username and password were refused [MRK_REGISTRY_UNAUTHORIZED]');
    const anonymous = await maracker(['inspect', `${secured.host}/private/app:1.0`]);
    expect(anonymous.stderr).toContain(`no credentials were given for ${secured.host}`);
    for (const r of [ok, refused, anonymous]) expect(r.stdout + r.stderr).not.toContain(BASIC_PASSWORD);
  });

  it("reads credentials from a Docker config.json's auths", async () => {
    const dir = await tempDir();
    const file = `${dir}/config.json`;
    await writeFile(file, JSON.stringify({ auths: { [secured.host]: { auth: Buffer.from(`${BASIC_USER}:${BASIC_PASSWORD}`).toString('base64') } } }));
    expect((await maracker(['check', `${secured.host}/private/app:1.0`, '--docker-config', file])).code).toBe(0);
    // Docker's default place, through DOCKER_CONFIG
    expect((await maracker(['check', `${secured.host}/private/app:1.0`], { DOCKER_CONFIG: dir })).code).toBe(0);
  });
});
