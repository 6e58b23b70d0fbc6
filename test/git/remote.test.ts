import { describe, expect, it } from 'vitest';
import { parseRemote, sshCommand } from '../../src/git/remote.js';

describe('parseRemote', () => {
  it('takes a local path (made absolute) and file:// as the file transport, allowed for the fetch alone', () => {
    expect(parseRemote('repos/m.git', {}, '/srv')).toEqual({
      ok: true,
      remote: { transport: 'file', url: '/srv/repos/m.git', display: '/srv/repos/m.git', config: [['protocol.file.allow', 'always']], env: {}, secrets: [] },
    });
    const file = parseRemote('file:///srv/m.git', {}, '/');
    expect(file.ok && file.remote.transport).toBe('file');
  });

  it('puts http(s) credentials in a header set through the environment, never in the URL or the arguments', () => {
    const r = parseRemote('https://git.example.org/ops/manifests.git', { username: 'deploy', password: 'tok-123456' }, '/');
    if (!r.ok) throw new Error(r.problems.join());
    const basic = Buffer.from('deploy:tok-123456').toString('base64');
    expect(r.remote.url).toBe('https://git.example.org/ops/manifests.git');
    expect(r.remote.config).toEqual([
      ['protocol.https.allow', 'always'],
      ['http.followRedirects', 'initial'],
    ]);
    expect(r.remote.env).toEqual({ GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}` });
    expect(r.remote.secrets).toEqual(['tok-123456', basic]);
  });

  it('moves credentials out of an https URL (a token alone is the password)', () => {
    const r = parseRemote('https://glpat-abcdef@git.example.org/m.git', {}, '/');
    if (!r.ok) throw new Error(r.problems.join());
    expect(r.remote.url).toBe('https://git.example.org/m.git');
    expect(r.remote.secrets[0]).toBe('glpat-abcdef');
    expect(r.remote.env.GIT_CONFIG_VALUE_0).toBe(`Authorization: Basic ${Buffer.from('maracker:glpat-abcdef').toString('base64')}`);
  });

  it('requires a key and a known_hosts file for ssh, and never accepts a host key unseen', () => {
    expect(parseRemote('git@git.example.org:ops/m.git', {}, '/')).toEqual({
      ok: false,
      problems: [
        '--git-ssh-key: required for an ssh remote (a private key file)',
        '--git-known-hosts: required for an ssh remote (host keys are never accepted unseen)',
      ],
    });
    const r = parseRemote(
      'ssh://git@git.example.org:2222/ops/m.git',
      { sshKeyFile: '/etc/maracker/id_ed25519', sshKnownHostsFile: '/etc/maracker/known_hosts' },
      '/',
    );
    if (!r.ok) throw new Error(r.problems.join());
    expect(r.remote.transport).toBe('ssh');
    expect(r.remote.config).toEqual([
      ['protocol.ssh.allow', 'always'],
      ['core.sshCommand', sshCommand('/etc/maracker/id_ed25519', '/etc/maracker/known_hosts')],
    ]);
    const cmd = sshCommand('/k', '/kh');
    for (const part of [
      '-i /k',
      'IdentitiesOnly=yes',
      'BatchMode=yes',
      'StrictHostKeyChecking=yes',
      'UserKnownHostsFile=/kh',
      'GlobalKnownHostsFile=/dev/null',
      '-F /dev/null',
    ]) {
      expect(cmd).toContain(part);
    }
  });

  it('takes git:// on a loopback address only (no authentication, no integrity), with no proxy command', () => {
    expect(parseRemote('git://127.0.0.1:9418/m.git', {}, '/')).toEqual({
      ok: true,
      remote: {
        transport: 'git',
        url: 'git://127.0.0.1:9418/m.git',
        display: 'git://127.0.0.1:9418/m.git',
        config: [['protocol.git.allow', 'always']],
        env: { GIT_PROXY_COMMAND: '' },
        secrets: [],
      },
    });
    expect(parseRemote('git://[::1]/m.git', {}, '/').ok).toBe(true);
    const bad = (url: string, creds = {}) => {
      const r = parseRemote(url, creds, '/');
      return r.ok ? [] : r.problems;
    };
    const network =
      '--git-url: git:// is accepted on a loopback address only (127.0.0.1, [::1]): it has no authentication and no integrity, so across a network anyone on the path could hand maracker commits; use https:// or ssh://';
    expect(bad('git://git.example.org/m.git')).toEqual([network]);
    // A name is never resolved: what it points to is not maracker's to trust.
    expect(bad('git://localhost/m.git')).toEqual([network]);
    expect(bad('git://127.0.0.1.example.org/m.git')).toEqual([network]);
    expect(bad('git://u:p@127.0.0.1/m.git')).toEqual(['--git-url: a git:// URL takes no user or password (git daemon has no authentication)']);
    expect(bad('git://127.0.0.1/m.git', { password: 'x' })).toEqual([
      '--git-username, --git-password, --git-ssh-key and --git-known-hosts do not apply to a git:// remote',
    ]);
  });

  it('refuses what a shell or git would misread, and credentials that do not apply', () => {
    const bad = (url: string, creds = {}) => {
      const r = parseRemote(url, creds, '/');
      return r.ok ? [] : r.problems;
    };
    expect(bad('--upload-pack=touch /tmp/x')).toEqual(['--git-url: must not start with "-" (git would take it for an option)']);
    expect(bad('ext::sh -c touch% /tmp/x')).toEqual(['--git-url: remote helpers (<transport>::<address>) are not supported']);
    expect(bad('ext://x')).toEqual(['--git-url: transport ext:// is not supported (use https://, http://, ssh://, file:// or a path)']);
    expect(bad('git@h:m.git', { sshKeyFile: '/k; rm -rf /', sshKnownHostsFile: 'relative' })).toEqual([
      '--git-ssh-key: expected an absolute path of plain characters (A-Z a-z 0-9 . _ / + @ = , -)',
      '--git-known-hosts: expected an absolute path of plain characters (A-Z a-z 0-9 . _ / + @ = , -)',
    ]);
    expect(bad('/srv/m.git', { password: 'x' })).toEqual(['--git-username, --git-password, --git-ssh-key and --git-known-hosts do not apply to a local path']);
  });
});
