// The clone's long-lived `git cat-file --batch-command`: one process for every read, objects
// written after it started found, and any trouble (a budget passed, a name that is no object
// id) failing that request alone, with a new process for the next.

import { execFileSync } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CatFile } from '../../src/git/cat-file.js';
import { gitEnvironment } from '../../src/git/run.js';
import { upstream } from '../helpers/git-remote.js';

const env = gitEnvironment({ PATH: process.env.PATH, HOME: '/nonexistent' });

async function repository() {
  const up = await upstream();
  await up.write('a.yaml', 'a: 1\n');
  await up.write('big.txt', 'x'.repeat(100_000));
  up.commit('first');
  const oid = (spec: string): string => execFileSync('git', ['-C', up.bare, 'rev-parse', spec], { encoding: 'utf8' }).trim();
  const cat = new CatFile({ gitDir: up.bare, env });
  onTestFinished(() => cat.close());
  return { up, cat, oid };
}

describe('CatFile', () => {
  it('answers sizes and contents, in order, through one process; a missing object is missing', async () => {
    const { cat, oid } = await repository();
    const a = oid('main:a.yaml');
    const absent = 'f'.repeat(40);
    expect(await cat.info([a, absent, oid('main')])).toEqual({
      ok: true,
      objects: [{ oid: a, type: 'blob', size: 5 }, { oid: absent, missing: true }, expect.objectContaining({ type: 'commit' })],
    });
    const read = await cat.contents([a, oid('main:big.txt')], 200_000);
    expect(read.ok && read.answers.map((x) => ('missing' in x ? 'missing' : [x.type, x.size, x.content.subarray(0, 4).toString()]))).toEqual([
      ['blob', 5, 'a: 1'],
      ['blob', 100_000, 'xxxx'],
    ]);
    expect(cat.started).toBe(1);
  });

  it('finds objects written after it started (a later fetch), without a new process', async () => {
    const { up, cat, oid } = await repository();
    expect((await cat.info([oid('main')])).ok).toBe(true);
    await up.write('b.yaml', 'b: 2\n');
    up.commit('second');
    const read = await cat.contents([oid('main:b.yaml')], 100);
    expect(read.ok && read.answers[0] && 'content' in read.answers[0] && read.answers[0].content.toString()).toBe('b: 2\n');
    expect(cat.started).toBe(1);
  });

  it('past its byte budget, the request fails and git is killed; the next request gets a new process', async () => {
    const { cat, oid } = await repository();
    expect(await cat.contents([oid('main:big.txt')], 1_000)).toEqual({ ok: false, reason: 'git wrote more than 1000 bytes', overflow: true });
    const again = await cat.contents([oid('main:a.yaml')], 100);
    expect(again.ok).toBe(true);
    expect(cat.started).toBe(2);
  });

  it('asks only for object ids: a name with a newline (a second command) is refused unsent', async () => {
    const { cat, oid } = await repository();
    expect(await cat.info([`${oid('main')}\ncontents ${oid('main:a.yaml')}`])).toMatchObject({ ok: false, reason: expect.stringMatching(/^not an object id/) });
    expect(await cat.info(['main'])).toMatchObject({ ok: false });
    expect(cat.started).toBe(0);
  });

  it('once closed, fails every request', async () => {
    const { cat, oid } = await repository();
    expect((await cat.info([oid('main')])).ok).toBe(true);
    cat.close();
    expect(await cat.info([oid('main')])).toMatchObject({ ok: false, reason: expect.stringMatching(/stopped/) });
  });
});
