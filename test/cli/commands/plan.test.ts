// `maracker plan` as an operator runs it: the compiled CLI against the sandbox.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/daemon-process.js';
import { manifestYaml } from '../../helpers/manifests.js';
import { sandbox } from '../../helpers/sandbox.js';
import { tempDir } from '../../helpers/tmp.js';
import { parseManifestText } from '../../../src/manifest/parse.js';
import { derivedInstallation } from '../../../src/config/installation.js';
import { claim } from '../../../src/plan/claim.js';
import { migrate } from '../../../src/postgres/migrations.js';
import { connect, usePostgres } from '../../helpers/postgres.js';

const postgres = usePostgres();

/** `maracker plan` as a user runs it, in `cwd`. */
const plan = (cwd: string, ...args: string[]) => runCli(['plan', ...args], { cwd });
/** `maracker plan` configured by the environment alone, as a daemon's container would be. */
const planEnv = (cwd: string, env: Record<string, string>) => runCli(['plan'], { cwd, env });

/**
 * A manifests folder, and the same apps deployed by maracker in the sandbox: by the
 * installation `installation`, or with the label of a maracker before installations (null).
 */
async function deployed(files: Record<string, string>, installation: string | null | ((dir: string, marathonUrl: string) => string) = 'mip-prod') {
  const dir = await tempDir();
  await mkdir(join(dir, 'manifests'));
  const sb = await sandbox();
  const name = typeof installation === 'function' ? installation(join(dir, 'manifests'), sb.url) : installation;
  for (const [file, text] of Object.entries(files)) {
    await writeFile(join(dir, 'manifests', file), text);
    sb.preload(parseManifestText(text, file).apps.map((a) => (name === null ? a : claim(a, name)).definition));
  }
  return { dir, sb };
}

const AS = ['--installation', 'mip-prod'];

