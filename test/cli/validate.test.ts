import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { command } from '../../src/cli/commands/validate.js';
import { ConfigError } from '../../src/config/options.js';
import { runCommand } from '../helpers/run-command.js';
import { tempDir } from '../helpers/tmp.js';
import { doc, yamlOf } from '../manifest/builders.js';
import { migrate } from '../../src/postgres/migrations.js';
import { connect, usePostgres } from '../helpers/postgres.js';

const postgres = usePostgres();

const repoRoot = join(import.meta.dirname, '..', '..');
const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `validate` in-process with recording streams. */
const validate = (args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> => runCommand(command, args, { cwd, env });

/** Runs the compiled CLI as a child process. */
function runCli(args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd, env: { PATH: process.env.PATH ?? '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

async function writeTree(dir: string, files: Record<string, string>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), content);
  }
}

function newestMtime(dir: string): number {
  return Math.max(...readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => statSync(join(dir, f)).mtimeMs));
}

/** `npm test` builds first; a standalone run rebuilds when the compiled CLI is missing or older than its sources. */
function ensureBuilt(): void {
  const compiled = join(repoRoot, 'dist', 'src', 'cli', 'commands', 'validate.js');
  const sources = Math.max(newestMtime(join(repoRoot, 'src', 'manifest')), newestMtime(join(repoRoot, 'src', 'cli')));
  if (existsSync(compiled) && statSync(compiled).mtimeMs >= sources) return;
  // tsc still emits when unrelated files of the tree fail to type-check; the file checks below decide.
  spawnSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: repoRoot });
  if (!existsSync(compiled)) throw new Error('could not build dist/src/cli/commands/validate.js; run npm run build');
}

const header = (name: string, group: string): string => `apiVersion: maracker/v1\nkind: App\nmetadata:\n  name: ${name}\n  group: ${group}\n`;

