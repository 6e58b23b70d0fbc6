import { describe, expect, it } from 'vitest';
import type { TreeEntry } from '../../src/git/mirror.js';
import { resolveLink } from '../../src/sources/git-tree.js';

const entry = (path: string, oid: string, mode = '100644'): TreeEntry => ({ mode, type: 'blob', oid, size: 10, path });

describe('resolveLink', () => {
  const byPath = new Map(
    [
      entry('apps/web.yaml', 'w'),
      entry('alias.yaml', 'l1', '120000'),
      entry('up.yaml', 'l2', '120000'),
      entry('a.yaml', 'la', '120000'),
      entry('b.yaml', 'lb', '120000'),
    ].map((e) => [e.path, e]),
  );
  const targets = new Map(Object.entries({ l1: 'apps/web.yaml', l2: '../secret.yaml', la: 'b.yaml', lb: 'a.yaml' }).map(([k, v]) => [k, Buffer.from(v)]));

  it('follows a link to a file of the same tree, and refuses one leaving it or looping', () => {
    expect(resolveLink(byPath.get('alias.yaml') as TreeEntry, byPath, targets)).toMatchObject({ path: 'apps/web.yaml', oid: 'w' });
    expect(resolveLink(byPath.get('up.yaml') as TreeEntry, byPath, targets)).toMatchObject({ code: 'link-outside' });
    expect(resolveLink(byPath.get('a.yaml') as TreeEntry, byPath, targets)).toMatchObject({ code: 'link-loop' });
  });
});
