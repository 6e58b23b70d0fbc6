import { describe, expect, it } from 'vitest';
import { parseManifestText } from '../../src/manifest/parse.js';
import { folderSnapshot, type FolderFile, lastGood } from '../../src/sources/folder-snapshot.js';
import { manifestYaml, multiDoc } from '../helpers/manifests.js';

function file(rel: string, text: string, lastGoodIds: string[] = []): [string, FolderFile] {
  return [rel, { result: parseManifestText(text, rel), lastGoodIds }];
}

describe('folderSnapshot', () => {
  it('keeps the valid documents of a file whose other document is broken', () => {
    const text = multiDoc(manifestYaml({ name: 'good' }), manifestYaml({ name: 'bad', extra: '  instaces: 3' }));
    const snap = folderSnapshot(new Map([file('apps.yaml', text)]), { name: 'folder' });
    expect([...snap.apps.keys()]).toEqual(['/good']);
    expect([...snap.invalid.keys()]).toEqual(['/bad']);
    expect(snap.invalid.get('/bad')?.[0]?.message).toContain('instaces');
  });

  it('protects ids a file declared while it was last valid, even when nothing in it can be read now', () => {
    const snap = folderSnapshot(new Map([file('web.yaml', '{{{', ['/web', '/api'])]), { name: 'folder' });
    expect([...snap.invalid.keys()].sort()).toEqual(['/api', '/web']);
    expect([...snap.unknownSourceLabels]).toEqual(['file:web.yaml']);
  });

  it('keeps the hosts the last valid version of a broken file routed its apps at (heldHosts); a valid file holds none', () => {
    const routed = manifestYaml({ name: 'portal', extra: '  ports:\n    - name: http\n  expose:\n    host: portal.example' });
    const good = parseManifestText(routed, 'portal.yaml');
    const before: FolderFile = { result: good, ...lastGood(good, undefined) };
    expect(before.lastGoodHosts).toEqual(['portal.example']);
    expect(folderSnapshot(new Map([['portal.yaml', before]]), { name: 'folder' }).heldHosts).toBeUndefined();
    const broken = parseManifestText('{{{', 'portal.yaml');
    const after: FolderFile = { result: broken, ...lastGood(broken, before) };
    expect(after).toMatchObject({ lastGoodIds: ['/portal'], lastGoodHosts: ['portal.example'] });
    const snap = folderSnapshot(new Map([['portal.yaml', after]]), { name: 'folder' });
    expect(snap.heldHosts).toEqual(new Map([['portal.example', 'the apps of portal.yaml as its last valid version declared them (it is invalid now)']]));
    expect([...snap.invalid.keys()]).toEqual(['/portal']);
  });

  it('keeps the hosts of an app two files declare (heldHosts): in conflict, it runs on as it was, routed where it was', () => {
    const routed = manifestYaml({ name: 'portal', extra: '  ports:\n    - name: http\n  expose:\n    host: portal.example' });
    const files = new Map(
      ['portal.yaml', 'portal-copy.yaml'].map((rel) => {
        const result = parseManifestText(routed, rel);
        return [rel, { result, ...lastGood(result, undefined) }] as const;
      }),
    );
    const snap = folderSnapshot(files, { name: 'folder' });
    expect([...snap.conflicts.keys()]).toEqual(['/portal']);
    expect(snap.heldHosts).toEqual(new Map([['portal.example', '/portal, declared by portal.yaml and portal-copy.yaml (in conflict: it runs on as it was)']]));
  });

  it("names a git source's files git:, and protects apps labelled file: too (what it wrote before)", () => {
    const files = new Map([file('web.yaml', '{{{', ['/web'])]);
    const snap = folderSnapshot(files, { name: 'git' }, ['new.yaml'], [], 'git');
    expect([...snap.unknownSourceLabels].sort()).toEqual(['file:new.yaml', 'file:web.yaml', 'git:new.yaml', 'git:web.yaml']);
  });

  it('is Ready with no problems for a clean folder', () => {
    const snap = folderSnapshot(new Map([file('a.yaml', manifestYaml({ name: 'a' }))]), { name: 'folder' });
    expect(snap).toMatchObject({ state: 'Ready', problems: [] });
    expect(snap.lastError).toBeUndefined();
  });

  it('keeps what a file being written again declared, and names the file changing; a new file being written only protects', () => {
    const files = new Map([file('web.yaml', manifestYaml({ name: 'web' })), file('api.yaml', manifestYaml({ name: 'api' }))]);
    const snap = folderSnapshot(files, { name: 'folder' }, ['new.yaml'], ['web.yaml', 'new.yaml']);
    expect([...snap.apps.keys()].sort()).toEqual(['/api', '/web']);
    expect([...(snap.changing ?? [])]).toEqual(['web.yaml']);
    expect([...snap.unknownSourceLabels]).toEqual(['file:new.yaml']);
    expect(folderSnapshot(files, { name: 'folder' }).changing).toBeUndefined();
  });
});
