// Public surface of the registry client.

export { RegistryClient, type ImageInspection, type Resolution } from './client.js';
export type { RegistryClientOptions, RegistryRequestInfo } from './options.js';
export { REGISTRY_DEFAULTS } from './options.js';
export type { RegistryCredential } from './credentials.js';
export { defaultDockerConfigPath, parseDockerConfig, readDockerConfig, type DockerConfig } from './docker-config.js';
export { DEFAULT_PLATFORM, formatPlatform, parsePlatform, type Platform } from './platform.js';
export { formatReference, parseImageReference, pinnedReference, type ImageReference } from './reference.js';
export * from './errors.js';
