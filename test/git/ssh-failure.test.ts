import { describe, expect, it } from 'vitest';
import { explainSshFailure } from '../../src/git/ssh-failure.js';

// What OpenSSH 9.2 and git wrote to stderr in each case (captured from `git ls-remote` against
// a real sshd; test/sources/git-ssh.test.ts runs them live).
const TAIL = ['fatal: Could not read from remote repository.', 'Please make sure you have the correct access rights', 'and the repository exists.'];
const said = (...lines: string[]): string[] => [...lines, ...TAIL];

describe('explainSshFailure', () => {
  it('names a host key that changed, with the fingerprint offered, as the warning it is', () => {
    const lines = said(
      '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
      '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
      '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
      'IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!',
      'Someone could be eavesdropping on you right now (man-in-the-middle attack)!',
      'It is also possible that a host key has just been changed.',
      'The fingerprint for the ED25519 key sent by the remote host is',
      'SHA256:CWQReerbNKdmZkLOMbWo7YKLBYVTD8Sk15HULTTAfQk.',
      'Please contact your system administrator.',
      'Add correct host key in /etc/maracker/known_hosts to get rid of this message.',
      'Offending ED25519 key in /etc/maracker/known_hosts:1',
      'remove with:',
      'ssh-keygen -f "/etc/maracker/known_hosts" -R "[git.example.org]:2222"',
      'Host key for [git.example.org]:2222 has changed and you have requested strict checking.',
      'Host key verification failed.',
    );
    expect(explainSshFailure(lines)).toBe(
      'the host key [git.example.org]:2222 offered (SHA256:CWQReerbNKdmZkLOMbWo7YKLBYVTD8Sk15HULTTAfQk) is not the one --git-known-hosts has for it: ' +
        "refused, nothing fetched. Either the key was changed or someone is in between; replace the entry only once the new key is known to be the server's",
    );
  });

  it('names a host key never seen', () => {
    expect(
      explainSshFailure(said('No ED25519 host key is known for git.example.org and you have requested strict checking.', 'Host key verification failed.')),
    ).toBe(
      "the host key of git.example.org is not in --git-known-hosts: refused, nothing fetched (host keys are never accepted unseen; add the server's ED25519 key to that file)",
    );
    expect(explainSshFailure(said('Host key verification failed.'))).toBe(
      "the server's host key could not be checked against --git-known-hosts: refused, nothing fetched",
    );
  });

  it('puts a key ssh cannot use before the refusal that follows from it', () => {
    expect(
      explainSshFailure(said('Warning: Identity file /etc/maracker/id not accessible: No such file or directory.', 'git@h: Permission denied (publickey).')),
    ).toBe('--git-ssh-key /etc/maracker/id cannot be read (No such file or directory)');
    expect(
      explainSshFailure(
        said(
          '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
          '@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @',
          '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
          "Permissions 0644 for '/etc/maracker/id' are too open.",
          'It is required that your private key files are NOT accessible by others.',
          'This private key will be ignored.',
          'Load key "/etc/maracker/id": bad permissions',
          'git@h: Permission denied (publickey).',
        ),
      ),
    ).toBe('--git-ssh-key /etc/maracker/id can be read by others (mode 0644), so ssh ignores it: make it readable by its owner only (chmod 600)');
    expect(explainSshFailure(said('Load key "/etc/maracker/id": error in libcrypto', 'git@h: Permission denied (publickey).'))).toBe(
      '--git-ssh-key /etc/maracker/id is not a private key ssh can use (error in libcrypto)',
    );
  });

  it('names a refused key, a refused connection, a name that does not resolve, a connection cut', () => {
    expect(explainSshFailure(said('git@git.example.org: Permission denied (publickey,password).'))).toBe(
      'authentication refused: git@git.example.org does not accept --git-ssh-key (it allows: publickey,password)',
    );
    expect(explainSshFailure(said('ssh: connect to host 10.0.0.7 port 22: Connection refused'))).toBe(
      'cannot connect to 10.0.0.7 port 22 (Connection refused)',
    );
    expect(explainSshFailure(said('ssh: Could not resolve hostname git.example.org: Name or service not known'))).toBe(
      'cannot resolve git.example.org (Name or service not known)',
    );
    expect(explainSshFailure(said('kex_exchange_identification: read: Connection reset by peer'))).toBe(
      'the ssh connection ended before git could run (kex_exchange_identification: read: Connection reset by peer)',
    );
  });

  it("otherwise gives the line the server (or ssh) wrote before git's generic words, unless git said more itself", () => {
    expect(explainSshFailure(['ERROR: Repository not found.', ...TAIL])).toBe('ERROR: Repository not found.');
    expect(explainSshFailure(["fatal: '/srv/nope.git' does not appear to be a git repository", ...TAIL])).toBeUndefined();
    expect(explainSshFailure(TAIL)).toBeUndefined();
    expect(explainSshFailure([])).toBeUndefined();
  });
});
