// One ssh connection for many fetches (OpenSSH connection multiplexing), when
// --git-ssh-reuse asks for it: the daemon's fetches over ssh:// go through a master
// connection that the first of them opens and later ones reuse, so a push's fetch skips the
// key exchange and the login (about 230 ms of a 260 ms fetch to a local sshd;
// docs/git-source.md). Off by default: while the connection lives, a revoked key or an sshd
// that stopped listening is not seen.
//
// What this must not weaken:
// - A login is proved again at least every `maxAgeMs`: an older master is closed before the
//   next fetch, which logs in anew. A key the forge revoked is refused within that time,
//   and at once when the key or known_hosts file changes, or after any failed fetch.
// - The master's socket is a login to the forge for whoever can connect to it: it lives in
//   a folder of this user only (0700, made with mkdtemp), removed when the daemon stops.
// - Nothing outlives the daemon for long: `close()` ends the master; a daemon killed outright
//   leaves it to end by itself once idle for ControlPersist (`maxAgeMs`).
//
// Only the daemon reuses connections; `plan` and `validate` fetch once.

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Characters the control path may hold: it becomes part of core.sshCommand, which git runs through a shell. */
const SAFE_PATH = /^[A-Za-z0-9._/+@=,-]+$/;
/**
 * A Unix socket's path holds at most 107 bytes, and ssh first binds a temporary name of the
 * path plus 17 characters before renaming it.
 */
const MAX_CONTROL_PATH = 88;

export interface SshReuseOptions {
  /** Folder of the master's socket: private to this user, and short. */
  dir: string;
  /** A master this old is closed before the next fetch. */
  maxAgeMs: number;
  /** The environment ssh runs with (gitEnvironment()). */
  env: Readonly<Record<string, string>>;
  now?: () => number;
}

export class SshReuse {
  readonly #o: Required<SshReuseOptions>;
  readonly #controlPath: string;
  /** When the master in use was opened (by the fetch that found none), if one may be running. */
  #since: number | undefined;
  /** The key and known_hosts files as they were when it was opened. */
  #stamp: string | undefined;
  #closed = false;

  constructor(o: SshReuseOptions) {
    this.#o = { now: Date.now, ...o };
    this.#controlPath = join(o.dir, 'master');
  }

  /**
   * A private folder for the socket in the system's temporary folder (the data folder's path
   * may be too long for a socket); undefined when that path would be too long or unsafe.
   */
  static async create(o: Omit<SshReuseOptions, 'dir'>): Promise<SshReuse | undefined> {
    const base = tmpdir();
    const prefix = join(base, 'maracker-ssh-');
    // mkdtemp adds six characters to the prefix.
    if (!SAFE_PATH.test(base) || prefix.length + 6 + '/master'.length > MAX_CONTROL_PATH) return undefined;
    const dir = await mkdtemp(prefix);
    return new SshReuse({ ...o, dir });
  }

  get controlPath(): string {
    return this.#controlPath;
  }

  /** The options added to the ssh command of a fetch. */
  sshOptions(): string {
    const persist = Math.max(1, Math.ceil(this.#o.maxAgeMs / 1000));
    return [
      '-o ControlMaster=auto',
      `-o ControlPath=${this.#controlPath}`,
      `-o ControlPersist=${persist}`,
      // A master whose connection died unseen (a dropped route) is given up within 30 s.
      '-o ServerAliveInterval=15',
      '-o ServerAliveCountMax=2',
    ].join(' ');
  }

  /**
   * Before a fetch: closes a master that is too old or was opened with other key or
   * known_hosts files (`stamp`), so that this fetch logs in anew.
   */
  async beforeFetch(stamp: string): Promise<void> {
    if (this.#closed) return;
    const now = this.#o.now();
    if (this.#since !== undefined && (now - this.#since >= this.#o.maxAgeMs || stamp !== this.#stamp)) await this.#exit();
    if (this.#since === undefined) {
      this.#since = now;
      this.#stamp = stamp;
    }
  }

  /** After a failed fetch: the next one logs in anew (a refusal is then seen as such). */
  async failed(): Promise<void> {
    if (this.#since !== undefined) await this.#exit();
  }

  /** Ends the master and removes its folder. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#exit();
    await rm(this.#o.dir, { recursive: true, force: true }).catch(() => undefined);
  }

  /** `ssh -O exit`: the master ends at once. No master there is not an error. */
  async #exit(): Promise<void> {
    this.#since = undefined;
    this.#stamp = undefined;
    await new Promise<void>((resolve) => {
      execFile(
        'ssh',
        ['-F', '/dev/null', '-o', `ControlPath=${this.#controlPath}`, '-O', 'exit', 'maracker-master'],
        { env: this.#o.env, timeout: 5000, windowsHide: true },
        () => resolve(),
      );
    });
    // The socket of a master that died without removing it would otherwise be tried first by every fetch.
    await rm(this.#controlPath, { force: true }).catch(() => undefined);
  }
}
