// App ids built to escape: `..`, `%2f`, unicode look-alikes, newlines (a fake line of
// output), names Marathon keeps for an app's sub-resources (`/x/tasks` is the tasks of `/x`),
// in manifests and in rows. None reaches Marathon; each is reported, escaped; none makes
// Marathon look unreadable to the other apps (a row `/a/../b` once did, for good).

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/daemon-process.js';
import { manifestYaml } from '../helpers/manifests.js';
import { psql, usePostgres } from '../helpers/postgres.js';
import { bench, eventually } from './helpers.js';

const server = usePostgres();

const HOSTILE_NAMES: Array<[string, string]> = [
  ['dotdot.yaml', `name: ".."\n  group: calm`],
  ['encoded.yaml', `name: "a%2fb"\n  group: calm`],
  ['unicode.yaml', `name: "wéb"\n  group: calm`],
  ['newline.yaml', `name: "web\\nFAKE LINE: everything is fine"\n  group: calm`],
  ['group.yaml', `name: web\n  group: "../../etc"`],
  ['slash.yaml', `name: "web/../../x"\n  group: calm`],
  ['reserved.yaml', `name: tasks\n  group: calm`],
];

function withName(nameAndGroup: string): string {
  return manifestYaml({ name: 'placeholder', group: 'placeholder' }).replace('name: placeholder\n  group: placeholder', nameAndGroup);
}

describe('adversary: hostile app ids', () => {
  it('refuses ids with .., %2f, unicode, newlines and reserved names in manifests and in rows; applies the rest; keeps Marathon readable; prints no injected line', async () => {
    const url = await server.database();
    const files = Object.fromEntries([['ok.yaml', manifestYaml({ name: 'ok', group: 'calm' })], ...HOSTILE_NAMES.map(([f, n]) => [f, withName(n)])]);
    const b = await bench({ files, databaseUrl: url });
    await b.reconciled('/calm/ok');
    const spec = JSON.stringify({ cmd: 'sleep 3600', cpus: 0.01, mem: 16 });
    const ids = ['/a%2fb', '/ünï', '/a\nFAKE LINE: ok', '/a//b', '/a/../b', '/a/./b', '/db/tasks', '/db/restart', '/db/versions'];
    const r = await psql(
      url,
      `INSERT INTO maracker.apps (id, spec) VALUES ${ids.map((id) => `(E'${id.replace(/\n/g, '\\n')}', '${spec}')`).join(', ')}, ('/db/ok', '${spec}')`,
    );
    expect(r.stderr).toBe('');
    // NUL cannot even be stored.
    const nul = await psql(url, `INSERT INTO maracker.apps (id, spec) VALUES (E'/a\\x01b', '${spec}'), (E'/nul\\u0000', '${spec}')`);
    expect(nul.code).not.toBe(0);

    await b.reconciled('/db/ok');
    const status = await eventually(async () => {
      const s = await b.status();
      return ids.every((id) => s.apps.find((a) => a.id === id)?.sync === 'Invalid') ? s : undefined;
    }, 'every hostile row Invalid');
    for (const id of ids) expect(status.apps.find((a) => a.id === id)?.lastError).toMatchObject({ code: 'invalid-id', row: id, jsonPath: 'id' });
    expect(status.apps.find((a) => a.id === '/db/tasks')?.lastError?.message).toContain('must not end with restart, tasks, versions');
    // Marathon was never asked for them, so it stays readable and the other apps known.
    expect(status.marathon).toMatchObject({ reachable: true, lastError: null });
    expect(status.apps.find((a) => a.id === '/calm/ok')).toMatchObject({ sync: 'Synced' });
    // Just created: in sync once its deployment is over.
    await eventually(async () => (await b.app('/db/ok'))?.sync === 'Synced', '/db/ok Synced');
    // Deleted, they leave the status; Marathon is still readable.
    expect((await psql(url, "DELETE FROM maracker.apps WHERE id <> '/db/ok'")).code).toBe(0);
    const after = await eventually(async () => {
      const s = await b.status();
      return ids.every((id) => s.apps.find((a) => a.id === id) === undefined) ? s : undefined;
    }, 'the deleted rows gone from the status');
    expect(after.marathon).toMatchObject({ reachable: true, lastError: null });
    expect(
      b.marathon
        .apps()
        .map((a) => a.id)
        .sort(),
    ).toEqual(['/calm/ok', '/db/ok']);
    expect(b.healthzFailures()).toEqual([]);
    // One JSON object per log line: a newline in an id never starts a line of its own.
    for (const line of b.logs().trim().split('\n')) expect(() => JSON.parse(line) as unknown).not.toThrow();

    const v = spawnSync(process.execPath, [CLI, 'validate', b.dir], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    const lines = v.stderr.trim().split('\n');
    expect(lines).toHaveLength(HOSTILE_NAMES.length);
    for (const line of lines) expect(line.startsWith(`${b.dir}/`)).toBe(true);
    expect(v.stderr).toContain('metadata.name: "web\\nFAKE LINE: everything is fine" is not a valid app name');
  }, 120_000);
});
