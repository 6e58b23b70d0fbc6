import { execFileSync } from 'node:child_process';
import { rename, rm, symlink, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CredentialStore } from '../../src/registry/credentials.js';
import { readDockerConfig } from '../../src/registry/docker-config.js';
import { DockerConfigFile } from '../../src/registry/docker-config-file.js';
import { RegistryCredentialsError } from '../../src/registry/errors.js';
import { tempDir } from '../helpers/tmp.js';

const REGISTRY = 'registry.lab.example:5000';
const configText = (password: string): string => JSON.stringify({ auths: { [REGISTRY]: { auth: Buffer.from(`ci:${password}`).toString('base64') } } });

/** A followed file whose reads are counted. */
async function followed(path: string, required = true): Promise<{ file: DockerConfigFile; reads: () => number }> {
  let reads = 0;
  const file = await DockerConfigFile.open({
    path,
    required,
    read: (p) => {
      reads++;
      return readDockerConfig(p);
    },
  });
  return { file, reads: () => reads };
}

const password = (file: DockerConfigFile): string | undefined => new CredentialStore([], file).lookup(REGISTRY).credentials?.password;

describe('DockerConfigFile', () => {
  it('uses credentials rotated in the file, reading it again only when it changed', async () => {
    const dir = await tempDir();
    const path = join(dir, 'config.json');
    await writeFile(path, configText('first-token'));
    const { file, reads } = await followed(path);
    expect(password(file)).toBe('first-token');

    await file.refresh();
    await file.refresh();
    expect(reads()).toBe(1);

    await writeFile(path, configText('second-token'));
    await file.refresh();
    expect(password(file)).toBe('second-token');
    expect(file.problem).toBeUndefined();
    expect(reads()).toBe(2);
  });

  it('follows a Kubernetes secret volume: a symlink swapped to a new folder', async () => {
    const dir = await tempDir();
    for (const [name, token] of [
      ['v1', 'first-token'],
      ['v2', 'second-token'],
    ] as const) {
      await mkdir(join(dir, name));
      await writeFile(join(dir, name, 'config.json'), configText(token));
    }
    await symlink('v1', join(dir, '..data'));
    await symlink('..data/config.json', join(dir, 'config.json'));
    const { file } = await followed(join(dir, 'config.json'));
    expect(password(file)).toBe('first-token');

    // What the kubelet does: a new ..data link renamed over the old one.
    await symlink('v2', join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    await file.refresh();
    expect(password(file)).toBe('second-token');
  });

  it('keeps the last credentials while the file is half-written, says where it is broken but never what it holds, and recovers', async () => {
    const dir = await tempDir();
    const path = join(dir, 'config.json');
    await writeFile(path, configText('first-token'));
    const { file } = await followed(path);

    // Cut inside the new token: the part written must not show anywhere.
    const half = configText('second-token').slice(0, -8);
    const written = Buffer.from('ci:second-token').toString('base64').slice(0, 12);
    expect(half).toContain(written);
    await writeFile(path, half);
    await file.refresh();
    expect(password(file)).toBe('first-token');
    expect(file.problem).toMatch(/^not valid JSON/);
    const lookup = new CredentialStore([], file).lookup(REGISTRY);
    expect(lookup.hint).toBe(
      `the credentials of ${path} for ${REGISTRY} were refused; ${path} could not be read again (${file.problem}), so the credentials it held before are used`,
    );
    expect(lookup.hint).not.toContain(written);

    await writeFile(path, configText('second-token'));
    await file.refresh();
    expect([password(file), file.problem]).toEqual(['second-token', undefined]);
  });

  it('keeps the credentials of a file given explicitly while it is absent, and says so', async () => {
    const dir = await tempDir();
    const path = join(dir, 'config.json');
    await writeFile(path, configText('first-token'));
    const { file } = await followed(path);
    await rm(path);
    await file.refresh();
    expect([password(file), file.problem]).toEqual(['first-token', 'no such file']);
    // A FIFO in its place is refused at once (a read would wait for a writer for good).
    execFileSync('mkfifo', [path]);
    await file.refresh();
    expect([password(file), file.problem]).toEqual(['first-token', 'is not a regular file']);
    await rm(path);
    await writeFile(path, configText('third-token'));
    await file.refresh();
    expect([password(file), file.problem]).toEqual(['third-token', undefined]);
  });

  it('treats the default file as at start: absent means no credentials and no problem, created later means read', async () => {
    const dir = await tempDir();
    const path = join(dir, 'config.json');
    const { file } = await followed(path, false);
    expect([file.config, file.problem]).toEqual([undefined, undefined]);
    expect(new CredentialStore([], file).lookup(REGISTRY).hint).toBe(`no credentials were given for ${REGISTRY}`);

    await writeFile(path, configText('first-token'));
    await file.refresh();
    expect(password(file)).toBe('first-token');

    await rm(path);
    await file.refresh();
    expect([file.config, file.problem]).toEqual([undefined, undefined]);
  });

  it('still refuses at start a file given explicitly that is absent or invalid', async () => {
    const dir = await tempDir();
    const path = join(dir, 'config.json');
    await expect(DockerConfigFile.open({ path, required: true })).rejects.toThrow(RegistryCredentialsError);
    await writeFile(path, '{"auths":');
    await expect(DockerConfigFile.open({ path, required: false })).rejects.toThrow(`${path}: not valid JSON`);
  });

  it('shares one look between reads that ask at the same time', async () => {
    const dir = await tempDir();
    const path = join(dir, 'config.json');
    await writeFile(path, configText('first-token'));
    const { file, reads } = await followed(path);
    await writeFile(path, configText('second-token'));
    await Promise.all([file.refresh(), file.refresh(), file.refresh()]);
    expect(reads()).toBe(2);
    expect(password(file)).toBe('second-token');
  });
});