describe('maracker validate (in-process)', () => {
  it('exits 0 and prints a summary when every manifest is valid', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'manifests/a.yaml': yamlOf(doc({ name: 'a' }), doc({ name: 'b' })), 'manifests/team/c.yml': yamlOf(doc({ name: 'c' })) });
    expect(await validate([], dir)).toEqual({ code: 0, stdout: '2 files, 3 apps, 0 problems\n', stderr: '' });
  });

  it('prints every problem of every file and exits 1', async () => {
    const dir = await tempDir();
    await writeTree(dir, {
      'apps/a.yaml': `${header('web', 'demo')}spec:\n  cmd: 'true'\n  instaces: 2\n`,
      'apps/b.yaml': `${header('api', 'demo')}spec:\n  image: nginx\n  healthChecks:\n    - {protocol: HTTP, port: http}\n`,
      'more/web.yaml': `${header('web', 'demo')}spec:\n  cmd: sleep 1\n`,
    });
    const run = await validate(['apps', 'more/web.yaml', 'missing'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')).toEqual([
      'apps/a.yaml:4:9: app /demo/web is declared more than once (also at more/web.yaml:4:9)',
      'apps/a.yaml:8:3: spec.instaces: unknown field; did you mean "instances"?',
      `apps/b.yaml:9:30: spec.healthChecks[0].port: no port named "http": spec.ports declares no ports (omit port to use the app's single default port)`,
      'missing: no such file or folder',
      'more/web.yaml:4:9: app /demo/web is declared more than once (also at apps/a.yaml:4:9)',
      '',
    ]);
    expect(run.stdout).toBe('3 files, 0 apps, 5 problems\n');
  });

  it('leaves two files routed at the same host and path to their committers (only rows are held back)', async () => {
    const dir = await tempDir();
    const exposed = (name: string) =>
      `${header(name, 'demo')}spec:\n  cmd: sleep 60\n  ports:\n    - name: http\n  expose:\n    host: shop.example\n    path: /api\n`;
    await writeTree(dir, { 'm/a.yaml': exposed('a'), 'm/b.yaml': exposed('b') });
    expect(await validate(['m'], dir)).toEqual({ code: 0, stdout: '2 files, 2 apps, 0 problems\n', stderr: '' });
  });

  it('counts a file named twice (directly and through its folder) once', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'm/a.yaml': yamlOf(doc({ name: 'a' })) });
    expect((await validate(['m', 'm/a.yaml'], dir)).stdout).toBe('1 file, 1 app, 0 problems\n');
  });

  it('takes the Traefik grammar from MARACKER_TRAEFIK, which decides label collisions', async () => {
    const dir = await tempDir();
    await writeTree(dir, {
      'm/web.yaml': yamlOf(doc({ spec: { expose: { host: 'web.localhost' }, labels: { 'traefik.frontend.rule': 'Host:other' } } })),
    });
    expect((await validate(['m'], dir)).code).toBe(0);
    const v1 = await validate(['m'], dir, { MARACKER_TRAEFIK: 'v1' });
    expect(v1.code).toBe(1);
    expect(v1.stderr).toContain(
      'spec.labels["traefik.frontend.rule"]: collides with traefik.web.frontend.rule, which spec.expose generates (Traefik 1.7 would ignore this one)',
    );
  });

  it('writes a JSON report with --output json', async () => {
    const dir = await tempDir();
    await writeTree(dir, {
      'm/a.yaml': yamlOf(doc({ name: 'a', spec: { expose: { host: 'a.localhost' } } })),
      'm/b.yaml': `${header('b', 'demo')}spec:\n  cmd: 'true'\n  mem: -1\n`,
    });
    const run = await validate(['--output', 'json', 'm'], dir);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({
      valid: false,
      files: ['m/a.yaml', 'm/b.yaml'],
      apps: [{ id: '/a', file: 'm/a.yaml', url: 'http://a.localhost' }],
      problems: [
        {
          code: 'invalid-value',
          message: 'spec.mem: must be >= 0, got -1',
          location: { file: 'm/b.yaml', line: 8, column: 8, jsonPath: 'spec.mem' },
          text: 'm/b.yaml:8:8: spec.mem: must be >= 0, got -1',
        },
      ],
    });
  });

  it('refuses an unknown grammar as a configuration error', async () => {
    await expect(validate(['--traefik', 'v4'], repoRoot)).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('maracker validate (compiled CLI, child process)', () => {
  beforeAll(ensureBuilt, 120_000);

  it('accepts every file in examples/ and manifests/', async () => {
    const run = await runCli(['validate', 'examples', 'manifests'], repoRoot);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^\d+ files, \d+ apps, 0 problems\n$/);
    expect(run.code).toBe(0);
  });

  it('exits 1 and prints positioned problems for an invalid manifest', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'web.yaml': `${header('Web', 'demo')}spec:\n  cmd: 'true'\n` });
    const run = await runCli(['validate', 'web.yaml'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^web\.yaml:4:9: metadata\.name: "Web" is not a valid app name/);
    expect(run.stdout).toBe('1 file, 0 apps, 1 problem\n');
  });

  it('exits 1 when the default ./manifests folder does not exist', async () => {
    const dir = await tempDir();
    const run = await runCli(['validate'], dir);
    expect(run).toEqual({ code: 1, stdout: '0 files, 0 apps, 1 problem\n', stderr: 'manifests: no such file or folder\n' });
  });

  it('lists its options with defaults and environment variables in --help', async () => {
    const run = await runCli(['validate', '--help'], repoRoot);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--traefik <v1|v2|both|v3>');
    expect(run.stdout).toContain('(default: v2) [env MARACKER_TRAEFIK]');
    expect(run.stdout).toContain('--output <text|json>');
  });
  it('checks the rows of the apps table with --database-url, and ids a file and a row both declare', async () => {
    const url = await postgres.database();
    const admin = await connect(url);
    await migrate(admin);
    await admin.query(
      `INSERT INTO maracker.apps (id, spec) VALUES ('/demo/bad', '{"cmd": "sleep 60", "instances": -1}'), ('/demo/web', '{"cmd": "sleep 60"}'), ('/demo/row', '{"cmd": "sleep 60"}')`,
    );
    await admin.end();
    const dir = await tempDir();
    await writeTree(dir, { 'manifests/web.yaml': `${header('web', 'demo')}spec:\n  cmd: sleep 60\n` });
    const run = await validate([], dir, { MARACKER_DATABASE_URL: url });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('/demo/bad');
    expect(run.stderr).toContain('instances');
    expect(run.stderr).toContain('manifests/web.yaml:4:9: app /demo/web is also declared by database row /demo/web; neither is applied');
    expect(run.stdout).toBe('1 file, 3 rows, 0 apps, 2 problems\n');
  });

  it('reports apps whose dependencies form a cycle, through files and rows, which Marathon would refuse', async () => {
    const url = await postgres.database();
    const admin = await connect(url);
    await migrate(admin);
    await admin.query(`INSERT INTO maracker.apps (id, spec) VALUES ('/demo/db', '{"cmd": "sleep 60", "dependencies": ["/demo/web"]}')`);
    await admin.end();
    const dir = await tempDir();
    await writeTree(dir, {
      'manifests/web.yaml': `${header('web', 'demo')}spec:\n  cmd: sleep 60\n  dependencies: [api]\n`,
      'manifests/api.yaml': `${header('api', 'demo')}spec:\n  cmd: sleep 60\n  dependencies: [db]\n`,
    });
    const run = await validate([], dir, { MARACKER_DATABASE_URL: url });
    const words = 'Marathon 1.10 refuses a cycle ("Dependency graph has cyclic dependencies.")';
    expect([run.code, run.stderr.split('\n')]).toEqual([
      1,
      [
        `row /demo/db: spec.dependencies: /demo/db and /demo/api, /demo/web depend on each other; ${words}`,
        `manifests/api.yaml:1:1: spec.dependencies: /demo/api and /demo/db, /demo/web depend on each other; ${words}`,
        `manifests/web.yaml:1:1: spec.dependencies: /demo/web and /demo/api, /demo/db depend on each other; ${words}`,
        '',
      ],
    ]);
    await writeTree(dir, { 'manifests/api.yaml': `${header('api', 'demo')}spec:\n  cmd: sleep 60\n` });
    expect((await validate([], dir, { MARACKER_DATABASE_URL: url })).code).toBe(0);
  });
});
