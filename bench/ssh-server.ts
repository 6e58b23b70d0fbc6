// A real OpenSSH server (Debian's openssh-server) on 127.0.0.1, for the git source's ssh://
// transport: its own host key, one authorised client key, its configuration and keys in a
// folder the caller gives (and removes). The system's sshd configuration and keys are never
// read. Used by the tests (test/helpers/sshd.ts) and the git-push scenario; free of vitest.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../src/net/free-ports.js';

export const SSHD = '/usr/sbin/sshd';

/** Why the ssh suites cannot run here, or undefined when they can. */
export function sshdMissing(): string | undefined {
  if (!existsSync(SSHD)) return `${SSHD} not installed (Debian package openssh-server; .ci/run installs it)`;
  if (!existsSync('/usr/bin/ssh-keygen') || !existsSync('/usr/bin/ssh')) return 'ssh or ssh-keygen not installed (Debian package openssh-client)';
  return undefined;
}

export interface SshServer {
  port: number;
  /** The user the server lets in (the one running the tests). */
  user: string;
  /** A private key the server accepts. */
  clientKey: string;
  /** A known_hosts file naming this server's host key. */
  knownHosts: string;
  /** A known_hosts file naming another key for this host and port (a server that changed, or a man in the middle). */
  wrongKnownHosts: string;
  /** A private key the server does not accept. */
  strangerKey: string;
  /** The server's authorized_keys file (read at every login: rewrite it to refuse the client key). */
  authorizedKeys: string;
  /** ssh://user@127.0.0.1:port<path> */
  url(path: string): string;
  /** What sshd logged (connections, refusals). */
  log(): string;
  stop(): Promise<void>;
}

function keygen(file: string, comment: string): string {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
  return file;
}

function publicKey(file: string): string {
  return execFileSync('ssh-keygen', ['-y', '-f', file], { encoding: 'utf8' }).trim();
}

/** Starts sshd on a free port of 127.0.0.1, its files in `dir` (an empty folder). */
export async function startSshServer(dir: string): Promise<SshServer> {
  const hostKey = keygen(join(dir, 'host_ed25519'), 'maracker-test-host');
  const otherHostKey = keygen(join(dir, 'other_host_ed25519'), 'maracker-test-other-host');
  const clientKey = keygen(join(dir, 'client_ed25519'), 'maracker-test-client');
  const strangerKey = keygen(join(dir, 'stranger_ed25519'), 'maracker-test-stranger');
  const authorizedKeys = join(dir, 'authorized_keys');
  await writeFile(authorizedKeys, `${publicKey(clientKey)}\n`, { mode: 0o600 });
  const user = userInfo().username;
  // A port free a moment ago can be taken before sshd binds it (another test's connection
  // picks its ephemeral port from the same range): then another port, twice.
  for (let attempt = 1; ; attempt++) {
    try {
      return await listen(dir, { hostKey, otherHostKey, clientKey, strangerKey, authorizedKeys, user });
    } catch (err) {
      if (attempt >= 3 || !/Address already in use/.test(String((err as Error).message))) throw err;
    }
  }
}

async function listen(
  dir: string,
  k: { hostKey: string; otherHostKey: string; clientKey: string; strangerKey: string; authorizedKeys: string; user: string },
): Promise<SshServer> {
  const { hostKey, otherHostKey, clientKey, strangerKey, authorizedKeys, user } = k;
  const port = await freePort();
  const hostPattern = `[127.0.0.1]:${port}`;
  const knownHosts = join(dir, 'known_hosts');
  const wrongKnownHosts = join(dir, 'wrong_known_hosts');
  await writeFile(knownHosts, `${hostPattern} ${publicKey(hostKey)}\n`);
  await writeFile(wrongKnownHosts, `${hostPattern} ${publicKey(otherHostKey)}\n`);
  const config = join(dir, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      `AllowUsers ${user}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      // The temporary folder is not the user's home: its modes are not sshd's business.
      'StrictModes no',
      'AllowTcpForwarding no',
      'X11Forwarding no',
      'PrintMotd no',
      // bash runs ~/.bashrc for a command sshd starts (Debian builds it so) unless it is a
      // nested shell: that file belongs to whoever runs the tests (here it takes 0.6 s), and
      // would be measured as the transport's cost.
      'SetEnv SHLVL=1',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  // Run as root, sshd needs its privilege separation folder (systemd makes it at boot).
  if (process.getuid?.() === 0) await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.setEncoding('utf8');
  const listening = new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (chunk: string) => {
      log += chunk;
      if (log.includes(`Server listening on 127.0.0.1 port ${port}`)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`sshd exited (${code}) before listening:\n${log}`)));
    child.once('error', reject);
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  };
  try {
    await listening;
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    port,
    user,
    clientKey,
    knownHosts,
    wrongKnownHosts,
    strangerKey,
    authorizedKeys,
    url: (path) => `ssh://${user}@127.0.0.1:${port}${path}`,
    log: () => log,
    stop,
  };
}
