import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../src/config/options.js';
import { buildRegistryConfig, REGISTRY_OPTIONS } from '../../src/config/registry.js';

function config(argv: string[], env: Record<string, string> = {}, registries: string[] = ['registry.example.com']) {
  return buildRegistryConfig(parseOptions(REGISTRY_OPTIONS, argv, env).values, env, registries);
}

function problems(argv: string[], env: Record<string, string> = {}, registries: string[] = ['registry.example.com']): string[] {
  try {
    config(argv, env, registries);
  } catch (err) {
    return (err as { problems: string[] }).problems;
  }
  throw new Error('accepted');
}

describe('registry configuration', () => {
  it('has defaults: linux/amd64, 10 s, no credentials, Docker’s config.json when there is a home', () => {
    expect(config([], { HOME: '/home/ci' })).toEqual({
      platform: { os: 'linux', architecture: 'amd64' },
      timeoutMs: 10_000,
      insecureRegistries: [],
      credentials: [],
      dockerConfig: { path: '/home/ci/.docker/config.json', required: false },
    });
    expect(config([], {}).dockerConfig).toBeNull();
    expect(config(['--docker-config', 'none'], { HOME: '/home/ci' }).dockerConfig).toBeNull();
    expect(config(['--docker-config', '/etc/ci/config.json']).dockerConfig).toEqual({ path: '/etc/ci/config.json', required: true });
    expect(config([], { DOCKER_CONFIG: '/etc/docker-ci', HOME: '/root' }).dockerConfig).toEqual({ path: '/etc/docker-ci/config.json', required: false });
  });

  it('gives the credentials to the one registry the images name, or to --registry-host', () => {
    expect(config(['--registry-username', 'ci'], { MARACKER_REGISTRY_PASSWORD: 'pw' }).credentials).toEqual([
      { registry: 'registry.example.com', username: 'ci', password: 'pw' },
    ]);
  });

  it.each([
    [
      ['--registry-username', 'ci', '--registry-password', 'pw'],
      ['registry.example.com', 'docker.io'],
      '--registry-host: the images are on several registries (registry.example.com, docker.io); say which one the username and password are for',
    ],
    [['--registry-username', 'ci'], ['registry.example.com'], '--registry-username needs --registry-password (or MARACKER_REGISTRY_PASSWORD)'],
    [['--registry-password', 'pw'], ['registry.example.com'], '--registry-password needs --registry-username'],
    [['--registry-host', 'registry.example.com'], ['registry.example.com'], '--registry-host names the registry of --registry-username, which is not given'],
    [
      ['--platform', 'amd64'],
      ['registry.example.com'],
      '--platform: Expected a platform as os/arch[/variant], such as linux/amd64 or linux/arm64/v8, got `amd64`',
    ],
    [
      ['--insecure-registry', 'http://lab:5000'],
      ['registry.example.com'],
      '--insecure-registry: Expected each insecure registry to be HOST or HOST:PORT, got `http://lab:5000`: no scheme, the host alone',
    ],
  ])('refuses %j', (argv, registries, message) => {
    expect(problems(argv, {}, registries)).toEqual([message]);
  });

  it('names the registry explicitly when the images span several, Docker Hub by any of its names', () => {
    const c = config(['--registry-username', 'ci', '--registry-host', 'index.docker.io'], { MARACKER_REGISTRY_PASSWORD: 'pw' }, [
      'registry.example.com',
      'docker.io',
    ]);
    expect(c.credentials).toEqual([{ registry: 'docker.io', username: 'ci', password: 'pw' }]);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads repeated and comma-separated insecure registries', () => {
    expect(config(['--insecure-registry', 'a.example.com', '--insecure-registry', 'b.example.com:5000,c.example.com']).insecureRegistries).toEqual([
      'a.example.com',
      'b.example.com:5000',
      'c.example.com',
    ]);
  });
});
