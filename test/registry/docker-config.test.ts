import { describe, expect, it } from 'vitest';
import { CredentialStore } from '../../src/registry/credentials.js';
import { defaultDockerConfigPath, parseDockerConfig, readDockerConfig } from '../../src/registry/docker-config.js';
import { RegistryCredentialsError } from '../../src/registry/errors.js';
import { tempDir } from '../helpers/tmp.js';

const FILE = '/home/ci/.docker/config.json';
const b64 = (s: string): string => Buffer.from(s).toString('base64');

function problem(text: string): RegistryCredentialsError {
  try {
    parseDockerConfig(text, FILE);
  } catch (err) {
    expect(err).toBeInstanceOf(RegistryCredentialsError);
    return err as RegistryCredentialsError;
  }
  throw new Error('accepted');
}

describe('parseDockerConfig', () => {
  it('reads `auth` (base64 of user:password) and `username`/`password` entries, under normalised registry keys', () => {
    const config = parseDockerConfig(
      JSON.stringify({
        auths: {
          'https://index.docker.io/v1/': { auth: b64('hub-user:hub:pass') },
          'registry.example.com:5000': { username: 'ci', password: 'pw' },
          'https://Other.Example.com/v2/': { auth: b64('x:y'), username: 'ignored', password: 'ignored' },
        },
      }),
      FILE,
    );
    expect(Object.fromEntries(config.auths)).toEqual({
      'docker.io': { username: 'hub-user', password: 'hub:pass' },
      'registry.example.com:5000': { username: 'ci', password: 'pw' },
      'other.example.com': { username: 'x', password: 'y' },
    });
  });

  it('keeps the helpers it will not run, and entries without credentials, to explain later', () => {
    const config = parseDockerConfig(
      JSON.stringify({ auths: { 'ghcr.io': {}, 'quay.io': { identitytoken: 'refresh-token' } }, credsStore: 'desktop', credHelpers: { 'gcr.io': 'gcloud' } }),
      FILE,
    );
    expect(config.credsStore).toBe('desktop');
    expect(Object.fromEntries(config.credHelpers)).toEqual({ 'gcr.io': 'gcloud' });
    expect(Object.fromEntries(config.unusable)).toEqual({ 'ghcr.io': 'no credentials', 'quay.io': 'an identity token (OAuth), which maracker does not use' });
  });

  it.each([
    ['{"auths": {"a.example.com": {"auth": "c2VjcmV0LXdpdGhvdXQtY29sb24="}}}', `${FILE}: auths["a.example.com"].auth is not base64 of "username:password"`],
    ['{"auths": {"a.example.com": {"auth": "not base64 s3cret!"}}}', `${FILE}: auths["a.example.com"].auth is not base64 of "username:password"`],
    // Where JSON.parse says it stopped depends on the Node version: only that it is said.
    ['{"auths": {"a.example.com": {"auth": "s3cret', /^\/home\/ci\/\.docker\/config\.json: not valid JSON( \(at character \d+\))?$/],
    ['[]', `${FILE}: not a JSON object`],
    ['{"auths": []}', `${FILE}: \`auths\` is not an object`],
    ['{"auths": {"a.example.com": "s3cret"}}', `${FILE}: auths["a.example.com"] is not an object`],
  ])('refuses %s without quoting any secret', (text: string, message: string | RegExp) => {
    const err = problem(text);
    expect(err.code).toBe('MRK_REGISTRY_CREDENTIALS_INVALID');
    if (typeof message === 'string') expect(err.message).toBe(message);
    else expect(err.message).toMatch(message);
    expect(err.message).not.toContain('s3cret');
    expect(err.message).not.toContain('c2VjcmV0');
  });

  it('finds the file where Docker does', () => {
    expect(defaultDockerConfigPath({ DOCKER_CONFIG: '/etc/docker-ci', HOME: '/root' })).toBe('/etc/docker-ci/config.json');
    expect(defaultDockerConfigPath({ HOME: '/root' })).toBe('/root/.docker/config.json');
    expect(defaultDockerConfigPath({})).toBeUndefined();
  });

  it('reads a file, and says when it is missing', async () => {
    const dir = await tempDir();
    await expect(readDockerConfig(`${dir}/none.json`)).rejects.toThrow(`${dir}/none.json: no such file`);
  });
});

describe('CredentialStore', () => {
  const config = parseDockerConfig(JSON.stringify({ auths: { 'registry.example.com': { auth: b64('file-user:file-pw') } } }), FILE);

  it('prefers credentials given explicitly to config.json, and matches Docker Hub by any of its names', () => {
    const store = new CredentialStore(
      [
        { registry: 'registry.example.com', username: 'opt-user', password: 'opt-pw' },
        { registry: 'index.docker.io', username: 'hub', password: 'hub-pw' },
      ],
      config,
    );
    expect(store.lookup('registry.example.com')).toMatchObject({ credentials: { username: 'opt-user', password: 'opt-pw' }, source: 'options' });
    expect(store.lookup('docker.io').credentials).toEqual({ username: 'hub', password: 'hub-pw' });
    expect(store.lookup('registry-1.docker.io').credentials).toEqual({ username: 'hub', password: 'hub-pw' });
    expect(new CredentialStore([], config).lookup('Registry.Example.com')).toMatchObject({ credentials: { username: 'file-user' }, source: FILE });
  });

  it('gives nothing to a registry it holds nothing for, and says so', () => {
    expect(new CredentialStore([], config).lookup('other.example.com')).toEqual({
      hint: `neither the options nor ${FILE} hold credentials for other.example.com`,
    });
    expect(new CredentialStore().lookup('other.example.com')).toEqual({ hint: 'no credentials were given for other.example.com' });
  });

  it('uses an auths entry over credsStore, but never over a credential helper named for the registry', () => {
    const both = parseDockerConfig(
      JSON.stringify({
        auths: { 'a.example.com': { auth: b64('u:p') }, 'b.example.com': { auth: b64('u:p') } },
        credsStore: 'desktop',
        credHelpers: { 'b.example.com': 'ecr-login' },
      }),
      FILE,
    );
    const store = new CredentialStore([], both);
    expect(store.lookup('a.example.com').credentials).toEqual({ username: 'u', password: 'p' });
    expect(store.lookup('b.example.com').credentials).toBeUndefined();
    expect(store.lookup('c.example.com').hint).toContain('docker-credential-desktop, which maracker does not run');
  });

  it.each([
    [{ registry: 'bad host/x', username: 'u', password: 'p' }, 'credentials for registry "bad host/x"'],
    [{ registry: 'r.example.com', username: '', password: 'p' }, 'credentials for registry r.example.com: the username is empty'],
    [
      { registry: 'r.example.com', username: 'a:b', password: 'p' },
      'credentials for registry r.example.com: the username contains ":" (HTTP basic forbids it)',
    ],
  ])('refuses credentials that cannot work: %j', (credential, message) => {
    expect(() => new CredentialStore([credential])).toThrow(message);
  });

  it('lists its secrets, in clear and as basic-auth encodings, for redaction', () => {
    expect(new CredentialStore([{ registry: 'r.example.com', username: 'u', password: 'pw-1' }]).secrets()).toEqual(['pw-1', b64('u:pw-1')]);
  });
});
