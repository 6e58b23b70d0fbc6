// The Dockerfile, checked without a Docker engine: its structure, what the final image
// contains and runs, and that its configuration is one the daemon accepts.

import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { describe, expect, it, onTestFinished } from 'vitest';
import { DAEMON_OPTIONS, loadDaemonConfig } from '../../src/config/daemon.js';
import { envSchema } from '../../src/config/env-schema.js';
import { startStatusServer } from '../../src/status/server.js';
import { StatusStore } from '../../src/status/store.js';
import { REPO_ROOT } from './compose.js';
import { instructionsOf, keyValues, parseDockerfile, stageEnv, type Instruction, type Stage } from './dockerfile.js';
import { isIgnored, parseDockerignore } from './dockerignore.js';

const run = promisify(execFile);
const text = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
const dockerfile = parseDockerfile(text);
const final = dockerfile.stages[dockerfile.stages.length - 1] as Stage;
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string; license: string; engines: { node: string } };

/** End of security support of each Node LTS line (nodejs.org release schedule). */
const NODE_LTS_END: Record<number, string> = { 20: '2026-04-30', 22: '2027-04-30', 24: '2028-04-30' };

function only(stage: Stage, keyword: string): Instruction {
  const found = instructionsOf(stage, keyword);
  expect(found, `${keyword} instructions in stage ${stage.name ?? stage.index}`).toHaveLength(1);
  return found[0] as Instruction;
}

function stageByName(name: string): Stage {
  const s = dockerfile.stages.find((st) => st.name === name);
  if (!s) throw new Error(`no stage named ${name}`);
  return s;
}

function runCommands(stage: Stage): string[] {
  return instructionsOf(stage, 'RUN').map((i) => i.rest);
}

