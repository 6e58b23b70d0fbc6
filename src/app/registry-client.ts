// The registry client of a configuration: the daemon's (image metadata of desired apps),
// `plan`'s and `image`'s are built the same way. Docker's config.json at its default place may
// be absent; one named explicitly must exist.

import type { RegistryConfig } from '../config/registry.js';
import { RegistryClient } from '../registry/client.js';
import { readDockerConfig, type DockerConfig } from '../registry/docker-config.js';
import { RegistryCredentialsError } from '../registry/errors.js';

async function loadDockerConfig(config: RegistryConfig): Promise<DockerConfig | undefined> {
  if (config.dockerConfig === null) return undefined;
  try {
    return await readDockerConfig(config.dockerConfig.path);
  } catch (err) {
    if (!config.dockerConfig.required && err instanceof RegistryCredentialsError && err.reason === 'no such file') return undefined;
    throw err;
  }
}

/**
 * `tagTtlMs`: how long the client trusts what a tag pointed at. The daemon passes 0: its image
 * cache (src/sources/image-metadata.ts) decides when a tag is read again (--image-refresh).
 */
export async function createRegistryClient(config: RegistryConfig, o: { tagTtlMs?: number } = {}): Promise<RegistryClient> {
  const dockerConfig = await loadDockerConfig(config);
  return new RegistryClient({
    ...(o.tagTtlMs !== undefined ? { tagTtlMs: o.tagTtlMs } : {}),
    platform: config.platform,
    timeoutMs: config.timeoutMs,
    insecureRegistries: config.insecureRegistries,
    credentials: config.credentials,
    ...(dockerConfig === undefined ? {} : { dockerConfig }),
  });
}
