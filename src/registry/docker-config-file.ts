// A Docker config.json followed while the daemon runs. Registry credentials are rotated under
// a running daemon: ECR's and GCR's tokens last hours, a secret store rewrites the file, a
// Kubernetes secret volume swaps it. Read once at start, the daemon kept the old credentials
// until someone restarted it, and every image it had not read yet stayed Unknown meanwhile.
//
// The file is looked at before each registry read (./client.ts): one stat, and a read only
// when its inode, size, modification or change time moved. A file that cannot be read or
// parsed now keeps the credentials last read from it, and says why in `problem` (an editor
// that writes in place leaves a half-written file for a moment; a secret being replaced can
// be absent for one). The default path (~/.docker/config.json), which may never exist, is
// followed as at start: absent means no credentials, no problem.

import { stat as fsStat } from 'node:fs/promises';
import { codeOf } from '../base/errors.js';
import { readDockerConfig, type DockerConfig } from './docker-config.js';
import { RegistryCredentialsError } from './errors.js';

/** The credentials a config file gives now, and why it could not be read again, when it could not. */
export interface DockerConfigState {
  /** The file followed. */
  readonly path: string;
  readonly config: DockerConfig | undefined;
  /** Why the file's current content is not what `config` holds (then `config` is what was read before). */
  readonly problem: string | undefined;
}

export interface DockerConfigFileOptions {
  path: string;
  /** Given explicitly (--docker-config): its absence is a problem. The default path's is not. */
  required: boolean;
  /** Injected for tests. Default: fs.stat. */
  stat?: (path: string) => Promise<{ ino: number; size: number; mtimeMs: number; ctimeMs: number }>;
  /** Injected for tests. Default: readDockerConfig. */
  read?: (path: string) => Promise<DockerConfig>;
}

/** What the file's metadata says of its content: the same stamp, the same bytes (as far as a stat can tell). */
function stampOf(s: { ino: number; size: number; mtimeMs: number; ctimeMs: number }): string {
  return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
}

export class DockerConfigFile implements DockerConfigState {
  readonly #o: Required<DockerConfigFileOptions>;
  #config: DockerConfig | undefined;
  #problem: string | undefined;
  /** The stamp of the file as last looked at (read or failed); undefined when absent or never seen. */
  #stamp: string | undefined;
  #inflight: Promise<void> | undefined;

  /** Not read yet: its first refresh() reads it. DockerConfigFile.open() reads it at once, as start-up does. */
  constructor(o: DockerConfigFileOptions) {
    this.#o = { stat: fsStat, read: readDockerConfig, ...o };
  }

  /**
   * Reads the file once, as start-up does: a file given explicitly must be there and valid
   * (RegistryCredentialsError otherwise); the default one may be absent.
   */
  static async open(o: DockerConfigFileOptions): Promise<DockerConfigFile> {
    const file = new DockerConfigFile(o);
    const stamp = await file.#stampNow();
    if (stamp.kind === 'absent' && !o.required) return file;
    file.#config = await file.#o.read(o.path);
    if (stamp.kind === 'present') file.#stamp = stamp.stamp;
    return file;
  }

  get path(): string {
    return this.#o.path;
  }

  get config(): DockerConfig | undefined {
    return this.#config;
  }

  get problem(): string | undefined {
    return this.#problem;
  }

  /** Reads the file again if it changed since it was last looked at. Never throws. Concurrent calls share one look. */
  refresh(): Promise<void> {
    this.#inflight ??= this.#look().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #look(): Promise<void> {
    const now = await this.#stampNow();
    if (now.kind === 'absent') {
      if (!this.#o.required) {
        this.#config = undefined;
        this.#problem = undefined;
      } else {
        this.#problem = 'no such file';
      }
      this.#stamp = undefined;
      return;
    }
    if (now.kind === 'unreadable') {
      this.#problem = now.problem;
      this.#stamp = undefined;
      return;
    }
    if (now.stamp === this.#stamp) return;
    this.#stamp = now.stamp;
    try {
      this.#config = await this.#o.read(this.#o.path);
      this.#problem = undefined;
    } catch (err) {
      // Its messages say where in the file, never what is there (./docker-config.ts).
      this.#problem = err instanceof RegistryCredentialsError ? err.reason : 'cannot be read';
    }
  }

  async #stampNow(): Promise<{ kind: 'present'; stamp: string } | { kind: 'absent' } | { kind: 'unreadable'; problem: string }> {
    try {
      return { kind: 'present', stamp: stampOf(await this.#o.stat(this.#o.path)) };
    } catch (err) {
      const code = codeOf(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'absent' };
      return { kind: 'unreadable', problem: `cannot be read (${code ?? 'unreadable'})` };
    }
  }
}
