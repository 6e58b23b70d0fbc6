// The identity of the running code: the same tree hashes the same wherever it lies, and any
// change to a module or a schema gives another identity.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeIdentity, hashCode } from '../../src/base/code-identity.js';
import { tempDir } from '../helpers/tmp.js';

async function tree(files: Record<string, string>): Promise<string> {
  const root = await tempDir();
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(join(root, rel, '..'), { recursive: true });
    await writeFile(join(root, rel), text);
  }
  return join(root, 'src');
}

const base = { 'src/a.js': 'a', 'src/manifest/b.js': 'b', 'schemas/app.schema.json': '{}', 'src/notes.md': 'x' };

describe('code identity', () => {
  it('is the same for the same tree, wherever it lies', async () => {
    expect(hashCode(await tree(base))).toBe(hashCode(await tree(base)));
  });

  it('changes with any module, any schema, and a module added', async () => {
    const h = hashCode(await tree(base));
    expect(hashCode(await tree({ ...base, 'src/manifest/b.js': 'b2' }))).not.toBe(h);
    expect(hashCode(await tree({ ...base, 'schemas/app.schema.json': '{"x":1}' }))).not.toBe(h);
    expect(hashCode(await tree({ ...base, 'src/c.ts': 'c' }))).not.toBe(h);
  });

  it('does not change with files that are not code', async () => {
    expect(hashCode(await tree({ ...base, 'src/notes.md': 'y', 'src/a.d.ts': 'declare' }))).toBe(hashCode(await tree(base)));
  });

  it('of this process is computed once', () => {
    expect(codeIdentity()).toMatch(/^[0-9a-f]{64}$/);
    expect(codeIdentity()).toBe(codeIdentity());
  });
});
