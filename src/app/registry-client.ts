// The registry client of a configuration: the daemon's (image metadata of desired apps),
// `plan`'s and `image`'s are built the same way. Docker's config.json at its default place may
// be absent; one named explicitly must exist. Either is read at start, to fail fast, and
// followed after: rotated credentials are used without a restart (src/registry/docker-config-file.ts).

import type { RegistryConfig } from '../config/registry.js';
import { RegistryClient } from '../registry/client.js';
import { DockerConfigFile } from '../registry/docker-config-file.js';

/**
 * `tagTtlMs`: how long the client trusts what a tag pointed at. The daemon passes 0: its image
 * cache (src/sources/image-metadata.ts) decides when a tag is read again (--image-refresh).
 */
export async function createRegistryClient(config: RegistryConfig, o: { tagTtlMs?: number } = {}): Promise<RegistryClient> {
  const dockerConfig = config.dockerConfig === null ? undefined : await DockerConfigFile.open(config.dockerConfig);
  return new RegistryClient({
    ...(o.tagTtlMs !== undefined ? { tagTtlMs: o.tagTtlMs } : {}),
    platform: config.platform,
    timeoutMs: config.timeoutMs,
    insecureRegistries: config.insecureRegistries,
    credentials: config.credentials,
    ...(dockerConfig === undefined ? {} : { dockerConfig }),
  });
}
