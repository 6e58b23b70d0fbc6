import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseSeed, rawApps } from '../../src/sandbox/seed.js';
import { tempDir } from '../helpers/tmp.js';
import { app, call, sandbox } from './helpers.js';

const fixturePath = (name: string): string => new URL(`../fixtures/marathon/marathon-lb/${name}`, import.meta.url).pathname;

describe('--seed', () => {
  it('cuts each app out of the file text exactly', () => {
    const text = '{ "apps" : [ {"id":"/a","cpus":1.0,"x":[1,{"y":"]"}]} ,\n{"id":"/b","s":"\\"}"} ], "other": 1 }';
    expect(rawApps(text)).toEqual(['{"id":"/a","cpus":1.0,"x":[1,{"y":"]"}]}', '{"id":"/b","s":"\\"}"}']);
  });

  it('serves real Marathon answers byte for byte, tasks included', async () => {
    for (const file of ['marathon15_apps.json', 'zdd_app_blue_marathon1.5.json', 'zdd_apps.json']) {
      const text = readFileSync(fixturePath(file), 'utf8');
      const sb = await sandbox({ seedFile: fixturePath(file) });
      const res = await call(sb, 'GET', '/v2/apps?embed=apps.tasks');
      expect(res.text, file).toBe(`{"apps":[${rawApps(text).join(',')}]}`);
      const first = JSON.parse(text).apps[0];
      const single = await call(sb, 'GET', `/v2/apps${first.id as string}`);
      expect(single.json.app, file).toEqual(first);
      const tasks = (await call(sb, 'GET', `/v2/apps${first.id as string}/tasks`)).json.tasks;
      expect(tasks, file).toEqual(first.tasks ?? []);
    }
  });

  it('keeps the service ports of seeded apps taken and turns an app into a normal one once written to', async () => {
    const sb = await sandbox({ seedFile: fixturePath('marathon15_apps.json') });
    await call(sb, 'POST', '/v2/apps', app('/new', { portDefinitions: [{ port: 10101 }] }));
    // 10101 is pywebserver's service port in the seed; Marathon does not refuse duplicates either,
    // but dynamic ports never land on it
    await call(sb, 'POST', '/v2/apps', app('/dyn'));
    expect(sb.app('/dyn')?.portDefinitions?.[0]?.port).toBe(10000);
    const res = await call(sb, 'PUT', '/v2/apps/pywebserver', { instances: 2 });
    expect(res.status).toBe(200);
    const updated = (await call(sb, 'GET', '/v2/apps/pywebserver')).json.app;
    expect(updated).toMatchObject({ instances: 2, role: '*', version: res.json.version });
    expect(updated.container.portMappings[0].servicePort).toBe(10101);
  });

  it('refuses a file that is not a GET /v2/apps answer', async () => {
    const dir = await tempDir();
    const file = join(dir, 'bad.json');
    await writeFile(file, '{"apps": {}}');
    await expect(sandbox({ seedFile: file })).rejects.toMatchObject({ code: 'MRK_SANDBOX_SEED_INVALID', file });
    expect(() => parseSeed('nope', 'x.json')).toThrow(/not JSON/);
  });
});
