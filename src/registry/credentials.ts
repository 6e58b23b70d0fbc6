// Which credentials go to which registry. Credentials are only ever sent to the registry
// they were given for (and to the token endpoint that registry's challenge names): a
// password for a private registry must never reach Docker Hub because an image there was
// read in the same run.

import type { BasicCredentials, DockerConfig } from './docker-config.js';
import type { DockerConfigState } from './docker-config-file.js';
import { RegistryCredentialsError } from './errors.js';
import { hostProblem, normaliseRegistryKey } from './reference.js';

export interface RegistryCredential extends BasicCredentials {
  /** The registry these are for: `registry.example.com:5000`, `docker.io`. */
  registry: string;
}

export interface CredentialLookup {
  credentials?: BasicCredentials;
  /** Where they came from, for debug logs and messages: `options`, `/root/.docker/config.json`. */
  source?: string;
  /** Why there are none: shown when the registry then refuses maracker. */
  hint: string;
}

export class CredentialStore {
  readonly #explicit = new Map<string, BasicCredentials>();
  /** A config.json read once, or one followed while the daemon runs (./docker-config-file.ts): asked at every lookup. */
  readonly #config: DockerConfigState | undefined;

  constructor(explicit: readonly RegistryCredential[] = [], dockerConfig?: DockerConfig | DockerConfigState) {
    for (const c of explicit) {
      const registry = normaliseRegistryKey(c.registry);
      const problem = hostProblem(registry);
      if (problem !== undefined) throw new RegistryCredentialsError(`credentials for registry ${JSON.stringify(c.registry)}: ${problem}`);
      if (c.username.length === 0) throw new RegistryCredentialsError(`credentials for registry ${registry}: the username is empty`);
      if (c.username.includes(':'))
        throw new RegistryCredentialsError(`credentials for registry ${registry}: the username contains ":" (HTTP basic forbids it)`);
      this.#explicit.set(registry, { username: c.username, password: c.password });
    }
    this.#config =
      dockerConfig === undefined || 'problem' in dockerConfig ? dockerConfig : { path: dockerConfig.file, config: dockerConfig, problem: undefined };
  }

  /**
   * Credentials for `registry`: given explicitly, else from config.json's `auths`. A
   * registry config.json hands to a credential helper gets none, with a hint saying so
   * (an `auths` entry with credentials wins over `credsStore`, never over `credHelpers`).
   */
  lookup(registry: string): CredentialLookup {
    const key = normaliseRegistryKey(registry);
    const explicit = this.#explicit.get(key);
    if (explicit !== undefined) return { credentials: explicit, source: 'options', hint: 'the given username and password were refused' };
    const found = this.#fromConfig(key);
    const problem = this.#config?.problem;
    if (problem === undefined) return found;
    // The file changed and could not be read again: what it gave before is still used, and said.
    const before = this.#config?.config !== undefined;
    const told = `${this.#config?.path} could not be read ${before ? 'again ' : ''}(${problem})${before ? ', so the credentials it held before are used' : ''}`;
    return { ...found, hint: `${found.hint}; ${told}` };
  }

  #fromConfig(key: string): CredentialLookup {
    const config = this.#config?.config;
    if (config === undefined) return { hint: `no credentials were given for ${key}` };
    const helper = config.credHelpers.get(key);
    if (helper !== undefined) {
      return {
        hint: `${config.file} hands ${key} to the credential helper docker-credential-${helper}, which maracker does not run (credential helpers are unsupported): give a username and password`,
      };
    }
    const found = config.auths.get(key);
    if (found !== undefined) return { credentials: found, source: config.file, hint: `the credentials of ${config.file} for ${key} were refused` };
    if (config.credsStore !== undefined) {
      return {
        hint: `${config.file} keeps credentials in the store docker-credential-${config.credsStore}, which maracker does not run (credential helpers are unsupported): give a username and password`,
      };
    }
    const unusable = config.unusable.get(key);
    if (unusable !== undefined) return { hint: `the entry of ${config.file} for ${key} holds ${unusable}` };
    return { hint: `neither the options nor ${config.file} hold credentials for ${key}` };
  }

  /** Every secret held, for redacting text a server sends back. */
  secrets(): string[] {
    const all = [...this.#explicit.values(), ...(this.#config?.config?.auths.values() ?? [])];
    return all.flatMap((c) => [c.password, Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')]).filter((s) => s.length >= 4);
  }
}
