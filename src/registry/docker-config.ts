// A Docker client config.json: the `auths` entries maracker can use (`auth`, base64 of
// user:password, or `username` and `password`), and the credential helpers it cannot:
// `credsStore` and `credHelpers` name external programs (docker-credential-*), which maracker
// does not run. Parsing is pure; no message ever quotes a credential.

import { join } from 'node:path';
import type { Env } from '../base/env.js';
import { RegistryCredentialsError } from './errors.js';
import { isObject } from '../model/json.js';
import { normaliseRegistryKey } from './reference.js';
import { readSmallFile } from '../base/small-file.js';

export interface BasicCredentials {
  username: string;
  password: string;
}

export interface DockerConfig {
  /** The file it was read from, for messages. */
  file: string;
  /** Usable credentials by registry (normalised: `docker.io`, `host:port`). */
  auths: ReadonlyMap<string, BasicCredentials>;
  /** Registries whose `auths` entry holds no usable credentials, and why (an identity token, nothing). */
  unusable: ReadonlyMap<string, string>;
  /** `credsStore`: the helper that keeps every credential not named in credHelpers. */
  credsStore?: string;
  /** `credHelpers`: helper by registry. */
  credHelpers: ReadonlyMap<string, string>;
}

export function parseDockerConfig(text: string, file: string): DockerConfig {
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch (err) {
    // JSON.parse quotes the text near the error, which may be a credential: say only where.
    const at = /position (\d+)/.exec((err as Error).message)?.[1];
    throw new RegistryCredentialsError(`not valid JSON${at === undefined ? '' : ` (at character ${at})`}`, file);
  }
  if (!isObject(body)) throw new RegistryCredentialsError('not a JSON object', file);

  const auths = new Map<string, BasicCredentials>();
  const unusable = new Map<string, string>();
  const rawAuths = body.auths ?? {};
  if (!isObject(rawAuths)) throw new RegistryCredentialsError('`auths` is not an object', file);
  for (const [key, entry] of Object.entries(rawAuths)) {
    const registry = normaliseRegistryKey(key);
    const where = `auths[${JSON.stringify(key)}]`;
    if (!isObject(entry)) throw new RegistryCredentialsError(`${where} is not an object`, file);
    const credentials = entryCredentials(entry, where, file);
    if (credentials !== undefined) auths.set(registry, credentials);
    else if (!auths.has(registry))
      unusable.set(
        registry,
        typeof entry.identitytoken === 'string' && entry.identitytoken !== '' ? 'an identity token (OAuth), which maracker does not use' : 'no credentials',
      );
  }

  const credHelpers = new Map<string, string>();
  const rawHelpers = body.credHelpers ?? {};
  if (!isObject(rawHelpers)) throw new RegistryCredentialsError('`credHelpers` is not an object', file);
  for (const [key, helper] of Object.entries(rawHelpers)) {
    if (typeof helper === 'string' && helper !== '') credHelpers.set(normaliseRegistryKey(key), helper);
  }
  const config: DockerConfig = { file, auths, unusable, credHelpers };
  if (typeof body.credsStore === 'string' && body.credsStore !== '') config.credsStore = body.credsStore;
  return config;
}

/** `auth` wins over `username`/`password`, as in Docker. */
function entryCredentials(entry: Record<string, unknown>, where: string, file: string): BasicCredentials | undefined {
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = decodeBase64(entry.auth);
    const colon = decoded?.indexOf(':') ?? -1;
    if (decoded === undefined || colon <= 0) {
      throw new RegistryCredentialsError(`${where}.auth is not base64 of "username:password"`, file);
    }
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (typeof entry.username === 'string' && entry.username !== '' && typeof entry.password === 'string') {
    return { username: entry.username, password: entry.password };
  }
  return undefined;
}

function decodeBase64(text: string): string | undefined {
  const clean = text.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(clean)) return undefined;
  return Buffer.from(clean, 'base64').toString('utf8');
}

/** Docker's own files stay far below this; a larger one is not a client config. */
export const MAX_DOCKER_CONFIG_BYTES = 1024 * 1024;

/**
 * Reads and parses a config.json: a regular file of at most MAX_DOCKER_CONFIG_BYTES
 * (src/base/small-file.ts). A missing, unreadable or refused file is a RegistryCredentialsError.
 */
export async function readDockerConfig(file: string): Promise<DockerConfig> {
  const read = await readSmallFile(file, MAX_DOCKER_CONFIG_BYTES);
  if (!read.ok) throw new RegistryCredentialsError(read.reason, file);
  return parseDockerConfig(read.bytes.toString('utf8'), file);
}

/**
 * Where Docker looks: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. Undefined
 * when there is no home to look in.
 */
export function defaultDockerConfigPath(env: Env): string | undefined {
  if (env.DOCKER_CONFIG) return join(env.DOCKER_CONFIG, 'config.json');
  if (env.HOME) return join(env.HOME, '.docker', 'config.json');
  return undefined;
}
