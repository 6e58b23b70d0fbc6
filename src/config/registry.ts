// Registry access options (`maracker image ...`; later the daemon): declared once as option
// specs, validated into one frozen object. Credentials given as options are for one registry
// only (--registry-host, or the one registry the images name): a password must never reach
// another registry because an image there was read in the same run.

import { ConfigError, type OptionSpec, type OptionValues } from './options.js';
import type { Env } from '../base/env.js';
import { DEFAULT_PLATFORM, formatPlatform, parsePlatform, type Platform } from '../registry/platform.js';
import { PlainHttpPolicy } from '../registry/plain-http.js';
import { defaultDockerConfigPath } from '../registry/docker-config.js';
import { hostProblem, normaliseRegistryKey } from '../registry/reference.js';
import { REGISTRY_DEFAULTS } from '../registry/options.js';

export const REGISTRY_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'registry-username',
    type: 'string',
    env: 'MARACKER_REGISTRY_USERNAME',
    description: 'Username for the registry of --registry-host (HTTP basic, or to obtain a bearer token)',
  },
  {
    name: 'registry-password',
    type: 'string',
    env: 'MARACKER_REGISTRY_PASSWORD',
    secret: true,
    description: 'Password for --registry-username (prefer the variable: a flag shows in the process list)',
  },
  {
    name: 'registry-host',
    type: 'string',
    env: 'MARACKER_REGISTRY_HOST',
    description:
      'Registry (HOST[:PORT], docker.io for Docker Hub) the username and password are for; default: the registry of the IMAGEs when they all name one',
  },
  {
    name: 'docker-config',
    type: 'string',
    env: 'MARACKER_DOCKER_CONFIG',
    description:
      'Docker config.json whose `auths` give credentials ("none" reads none), read again whenever it changes; default: $DOCKER_CONFIG/config.json or ~/.docker/config.json when it exists',
  },
  {
    name: 'insecure-registry',
    type: 'list',
    env: 'MARACKER_INSECURE_REGISTRIES',
    default: [],
    description: 'HOST or HOST:PORT that may be reached over plain HTTP, its TLS certificate unverified (localhost, 127.0.0.0/8 and ::1 always may)',
  },
  {
    name: 'platform',
    type: 'string',
    env: 'MARACKER_PLATFORM',
    default: formatPlatform(DEFAULT_PLATFORM),
    description: 'Platform read from multi-platform images, OS/ARCH[/VARIANT]',
  },
  {
    name: 'registry-timeout',
    type: 'number',
    env: 'MARACKER_REGISTRY_TIMEOUT_MS',
    default: REGISTRY_DEFAULTS.timeoutMs,
    min: 1,
    description: 'Timeout of each registry request, ms',
  },
];

export interface RegistryConfig {
  platform: Platform;
  timeoutMs: number;
  insecureRegistries: string[];
  credentials: Array<{ registry: string; username: string; password: string }>;
  /** The config.json to read, and whether it must exist (named explicitly) or may be absent (Docker's default place). */
  dockerConfig: { path: string; required: boolean } | null;
}

/**
 * Validates the registry options. `imageRegistries` are the registries of the images the
 * command reads, for the default of --registry-host. Throws ConfigError listing every problem.
 */
export function buildRegistryConfig(v: OptionValues, env: Env, imageRegistries: readonly string[]): RegistryConfig {
  const problems: string[] = [];
  let platform: Platform = DEFAULT_PLATFORM;
  try {
    platform = parsePlatform(String(v.platform ?? formatPlatform(DEFAULT_PLATFORM)));
  } catch (err) {
    problems.push(`--platform: ${(err as Error).message}`);
  }
  const insecureRegistries = (v['insecure-registry'] as string[] | undefined) ?? [];
  try {
    new PlainHttpPolicy(insecureRegistries);
  } catch (err) {
    problems.push(`--insecure-registry: ${(err as Error).message}`);
  }

  const username = v['registry-username'] as string | undefined;
  const password = v['registry-password'] as string | undefined;
  const hostOption = v['registry-host'] as string | undefined;
  const credentials: RegistryConfig['credentials'] = [];
  if (username === undefined && password !== undefined) problems.push('--registry-password needs --registry-username');
  if (username !== undefined && password === undefined) problems.push('--registry-username needs --registry-password (or MARACKER_REGISTRY_PASSWORD)');
  if (hostOption !== undefined && username === undefined) problems.push('--registry-host names the registry of --registry-username, which is not given');
  if (username !== undefined && password !== undefined) {
    const distinct = [...new Set(imageRegistries.map(normaliseRegistryKey))];
    const registry = hostOption !== undefined ? normaliseRegistryKey(hostOption) : distinct.length === 1 ? distinct[0] : undefined;
    if (registry === undefined && distinct.length === 0) {
      problems.push('--registry-host: name the registry (HOST[:PORT], docker.io for Docker Hub) the username and password are for');
    } else if (registry === undefined) {
      problems.push(`--registry-host: the images are on several registries (${distinct.join(', ')}); say which one the username and password are for`);
    } else if (hostProblem(registry) !== undefined) {
      problems.push(`--registry-host: ${hostProblem(registry)}, got "${hostOption}"`);
    } else {
      credentials.push({ registry, username, password });
    }
  }

  const configOption = v['docker-config'] as string | undefined;
  let dockerConfig: RegistryConfig['dockerConfig'];
  if (configOption === 'none') dockerConfig = null;
  else if (configOption !== undefined) dockerConfig = { path: configOption, required: true };
  else {
    const fallback = defaultDockerConfigPath(env);
    dockerConfig = fallback === undefined ? null : { path: fallback, required: false };
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    platform: Object.freeze(platform),
    timeoutMs: Number(v['registry-timeout'] ?? REGISTRY_DEFAULTS.timeoutMs),
    insecureRegistries: Object.freeze([...insecureRegistries]) as string[],
    credentials: Object.freeze(credentials.map((c) => Object.freeze(c))) as RegistryConfig['credentials'],
    dockerConfig: dockerConfig === null ? null : Object.freeze(dockerConfig),
  });
}
