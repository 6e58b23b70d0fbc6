import { describe, expect, it } from 'vitest';
import { isLoopback, PlainHttpPolicy } from '../../src/registry/plain-http.js';
import { formatPlatform, normalisePlatform, parsePlatform, selectPlatform } from '../../src/registry/platform.js';

describe('platforms', () => {
  it('parses os/arch[/variant] and refuses anything else', () => {
    expect(parsePlatform('linux/amd64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(parsePlatform('Linux/ARM64/v8')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(() => parsePlatform('amd64')).toThrow('Expected a platform as os/arch[/variant], such as linux/amd64 or linux/arm64/v8, got `amd64`');
    expect(() => parsePlatform('linux/amd64/v1/x')).toThrow(TypeError);
    expect(formatPlatform({ os: 'linux', architecture: 'arm', variant: 'v7' })).toBe('linux/arm/v7');
  });

  it.each([
    [{ os: 'linux', architecture: 'x86_64' }, 'linux/amd64/v1'],
    [{ os: 'linux', architecture: 'aarch64' }, 'linux/arm64/v8'],
    [{ os: 'linux', architecture: 'arm64', variant: '8' }, 'linux/arm64/v8'],
    [{ os: 'linux', architecture: 'armhf' }, 'linux/arm/v7'],
    [{ os: 'linux', architecture: 'armel' }, 'linux/arm/v6'],
    [{ os: 'Windows', architecture: 'amd64' }, 'windows/amd64/v1'],
    [{ os: 'linux', architecture: 's390x' }, 'linux/s390x'],
  ])('normalises %j as containerd does', (p, expected) => {
    expect(formatPlatform(normalisePlatform(p))).toBe(expected);
  });

  it('chooses the first entry of the platform, never an attestation or an entry without platform', () => {
    const entries = [
      { id: 'none' },
      { id: 'attestation', platform: { os: 'unknown', architecture: 'unknown' } },
      { id: 'v3', platform: { os: 'linux', architecture: 'amd64', variant: 'v3' } },
      { id: 'amd64', platform: { os: 'linux', architecture: 'amd64' } },
      { id: 'arm64', platform: { os: 'linux', architecture: 'arm64' } },
      { id: 'amd64-again', platform: { os: 'linux', architecture: 'amd64' } },
    ];
    expect(selectPlatform(entries, { os: 'linux', architecture: 'amd64' })?.id).toBe('amd64');
    expect(selectPlatform(entries, { os: 'linux', architecture: 'amd64', variant: 'v3' })?.id).toBe('v3');
    expect(selectPlatform(entries, { os: 'linux', architecture: 'arm64', variant: 'v8' })?.id).toBe('arm64');
    expect(selectPlatform(entries, { os: 'linux', architecture: 'ppc64le' })).toBeUndefined();
  });
});

describe("Docker's plain-HTTP rule", () => {
  it.each([
    ['localhost', true],
    ['LOCALHOST', true],
    ['127.0.0.1', true],
    ['127.255.10.2', true],
    ['::1', true],
    ['[::1]', true],
    ['128.0.0.1', false],
    ['127.0.0.256', false],
    ['localhost.example.com', false],
    ['10.0.0.1', false],
    ['registry.example.com', false],
  ])('%s is loopback: %s', (host, expected) => {
    expect(isLoopback(host)).toBe(expected);
  });

  it('allows loopback registries on any port and declared hosts as declared', () => {
    const policy = new PlainHttpPolicy(['registry.example.com', 'Lab.example.com:5000']);
    expect(policy.allows('127.0.0.1:5000')).toBe(true);
    expect(policy.allows('localhost')).toBe(true);
    expect(policy.allows('[::1]:5000')).toBe(true);
    expect(policy.allows('registry.example.com:443')).toBe(true);
    expect(policy.allows('lab.example.com:5000')).toBe(true);
    expect(policy.allows('lab.example.com:5001')).toBe(false);
    expect(policy.allows('registry-1.docker.io')).toBe(false);
  });

  it('refuses a declared host that is no host', () => {
    expect(() => new PlainHttpPolicy(['http://registry.example.com'])).toThrow(
      'Expected each insecure registry to be HOST or HOST:PORT, got `http://registry.example.com`',
    );
  });
});
