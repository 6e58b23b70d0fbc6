import { describe, expect, it } from 'vitest';
import { RegistryReferenceError } from '../../src/registry/errors.js';
import { formatReference, normaliseRegistryKey, parseImageReference, pinnedReference, referenceTarget, registryApiHost } from '../../src/registry/reference.js';

const SHA = `sha256:${'a'.repeat(64)}`;

function reason(input: string): string {
  try {
    parseImageReference(input);
  } catch (err) {
    expect(err).toBeInstanceOf(RegistryReferenceError);
    expect((err as RegistryReferenceError).code).toBe('MRK_REGISTRY_REFERENCE_INVALID');
    expect((err as RegistryReferenceError).message).toContain(JSON.stringify(input));
    return (err as RegistryReferenceError).reason;
  }
  throw new Error(`${input} was accepted`);
}

describe('parseImageReference normalises as Docker does', () => {
  it.each([
    ['nginx', 'docker.io/library/nginx:latest'],
    ['nginx:1.25', 'docker.io/library/nginx:1.25'],
    ['emilevauge/whoami', 'docker.io/emilevauge/whoami:latest'],
    ['docker.io/nginx', 'docker.io/library/nginx:latest'],
    ['index.docker.io/library/nginx:1', 'docker.io/library/nginx:1'],
    ['hbpmip/portal-frontend:2.1.0', 'docker.io/hbpmip/portal-frontend:2.1.0'],
    ['a/b/c', 'docker.io/a/b/c:latest'],
    ['registry.example.com/team/app', 'registry.example.com/team/app:latest'],
    ['registry.example.com:5000/team/app:1.0', 'registry.example.com:5000/team/app:1.0'],
    ['localhost/app', 'localhost/app:latest'],
    ['localhost:5000/app:dev', 'localhost:5000/app:dev'],
    ['127.0.0.1:5000/app', '127.0.0.1:5000/app:latest'],
    ['[::1]:5000/app', '[::1]:5000/app:latest'],
    ['Registry/app', 'Registry/app:latest'],
    ['my_app/x__y/a-b.c--d', 'docker.io/my_app/x__y/a-b.c--d:latest'],
    // Docker's own quirk, kept: a bare "host:port" is a Docker Hub name with a tag.
    ['localhost:5000', 'docker.io/library/localhost:5000'],
  ])('%s → %s', (input, canonical) => {
    expect(formatReference(parseImageReference(input))).toBe(canonical);
  });

  it('keeps a digest, adds no default tag to it, and resolves the digest rather than the tag', () => {
    const pinned = parseImageReference(`nginx@${SHA}`);
    expect(pinned).toEqual({ registry: 'docker.io', repository: 'library/nginx', digest: SHA });
    expect(referenceTarget(pinned)).toBe(SHA);
    const both = parseImageReference(`registry.example.com/app:1.0@${SHA}`);
    expect(both).toEqual({ registry: 'registry.example.com', repository: 'app', tag: '1.0', digest: SHA });
    expect(referenceTarget(both)).toBe(SHA);
    expect(pinnedReference(both, SHA)).toBe(`registry.example.com/app@${SHA}`);
    expect(referenceTarget(parseImageReference('nginx'))).toBe('latest');
  });

  it('accepts sha512 digests of the right length', () => {
    expect(parseImageReference(`app@sha512:${'b'.repeat(128)}`).digest).toBe(`sha512:${'b'.repeat(128)}`);
  });
});