describe('maracker plan', () => {
  it('exits 0 and says so when Marathon matches the manifests', async () => {
    const { dir, sb } = await deployed({ 'web.yaml': manifestYaml({ name: 'web', group: 'demo' }) });
    const r = await plan(dir, '--marathon', sb.url, ...AS);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('No changes. Marathon matches the manifests.\n');
    expect(r.status).toBe(0);
  });

  it('exits 2 and shows creates, scale-only and restart updates field by field, and deletes', async () => {
    const { dir, sb } = await deployed({
      'web.yaml': manifestYaml({ name: 'web', instances: 1 }),
      'api.yaml': manifestYaml({ name: 'api', mem: 32 }),
      'old.yaml': manifestYaml({ name: 'old' }),
    });
    await writeFile(join(dir, 'manifests', 'web.yaml'), manifestYaml({ name: 'web', instances: 3 }));
    await writeFile(join(dir, 'manifests', 'api.yaml'), manifestYaml({ name: 'api', mem: 64 }));
    await writeFile(join(dir, 'manifests', 'old.yaml'), manifestYaml({ name: 'new' }));
    const r = await plan(dir, '--marathon', sb.url, ...AS);
    expect(r.status).toBe(2);
    expect(r.stdout).toContain('+ /new\n');
    expect(r.stdout).toContain('~ /api (restart)\n    mem: 32 → 64\n');
    expect(r.stdout).toContain('~ /web (scale only)\n    instances: 1 → 3\n');
    expect(r.stdout).toContain('- /old\n');
    expect(r.stdout).toContain('Plan: 1 to create, 2 to update (1 scale only), 1 to delete.');
  });

  it('shows an app whose tasks still run an older configuration as one to restart', async () => {
    const { dir, sb } = await deployed({ 'web.yaml': manifestYaml({ name: 'web', instances: 2 }) });
    // Someone deploys another command, and forces a scale over its rolling restart: Marathon
    // plans that as a scale, and the old tasks it had not replaced run on.
    const next = manifestYaml({ name: 'web', instances: 3, cmd: 'sleep 7200' });
    const def = claim(parseManifestText(next, 'web.yaml').apps[0] as Parameters<typeof claim>[0], 'mip-prod').definition;
    // Long enough that the new tasks are still staging (40 %: 2.4 s) when the forced scale comes.
    sb.setDeploymentDuration(6_000);
    const put = (query: string, body: unknown) =>
      fetch(`${sb.url}/v2/apps/web${query}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await put('', { ...def, instances: 2 })).status).toBe(200);
    expect((await put('?force=true', { instances: 3 })).status).toBe(200);
    await sb.waitForDeployments(30_000);
    await writeFile(join(dir, 'manifests', 'web.yaml'), next);
    const r = await plan(dir, '--marathon', sb.url, ...AS);
    expect(r.stdout).toMatch(
      /^~ \/web \(restart: tasks of an older configuration still run\)\n {4}tasks: 2 of 3 launched before the configuration of \S+ → restarted with it\n/,
    );
    expect(r.status).toBe(2);
  });

  it('prints a stable JSON plan for machines', async () => {
    const { dir, sb } = await deployed({ 'web.yaml': manifestYaml({ name: 'web', instances: 1 }) });
    await writeFile(join(dir, 'manifests', 'web.yaml'), manifestYaml({ name: 'web', instances: 2 }));
    const r = await plan(dir, '--marathon', sb.url, '--output', 'json', ...AS);
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({
      inSync: false,
      summary: { create: 0, update: 1, scale: 1, delete: 0, conflict: 0, noop: 0 },
      actions: [{ kind: 'update', id: '/web', mode: 'scale', changes: [{ path: 'instances', before: 1, after: 2 }] }],
      installation: 'mip-prod',
      pruneGuard: { blocked: false, limit: 5 },
    });
  });

  it('shows an app maracker does not own as a conflict, not as a change', async () => {
    const { dir, sb } = await deployed({});
    sb.preload([{ id: '/web', cmd: 'sleep 1', cpus: 0.1, mem: 32 }]);
    await writeFile(join(dir, 'manifests', 'web.yaml'), manifestYaml({ name: 'web' }));
    const r = await plan(dir, '--marathon', sb.url, ...AS);
    expect(r.stdout).toContain('! /web (conflict: exists in Marathon, not managed by maracker; set metadata.adopt to take it over)');
    expect(r.status).toBe(0);
  });

  it("plans as an installation: another installation's apps are conflicts or nothing, never deletes", async () => {
    const { dir, sb } = await deployed({ 'web.yaml': manifestYaml({ name: 'web' }), 'theirs.yaml': manifestYaml({ name: 'theirs' }) }, 'mip-staging');
    await writeFile(join(dir, 'manifests', 'theirs.yaml'), manifestYaml({ name: 'mine' }));
    const r = await plan(dir, '--marathon', sb.url, ...AS);
    expect(r.stdout).toBe(
      [
        '+ /mine',
        '    cmd: "sleep 3600"',
        '    instances: 1',
        '    cpus: 0.1',
        '    mem: 32',
        '! /web (conflict: exists in Marathon, owned by maracker installation "mip-staging"; never changed from here)',
        '',
        'Plan: 1 to create, 0 to update, 0 to delete, 1 in conflict.',
        '',
      ].join('\n'),
    );
  });

  it('takes apps labelled before installations as its own when declared, without a change, and deletes none', async () => {
    const { dir, sb } = await deployed({ 'web.yaml': manifestYaml({ name: 'web' }), 'old.yaml': manifestYaml({ name: 'old' }) }, null);
    await writeFile(join(dir, 'manifests', 'old.yaml'), manifestYaml({ name: 'web2' }));
    const r = await plan(dir, '--marathon', sb.url, ...AS);
    expect(r.stdout).toContain('+ /web2\n');
    expect(r.stdout).not.toContain('/web (');
    expect(r.stdout).toContain('Plan: 1 to create, 0 to update, 0 to delete.');
  });

  it('without --installation, plans as the installation a daemon without a database derives from the same folder and Marathon', async () => {
    const { dir, sb } = await deployed({ 'web.yaml': manifestYaml({ name: 'web' }) }, (manifests, url) => derivedInstallation(manifests, url).name);
    const r = await plan(dir, '--marathon', sb.url);
    expect(r.stdout).toBe('No changes. Marathon matches the manifests.\n');
    expect(r.status).toBe(0);
  });

  it('exits 1 with every problem when a manifest is invalid, and when Marathon cannot be read', async () => {
    const { dir, sb } = await deployed({});
    await writeFile(join(dir, 'manifests', 'web.yaml'), manifestYaml({ name: 'web', extra: '  instaces: 2' }));
    const invalid = await plan(dir, '--marathon', sb.url, ...AS);
    expect(invalid.status).toBe(1);
    expect(invalid.stderr).toMatch(/^manifests\/web\.yaml:10:3: .*instaces/m);
    await writeFile(join(dir, 'manifests', 'web.yaml'), manifestYaml({ name: 'web' }));
    sb.faults.add({ kind: 'invalid-json', method: 'GET' });
    const unreadable = await plan(dir, '--marathon', sb.url, ...AS);
    expect(unreadable.status).toBe(1);
    expect(unreadable.stderr).toContain('cannot list Marathon apps');
    expect(unreadable.stdout).toBe('');
  });
  it('exits 1 naming every app whose dependencies form a cycle, which Marathon would refuse, rather than plan its creation', async () => {
    const { dir, sb } = await deployed({});
    await writeFile(join(dir, 'manifests', 'a.yaml'), manifestYaml({ name: 'a', group: 'cyc', extra: '  dependencies: [b]' }));
    await writeFile(join(dir, 'manifests', 'b.yaml'), manifestYaml({ name: 'b', group: 'cyc', extra: '  dependencies: [a]' }));
    const r = await plan(dir, '--marathon', sb.url, ...AS);
    expect(r.status).toBe(1);
    const words = 'Marathon 1.10 refuses a cycle ("Dependency graph has cyclic dependencies.")';
    expect(r.stderr).toContain(`manifests/a.yaml:1:1: spec.dependencies: /cyc/a and /cyc/b depend on each other; ${words}`);
    expect(r.stderr).toContain(`manifests/b.yaml:1:1: spec.dependencies: /cyc/b and /cyc/a depend on each other; ${words}`);
    expect(r.stdout).toBe('');
  });

  it('reads the database as run does: rows are declared, and the installation is the one stored there', async () => {
    const url = await postgres.database();
    const admin = await connect(url);
    await migrate(admin);
    const stored = (await admin.query<{ name: string }>('SELECT name FROM maracker.installation')).rows[0]?.name ?? '';
    await admin.query(`INSERT INTO maracker.apps (id, spec) VALUES ('/demo/row', '{"cmd": "sleep 60", "cpus": 0.1, "mem": 32}')`);
    const { dir, sb } = await deployed({ 'web.yaml': manifestYaml({ name: 'web' }) }, stored);
    await admin.end();
    const r = await plan(dir, '--marathon', sb.url, '--database-url', url, '--output', 'json');
    expect(r.stderr).toBe('');
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ installation: stored, summary: { create: 1, update: 0, delete: 0, conflict: 0, noop: 1 } });
    expect(json.actions.map((a: { kind: string; id: string }) => `${a.kind} ${a.id}`)).toEqual(['create /demo/row', 'noop /web']);
    expect(r.status).toBe(2);

    // The same through the environment the daemon reads.
    const env = await planEnv(dir, { MARACKER_MARATHON_URL: sb.url, MARACKER_DATABASE_URL: url });
    expect(env.stdout).toContain('+ /demo/row\n');
    expect(env.stdout).not.toContain('/web');
  });

  it('reports invalid rows with their JSON path, and an unreadable database as an error, never as deletes', async () => {
    const url = await postgres.database();
    const admin = await connect(url);
    await migrate(admin);
    await admin.query(`INSERT INTO maracker.apps (id, spec) VALUES ('/demo/bad', '{"cmd": "sleep 60", "instances": -1}')`);
    await admin.end();
    const { dir, sb } = await deployed({ 'web.yaml': manifestYaml({ name: 'web' }) });
    const invalid = await plan(dir, '--marathon', sb.url, '--database-url', url, ...AS);
    expect(invalid.status).toBe(1);
    expect(invalid.stderr).toMatch(/instances/);
    expect(invalid.stdout).toBe('');

    const down = await plan(dir, '--marathon', sb.url, '--database-url', 'postgres://maracker:s3cret-pw@127.0.0.1:1/none', ...AS);
    expect(down.status).toBe(1);
    expect(down.stderr).toContain('cannot read database none on 127.0.0.1:1');
    expect(down.stderr).not.toContain('s3cret-pw');
    expect(down.stdout).toBe('');
  });

  it("judges the prune guard with the daemon's limits", async () => {
    const { dir, sb } = await deployed({ 'web.yaml': manifestYaml({ name: 'web' }), 'api.yaml': manifestYaml({ name: 'api' }) });
    await writeFile(join(dir, 'manifests', 'api.yaml'), '');
    const strict = await plan(dir, '--marathon', sb.url, '--prune-min-apps', '0', '--prune-share', '0', ...AS);
    expect(strict.stdout).toContain('Warning: 1 deletes exceed the prune guard limit (0 per hour');
    const lenient = await plan(dir, '--marathon', sb.url, '--output', 'json', ...AS);
    expect(JSON.parse(lenient.stdout).pruneGuard).toEqual({ blocked: false, limit: 5 });
    const off = await plan(dir, '--marathon', sb.url, '--output', 'json', '--allow-mass-prune', '--prune-min-apps', '0', ...AS);
    expect(JSON.parse(off.stdout).pruneGuard).toEqual({ blocked: false, limit: null });
  });

  it('refuses to plan an id a file and a row both declare, rather than show it deleted', async () => {
    const url = await postgres.database();
    const admin = await connect(url);
    await migrate(admin);
    await admin.query(`INSERT INTO maracker.apps (id, spec) VALUES ('/web', '{"cmd": "sleep 60", "cpus": 0.1, "mem": 32}')`);
    await admin.end();
    const { dir, sb } = await deployed({ 'web.yaml': manifestYaml({ name: 'web' }) });
    const r = await plan(dir, '--marathon', sb.url, '--database-url', url, ...AS);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('/web is declared by more than one source (folder, database)');
    expect(r.stdout).not.toContain('- /web');
  });

  it("holds a row at the host the daemon's route memory says a broken manifest's app runs at, as the daemon does", async () => {
    const url = await postgres.database();
    const admin = await connect(url);
    await migrate(admin);
    const spec = JSON.stringify({ cmd: 'sleep 60', cpus: 0.1, mem: 32, ports: [{ name: 'http' }], expose: { host: 'portal.example', path: '/login' } });
    await admin.query(`INSERT INTO maracker.apps (id, spec) VALUES ('/evil', '${spec}')`);
    await admin.end();
    const { dir, sb } = await deployed({ 'web.yaml': manifestYaml({ name: 'web' }) });
    await writeFile(join(dir, 'manifests', 'web.yaml'), `${manifestYaml({ name: 'web' })}  cpus: [\n`);
    const memory = join(dir, 'routes.json');
    await writeFile(
      memory,
      JSON.stringify({ version: 1, apps: { '/web': { url: 'http://portal.example', exposes: [{ host: 'portal.example', path: '' }], source: 'file' } } }),
      { mode: 0o600 },
    );
    const r = await plan(dir, '--marathon', sb.url, '--database-url', url, '--route-memory', memory, ...AS);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('host portal.example is routed to /web as it was last applied');
    // Without the memory (another host, or none), the row is not held for it.
    const bare = await plan(dir, '--marathon', sb.url, '--database-url', url, '--route-memory', 'none', ...AS);
    expect(bare.stderr).not.toContain('portal.example');
  });
});
