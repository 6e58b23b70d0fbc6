// How the folder source reads each file (src/manifest/reader.ts): whatever is wrong with a
// file, over a limit, refused at the boundary, or failing inside maracker, makes that
// file's apps invalid, never gone, and every other file keeps being applied.

import { spawnSync } from 'node:child_process';
import { rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/base/log.js';
import { INLINE_PARSER, type InputParser } from '../../src/manifest/input-parser.js';
import { DEFAULT_INPUT_LIMITS } from '../../src/manifest/limits.js';
import { refusedFile } from '../../src/manifest/parse.js';
import { FolderSource, type FolderSourceOptions } from '../../src/sources/folder.js';
import { manifestYaml } from '../helpers/manifests.js';
import { tempDir } from '../helpers/tmp.js';

const sources: FolderSource[] = [];
afterEach(async () => {
  while (sources.length > 0) await sources.pop()?.stop();
});

async function started(dir: string, options: Partial<FolderSourceOptions> = {}): Promise<FolderSource> {
  // Rescans only (watch off): each step below is one explicit resync.
  const source = new FolderSource({ dir, displayRoot: '', logger: silentLogger(), watch: false, ...options });
  sources.push(source);
  await source.start(() => undefined);
  return source;
}

async function folder(): Promise<string> {
  const dir = await tempDir();
  await writeFile(join(dir, 'web.yaml'), manifestYaml({ name: 'web', group: 'demo' }));
  await writeFile(join(dir, 'other.yaml'), manifestYaml({ name: 'other', group: 'demo' }));
  return dir;
}

describe('FolderSource reading files', () => {
  it('keeps the apps of a file grown over --max-file-bytes invalid, never gone, and applies the others', async () => {
    const dir = await folder();
    const source = await started(dir, { limits: { ...DEFAULT_INPUT_LIMITS, maxFileBytes: 4096 } });
    expect(source.snapshot().apps.has('/demo/web')).toBe(true);
    await writeFile(join(dir, 'web.yaml'), `${manifestYaml({ name: 'web', group: 'demo' })}# ${'x'.repeat(5000)}\n`);
    await source.resync();
    const snap = source.snapshot();
    expect(snap.apps.has('/demo/web')).toBe(false);
    expect(snap.invalid.get('/demo/web')?.map((p) => p.code)).toEqual(['limit-exceeded']);
    expect(snap.unknownSourceLabels.has('file:web.yaml')).toBe(true);
    expect(snap.apps.has('/demo/other')).toBe(true);
  });

  it('keeps the apps of a file replaced by a FIFO invalid, never gone, without blocking', async () => {
    const dir = await folder();
    const source = await started(dir);
    await rm(join(dir, 'web.yaml'));
    expect(spawnSync('mkfifo', [join(dir, 'web.yaml')]).status).toBe(0);
    await source.resync();
    expect(
      source
        .snapshot()
        .invalid.get('/demo/web')
        ?.map((p) => p.code),
    ).toEqual(['not-a-file']);
    expect(source.snapshot().apps.has('/demo/other')).toBe(true);
  });

  it('keeps the apps of a file replaced by a link out of the folder invalid, and never reads the target', async () => {
    const dir = await folder();
    const outside = await tempDir();
    await writeFile(join(outside, 'secret.yaml'), manifestYaml({ name: 'stolen', group: 'demo' }));
    const source = await started(dir);
    await rm(join(dir, 'web.yaml'));
    await symlink(join(outside, 'secret.yaml'), join(dir, 'web.yaml'));
    await source.resync();
    const snap = source.snapshot();
    expect(snap.invalid.get('/demo/web')?.map((p) => p.message)).toEqual(['symbolic link to a place outside the manifests folder; not read']);
    expect(snap.apps.has('/demo/stolen')).toBe(false);
  });

  it('reads a file again at the next rescan when maracker failed on it, although it did not change', async () => {
    const dir = await folder();
    let failures = 1;
    const flaky: InputParser = {
      ...INLINE_PARSER,
      parseFile: (text, file, opts) =>
        file === 'web.yaml' && failures-- > 0
          ? Promise.resolve(refusedFile(file, file, 'internal-error', "maracker's parser thread failed on this input (Error); not applied"))
          : INLINE_PARSER.parseFile(text, file, opts),
    };
    const source = await started(dir, { parser: flaky });
    expect(source.snapshot().apps.has('/demo/web')).toBe(false);
    expect(source.snapshot().unknownSourceLabels.has('file:web.yaml')).toBe(true);
    await source.resync();
    expect(source.snapshot().apps.has('/demo/web')).toBe(true);
  });
});
