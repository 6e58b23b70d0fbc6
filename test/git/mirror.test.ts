import { describe, expect, it } from 'vitest';
import { parseBatch, parseCommitObject, parseLsTree } from '../../src/git/mirror.js';

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
      parents: ['c'.repeat(40), 'd'.repeat(40)],
      info: { hash: OID, author: 'Ada Lovelace <ada@example.org>', time: '2026-03-02T09:00:00+01:00', subject: 'Scale web to two instances' },
    });
  });

  it('answers undefined for anything but a commit', () => {
    expect(parseCommitObject(Buffer.from(`${OID} missing\n`))).toBeUndefined();
    expect(parseCommitObject(Buffer.from(`${OID} tree 0\n\n`))).toBeUndefined();
  });
});

describe('parseLsTree and parseBatch', () => {
  it('read entries with sizes, paths with spaces and newlines included', () => {
    const text = `100644 blob ${OID}     120\tweb app.yaml\x00120000 blob ${OID}      10\tlink.yaml\x00160000 commit ${OID}       -\tsub\x00100644 blob ${OID}  3\ta\nb.yaml\x00`;
    expect(parseLsTree(text)).toEqual([
      { mode: '100644', type: 'blob', oid: OID, size: 120, path: 'web app.yaml' },
      { mode: '120000', type: 'blob', oid: OID, size: 10, path: 'link.yaml' },
      { mode: '160000', type: 'commit', oid: OID, size: undefined, path: 'sub' },
      { mode: '100644', type: 'blob', oid: OID, size: 3, path: 'a\nb.yaml' },
    ]);
  });

  it('splits cat-file --batch output by the sizes it announces, never by newlines in the content', () => {
    const other = 'e'.repeat(40);
    const out = Buffer.concat([Buffer.from(`${OID} blob 5\na\nb\nc\n`), Buffer.from(`${other} missing\n`)]);
    const parsed = parseBatch(out);
    expect(parsed.ok && [...parsed.blobs].map(([k, v]) => [k, v.toString()])).toEqual([[OID, 'a\nb\nc']]);
    expect(parseBatch(Buffer.from(`${OID} blob 50\nshort\n`))).toEqual({ ok: false, reason: 'git cat-file answered a truncated object' });
  });
});