describe('parseImageReference rejects what Docker rejects, saying which rule', () => {
  it.each([
    ['', 'it is empty'],
    ['a'.repeat(64), 'a 64-digit hexadecimal image id is not a reference; name the repository'],
    ['Nginx', 'repository name "library/Nginx" must be lowercase'],
    ['docker.io/Team/app', 'repository name "Team/app" must be lowercase'],
    ['registry.example.com/Team/app', 'repository name "Team/app" must be lowercase'],
    ['app:', 'tag "" is invalid: 1 to 128 letters, digits, "_", "." or "-", not starting with "." or "-"'],
    ['app:.hidden', 'tag ".hidden" is invalid: 1 to 128 letters, digits, "_", "." or "-", not starting with "." or "-"'],
    [`app:${'t'.repeat(129)}`, `tag "${'t'.repeat(129)}" is invalid: 1 to 128 letters, digits, "_", "." or "-", not starting with "." or "-"`],
    ['app:v1:v2', 'tag "v1:v2" is invalid: 1 to 128 letters, digits, "_", "." or "-", not starting with "." or "-"'],
    ['app@sha256:abc', 'digest "sha256:abc" is invalid: expected ALGORITHM:HEX, e.g. sha256: followed by 64 hexadecimal digits'],
    [`app@md5:${'a'.repeat(32)}`, `digest "md5:${'a'.repeat(32)}" is invalid: unsupported algorithm "md5" (supported: sha256, sha384, sha512)`],
    [`app@sha256:${'a'.repeat(63)}0a`, `digest "sha256:${'a'.repeat(63)}0a" is invalid: a sha256 digest has 64 hexadecimal digits, this one has 65`],
    [`app@sha256:${'A'.repeat(64)}`, `digest "sha256:${'A'.repeat(64)}" is invalid: hexadecimal digits must be lowercase`],
    [`app@${SHA}@${SHA}`, `digest "${SHA}@${SHA}" is invalid: expected ALGORITHM:HEX, e.g. sha256: followed by 64 hexadecimal digits`],
    [':tag', 'the repository name is empty'],
    ['team//app', 'repository "team//app" has an empty path component (a leading, trailing or double "/")'],
    ['team/app/', 'repository "team/app/" has an empty path component (a leading, trailing or double "/")'],
    ['team/-app', 'repository path component "-app" is invalid: lowercase letters and digits, separated by one ".", one or two "_", or any number of "-"'],
    ['team/a..b', 'repository path component "a..b" is invalid: lowercase letters and digits, separated by one ".", one or two "_", or any number of "-"'],
    ['team/a___b', 'repository path component "a___b" is invalid: lowercase letters and digits, separated by one ".", one or two "_", or any number of "-"'],
    ['team/my app', 'repository path component "my app" is invalid: lowercase letters and digits, separated by one ".", one or two "_", or any number of "-"'],
    [
      '-bad.example.com/app',
      'registry "-bad.example.com" is invalid: expected a host name (letters, digits, "-" inside, "." between labels), an IPv4 address or [IPv6], then an optional :port',
    ],
    ['registry.example.com:http/app', 'registry "registry.example.com:http" is invalid: port "http" is not a number'],
    ['registry.example.com:70000/app', 'registry "registry.example.com:70000" is invalid: port 70000 is not between 1 and 65535'],
    [`registry.example.com/${'a'.repeat(256)}`, 'the repository name is 256 characters long, at most 255 are allowed'],
  ])('%j: %s', (input, expected) => {
    expect(reason(input)).toBe(expected);
  });
});

describe('registry hosts and credential keys', () => {
  it('talks to registry-1.docker.io for Docker Hub and to the named host otherwise', () => {
    expect(registryApiHost('docker.io')).toBe('registry-1.docker.io');
    expect(registryApiHost('registry.example.com:5000')).toBe('registry.example.com:5000');
  });

  it.each([
    ['https://index.docker.io/v1/', 'docker.io'],
    ['index.docker.io', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
    ['docker.io', 'docker.io'],
    ['https://Registry.Example.com:5000/v2/', 'registry.example.com:5000'],
    ['http://localhost:5000', 'localhost:5000'],
    ['registry.example.com', 'registry.example.com'],
  ])('config.json key %s names %s', (key, registry) => {
    expect(normaliseRegistryKey(key)).toBe(registry);
  });
});
