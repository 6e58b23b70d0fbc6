// A real OpenSSH server on 127.0.0.1 for the tests (bench/ssh-server.ts), stopped and its
// folder removed when the test finishes.

import { onTestFinished } from 'vitest';
import { startSshServer, type SshServer } from '../../bench/ssh-server.js';
import { tempDir } from './tmp.js';

export { SSHD, sshdMissing, type SshServer } from '../../bench/ssh-server.js';

/** Starts sshd on a free port of 127.0.0.1; stopped when the current test finishes. */
export async function startSshd(): Promise<SshServer> {
  const server = await startSshServer(await tempDir('maracker-sshd-'));
  onTestFinished(server.stop);
  return server;
}