describe('Dockerfile', () => {
  it('is a multi-stage build with distinct stage names', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    const names = dockerfile.stages.map((s) => s.name);
    expect(names.every((n) => n !== undefined)).toBe(true);
    expect(new Set(names).size).toBe(names.length);
  });

  it('builds every stage on one Node LTS image with at least the Node version package.json asks for', () => {
    const images = new Set(dockerfile.stages.map((s) => s.image));
    expect([...images]).toHaveLength(1);
    const m = /^node:(\d+)-[a-z]+-slim$/.exec(final.image);
    expect(m, `final image ${final.image} is node:<major>-<debian>-slim`).not.toBeNull();
    const major = Number(m?.[1]);
    expect(major % 2, 'even majors are the LTS lines').toBe(0);
    expect(major).toBeGreaterThanOrEqual(Number(/\d+/.exec(pkg.engines.node)?.[0]));
    const end = NODE_LTS_END[major];
    if (end !== undefined) expect(new Date(end).getTime(), `Node ${major} is out of support since ${end}: move to a newer LTS`).toBeGreaterThan(Date.now());
  });

  it('compiles in a build stage that has the dev dependencies, and ships only its output', () => {
    const build = stageByName('build');
    expect(runCommands(build).some((r) => /\bnpm ci\b/.test(r) && !/--omit=dev/.test(r))).toBe(true);
    expect(runCommands(build)).toContain('npm run build');
    const fromBuild = instructionsOf(final, 'COPY').filter((c) => c.flags.from === 'build');
    expect(fromBuild.map((c) => c.rest)).toEqual(['/src/dist/src ./dist/src']);
  });

  it('puts no dev dependency in the final image: its node_modules come from `npm ci --omit=dev`', () => {
    const copies = instructionsOf(final, 'COPY').filter((c) => /node_modules/.test(c.rest));
    expect(copies).toHaveLength(1);
    const source = stageByName((copies[0] as Instruction).flags.from as string);
    expect(source.name).not.toBe('build');
    const installs = runCommands(source).filter((r) => /\bnpm (ci|install|i)\b/.test(r));
    expect(installs).toHaveLength(1);
    expect(installs[0]).toMatch(/\bnpm ci\b.*--omit=dev/);
    // `prepare` compiles TypeScript with dev dependencies: it must not run here.
    expect(installs[0]).toMatch(/--ignore-scripts/);
    expect(runCommands(final).filter((r) => /\bnpm (ci|install|i)\b/.test(r))).toEqual([]);
  });

  it('runs as a user other than root', () => {
    const users = instructionsOf(final, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = (users[users.length - 1] as Instruction).rest.split(':')[0];
    expect(['root', '0', '']).not.toContain(user);
  });

  it('installs git, which maracker runs to read the HEAD commit of the manifests folder, and trusts no directory git would refuse', () => {
    const runs = runCommands(final).join('\n');
    expect(runs).toMatch(/apt-get install[^\n]*\bgit\b/);
    // safe.directory '*' made every planted repository trusted (issue 11); an operator names one path instead.
    expect(runs).not.toMatch(/safe\.directory/);
    expect(runs).not.toMatch(/git config/);
  });

  it('starts `maracker run`, with maracker on the PATH', () => {
    expect(only(final, 'ENTRYPOINT').json).toEqual(['maracker']);
    expect(only(final, 'CMD').json).toEqual(['run']);
    expect(runCommands(final).join('\n')).toMatch(/ln -s \/app\/dist\/src\/cli\/main\.js \/usr\/local\/bin\/maracker/);
    expect(existsSync(join(REPO_ROOT, 'src/cli/commands/run.ts'))).toBe(true);
    // The entry point is executable through its shebang.
    expect(readFileSync(join(REPO_ROOT, 'src/cli/main.ts'), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
  });

  it('configures maracker by MARACKER_ variables the daemon knows, with values it accepts', () => {
    const env = stageEnv(final);
    const marackerVars = Object.keys(env).filter((k) => k.startsWith('MARACKER_'));
    expect(marackerVars.sort()).toEqual(['MARACKER_LISTEN', 'MARACKER_MANIFESTS']);
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(envSchema(DAEMON_OPTIONS));
    expect(validate(env), ajv.errorsText(validate.errors)).toBe(true);

    const workdir = instructionsOf(final, 'WORKDIR').at(-1)?.rest as string;
    const { config } = loadDaemonConfig([], env, workdir);
    expect(config.listen).toEqual({ host: '0.0.0.0', port: 8090 });
    expect(config.manifests).toBe('/manifests');
    expect(instructionsOf(final, 'EXPOSE').map((e) => e.rest)).toEqual([String(config.listen.port)]);
  });

  it('declares the manifests folder as a volume', () => {
    const volumes = instructionsOf(final, 'VOLUME').flatMap((v) => v.json ?? v.rest.split(/\s+/));
    expect(volumes).toContain(stageEnv(final).MARACKER_MANIFESTS);
  });

  it('checks health on /healthz with node itself (the slim image has no curl)', () => {
    const hc = only(final, 'HEALTHCHECK');
    const cmd = /^CMD\s+(\[.*\])$/s.exec(hc.rest);
    expect(cmd, 'HEALTHCHECK CMD in exec form').not.toBeNull();
    const argv = JSON.parse(cmd?.[1] as string) as string[];
    expect(argv.slice(0, 2)).toEqual(['node', '-e']);
    expect(argv[2]).toContain('/healthz');
    expect(hc.flags).toMatchObject({ interval: expect.stringMatching(/^\d+s$/), timeout: expect.stringMatching(/^\d+s$/) });
  });

  it('has a health check command that passes against a live status server, token or not, and fails without one', async () => {
    const argv = JSON.parse((/^CMD\s+(\[.*\])$/s.exec(only(final, 'HEALTHCHECK').rest) as RegExpExecArray)[1] as string) as string[];
    const script = argv[2] as string;
    const check = (listen: string): Promise<number> =>
      run(process.execPath, ['-e', script], { env: { ...process.env, MARACKER_LISTEN: listen } }).then(
        () => 0,
        (err: { code?: number }) => err.code ?? 1,
      );
    const server = await startStatusServer({
      host: '127.0.0.1',
      port: 0,
      store: new StatusStore({ instance: 'docker', marathonUrl: 'http://marathon:8080' }),
      metrics: { render: () => '' },
      token: 'secret',
    });
    onTestFinished(() => server.close());
    const port = server.address.port;
    expect(await check(`0.0.0.0:${port}`)).toBe(0);
    expect(await check(`127.0.0.1:${port}`)).toBe(0);
    await server.close();
    expect(await check(`0.0.0.0:${port}`)).toBe(1);
  });

  it('carries OCI labels that agree with package.json', () => {
    const labels = Object.assign({}, ...instructionsOf(final, 'LABEL').map(keyValues)) as Record<string, string>;
    const version = labels['org.opencontainers.image.version']?.replace(/\$\{?VERSION\}?/, dockerfile.globalArgs.VERSION ?? '');
    expect(version).toBe(pkg.version);
    expect(labels['org.opencontainers.image.licenses']).toBe(pkg.license);
    expect(labels['org.opencontainers.image.title']).toBe('maracker');
    expect(labels['org.opencontainers.image.description']).toMatch(/Marathon/);
  });

  it('never waits with sleep', () => {
    for (const ins of dockerfile.instructions) expect(ins.rest, `line ${ins.line}`).not.toMatch(/\bsleep\b/);
  });

  it('copies only files that exist and that .dockerignore lets into the build context', () => {
    const rules = parseDockerignore(readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8'));
    const sources = dockerfile.instructions
      .filter((i) => (i.keyword === 'COPY' || i.keyword === 'ADD') && i.flags.from === undefined)
      .flatMap((i) => (i.json ?? i.rest.split(/\s+/)).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const s of sources) {
      expect(existsSync(join(REPO_ROOT, s)), `${s} exists`).toBe(true);
      expect(isIgnored(rules, s), `${s} is in the build context`).toBe(false);
    }
    for (const kept of ['.git', 'node_modules', 'dist', 'manifests', 'coverage', '.maracker', 'test', 'compose.yaml']) {
      expect(isIgnored(rules, kept), `${kept} stays out of the build context`).toBe(true);
    }
  });
});

describe('the Dockerfile reader', () => {
  it('joins continuations, drops comments inside them and reads flags and exec forms', () => {
    const d = parseDockerfile(
      [
        'ARG BASE=node:24-bookworm-slim',
        'FROM ${BASE} AS One',
        'RUN a \\',
        '  # note',
        '  && b',
        'HEALTHCHECK --interval=5s CMD ["x", "y"]',
        'ENV A=1 B="two words"',
        'ENV C three words',
      ].join('\n'),
    );
    expect(d.stages).toMatchObject([{ image: 'node:24-bookworm-slim', name: 'one' }]);
    const [, run1, hc, env1, env2] = d.stages[0]?.instructions ?? [];
    expect(run1?.rest).toBe('a && b');
    expect(hc).toMatchObject({ flags: { interval: '5s' }, rest: 'CMD ["x", "y"]' });
    expect(keyValues(env1 as Instruction)).toEqual({ A: '1', B: 'two words' });
    expect(keyValues(env2 as Instruction)).toEqual({ C: 'three words' });
  });

  it('refuses what it does not understand', () => {
    expect(() => parseDockerfile('FROM x\nRUNN y')).toThrow(/unknown instruction/);
    expect(() => parseDockerfile('FROM x\nRUN <<EOF\necho\nEOF')).toThrow(/heredocs/);
  });
});
