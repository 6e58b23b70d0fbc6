import { describe, expect, it } from 'vitest';
import { parseCommitObject } from '../../src/git/mirror.js';
import { parseTreeObject } from '../../src/git/tree.js';

const OID = 'a'.repeat(40);

describe('parseCommitObject', () => {
  it("reads the id, the parents and git's %an <%ae>, %aI and %s", () => {
    const body = [
      `tree ${'b'.repeat(40)}`,
      `parent ${'c'.repeat(40)}`,
      `parent ${'d'.repeat(40)}`,
      'author Ada Lovelace <ada@example.org> 1772438400 +0100',
      'committer CI <ci@example.org> 1772438460 +0000',
      '',
      'Scale web',
      'to two instances',
      '',
      'Body text.',
      '',
    ].join('\n');
    const buf = Buffer.from(`${OID} commit ${Buffer.byteLength(body)}\n${body}\n`);
    expect(parseCommitObject(buf)).toEqual({
      hash: OID,
      tree: 'b'.repeat(40),
      parents: ['c'.repeat(40), 'd'.repeat(40)],
      info: { hash: OID, author: 'Ada Lovelace <ada@example.org>', time: '2026-03-02T09:00:00+01:00', subject: 'Scale web to two instances' },
    });
  });

  it('answers undefined for anything but a commit', () => {
    expect(parseCommitObject(Buffer.from(`${OID} missing\n`))).toBeUndefined();
    expect(parseCommitObject(Buffer.from(`${OID} tree 0\n\n`))).toBeUndefined();
  });
});

describe('parseTreeObject', () => {
  const raw = (hex: string): Buffer => Buffer.from(hex, 'hex');
  const entry = (mode: string, name: string, oid: string): Buffer => Buffer.concat([Buffer.from(`${mode} ${name}\0`), raw(oid)]);

  it('reads modes as ls-tree prints them, types from the mode, names with spaces and newlines, raw ids as hex', () => {
    const tree = Buffer.concat([
      entry('100644', 'web app.yaml', OID),
      entry('120000', 'link.yaml', 'b'.repeat(40)),
      entry('160000', 'sub', 'c'.repeat(40)),
      entry('40000', 'group', 'd'.repeat(40)),
      entry('100755', 'a\nb.yaml', 'e'.repeat(40)),
    ]);
    expect(parseTreeObject(tree, 20)).toEqual([
      { mode: '100644', type: 'blob', name: 'web app.yaml', oid: OID },
      { mode: '120000', type: 'blob', name: 'link.yaml', oid: 'b'.repeat(40) },
      { mode: '160000', type: 'commit', name: 'sub', oid: 'c'.repeat(40) },
      { mode: '040000', type: 'tree', name: 'group', oid: 'd'.repeat(40) },
      { mode: '100755', type: 'blob', name: 'a\nb.yaml', oid: 'e'.repeat(40) },
    ]);
  });

  it('reads SHA-256 ids (32 bytes)', () => {
    expect(parseTreeObject(entry('100644', 'x.yaml', 'f'.repeat(64)), 32)).toEqual([{ mode: '100644', type: 'blob', name: 'x.yaml', oid: 'f'.repeat(64) }]);
  });

  it('answers undefined for a truncated or malformed tree, never a partial listing', () => {
    const whole = entry('100644', 'x.yaml', OID);
    expect(parseTreeObject(whole.subarray(0, whole.length - 1), 20)).toBeUndefined();
    expect(parseTreeObject(Buffer.from('100644 no-nul'), 20)).toBeUndefined();
    expect(parseTreeObject(entry('10x644', 'x.yaml', OID), 20)).toBeUndefined();
    expect(parseTreeObject(Buffer.alloc(0), 20)).toEqual([]);
  });
});
