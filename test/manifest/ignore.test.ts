import { describe, expect, it } from 'vitest';
import { isIgnoredPath, isManifestPath } from '../../src/manifest/ignore.js';

describe('isIgnoredPath', () => {
  it.each([
    '.hidden.yaml',
    '.git/config',
    'team/.drafts/web.yaml',
    'web.yaml~',
    '#web.yaml#',
    '.#web.yaml',
    'web.yaml.swp',
    'web.yaml.swx',
    'web.yaml.tmp',
    'web.yaml.bak',
    'web.yaml.orig',
    'team/4913',
    'web.yaml.part',
    'web.yaml.crdownload',
  ])('ignores %s', (path) => {
    expect(isIgnoredPath(path)).toBe(true);
  });

  it.each(['web.yaml', 'team/web.yml', 'a.b/c.yaml', 'README.md', 'team'])('keeps %s', (path) => {
    expect(isIgnoredPath(path)).toBe(false);
  });
});

describe('isManifestPath', () => {
  it('counts only .yaml and .yml files that are not ignored', () => {
    expect(['web.yaml', 'team/web.yml', 'README.md', 'web.json', '.web.yaml', 'web.yaml.bak'].filter(isManifestPath)).toEqual(['web.yaml', 'team/web.yml']);
  });
});
