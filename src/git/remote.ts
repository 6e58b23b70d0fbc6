// Where the git source fetches from, and with what: one transport per remote, allowed by
// name for the fetch alone (every other command runs with protocol.allow=never, ./run.ts),
// credentials that never appear in an argument list, a log line or status.
//
// - A local path or file:// URL: the "file" transport.
// - http(s)://: credentials (user + token or password) go in an Authorization header set
//   through GIT_CONFIG_COUNT/KEY/VALUE in git's environment (readable only by this user,
//   unlike arguments, which `ps` shows to everyone). Credentials written into the URL are
//   moved there too, and the URL git sees has none.
// - ssh:// and scp-like `user@host:path`: a key file and a known_hosts file are required;
//   ssh runs with StrictHostKeyChecking=yes (a host not in the file is refused, never
//   added), BatchMode (no prompt) and only the given key.
// - git:// (`git daemon`): on a loopback address only. The protocol has no authentication and
//   no integrity: across a network, whoever sits on the path could hand maracker commits of
//   their own, which it would deploy. On the same host (a forge or sidecar serving its
//   repositories with `git daemon`, e.g. in the same pod) there is no path to sit on. No proxy
//   command runs: GIT_PROXY_COMMAND set empty wins over any core.gitProxy (git takes the
//   first one it finds, so a `-c` could not override the user's configuration).

import { isAbsolute } from 'node:path';

export type Transport = 'file' | 'git' | 'http' | 'https' | 'ssh';

export interface RemoteCredentials {
  /** http(s): user name sent with the token (GitHub takes any; GitLab `oauth2`). */
  username?: string;
  /** http(s): token or password. */
  password?: string;
  /** ssh: private key file. */
  sshKeyFile?: string;
  /** ssh: known_hosts file holding the server's host key. */
  sshKnownHostsFile?: string;
}

export interface Remote {
  transport: Transport;
  /** What git is given: the URL without credentials, or the absolute local path. */
  url: string;
  /** For logs and status: `url`, which holds no credential. */
  display: string;
  /** `-c` pairs the fetch needs (the transport allowed, the ssh command). */
  config: ReadonlyArray<readonly [string, string]>;
  /** Variables the fetch adds to git's environment (the Authorization header). */
  env: Readonly<Record<string, string>>;
  /** Values that must never leave the process (for the scrubber). */
  secrets: readonly string[];
  /**
   * Files the fetch reads (ssh's key and known_hosts), checked before each fetch: ssh told of
   * a missing known_hosts says only that the host key is unknown, and of a missing key (in
   * the end) that the server refuses it.
   */
  files?: ReadonlyArray<{ option: string; path: string }>;
}

export type RemoteResult = { ok: true; remote: Remote } | { ok: false; problems: string[] };

/** ssh paths are written into a command line that git hands to a shell: plain characters only. */
const SAFE_PATH = /^[A-Za-z0-9._/+@=,-]+$/;
const SCP_LIKE = /^(?:[A-Za-z0-9._-]+@)?[A-Za-z0-9.-]+:(?!\/\/)/;

/** Checks a remote and its credentials; every problem at once, none quoting a secret. */
export function parseRemote(raw: string, creds: RemoteCredentials, cwd: string): RemoteResult {
  const problems: string[] = [];
  const s = raw.trim();
  if (s === '') return { ok: false, problems: ['--git-url: empty'] };
  if (s.startsWith('-')) return { ok: false, problems: ['--git-url: must not start with "-" (git would take it for an option)'] };
  if (/[\0\r\n]/.test(s)) return { ok: false, problems: ['--git-url: holds a control character'] };
  // `<helper>::<address>` runs git-remote-<helper> (ext:: runs any command): never.
  if (/^[A-Za-z0-9+.-]+::/.test(s)) return { ok: false, problems: ['--git-url: remote helpers (<transport>::<address>) are not supported'] };

  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(s)) {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      return { ok: false, problems: ['--git-url: not a valid URL'] };
    }
    const scheme = u.protocol.slice(0, -1).toLowerCase();
    if (scheme === 'file') {
      noCredentials(creds, 'a file:// remote', problems);
      return done(problems, { transport: 'file', url: s, display: s, config: allow('file'), env: {}, secrets: [] });
    }
    if (scheme === 'http' || scheme === 'https') return httpRemote(u, scheme, creds, problems);
    if (scheme === 'ssh') return sshRemote(s, creds, problems);
    if (scheme === 'git') return gitDaemonRemote(s, u, creds, problems);
    return { ok: false, problems: [`--git-url: transport ${scheme}:// is not supported (use https://, http://, ssh://, file:// or a path)`] };
  }
  if (SCP_LIKE.test(s)) return sshRemote(s, creds, problems);
  noCredentials(creds, 'a local path', problems);
  const path = isAbsolute(s) ? s : `${cwd.replace(/\/$/, '')}/${s}`;
  return done(problems, { transport: 'file', url: path, display: path, config: allow('file'), env: {}, secrets: [] });
}

function httpRemote(u: URL, scheme: 'http' | 'https', creds: RemoteCredentials, problems: string[]): RemoteResult {
  let username = creds.username;
  let password = creds.password;
  if (u.username !== '' || u.password !== '') {
    if (password !== undefined) problems.push('--git-url: credentials both in the URL and in --git-password: give them once');
    // A token alone in the URL (https://TOKEN@host/...) is the password of any user.
    username ??= u.password !== '' ? decodeURIComponent(u.username) : undefined;
    password = decodeURIComponent(u.password !== '' ? u.password : u.username);
    u.username = '';
    u.password = '';
  }
  if (creds.sshKeyFile !== undefined || creds.sshKnownHostsFile !== undefined) problems.push('--git-ssh-key and --git-known-hosts are for ssh remotes only');
  if (username !== undefined && password === undefined) problems.push('--git-username: given without --git-password (or --git-password-file)');
  const url = u.toString();
  const env: Record<string, string> = {};
  const secrets: string[] = [];
  if (password !== undefined) {
    const auth = basicAuth(username, password);
    Object.assign(env, auth.env);
    secrets.push(...auth.secrets);
  }
  return done(problems, { transport: scheme, url, display: url, config: [...allow(scheme), ['http.followRedirects', 'initial']], env, secrets });
}

/**
 * The environment that makes git send `Authorization: Basic` for this user (default
 * `maracker`) and password, and the secrets it holds (the password, the encoded header).
 * An extra header rather than a credential helper: no helper program runs (credential.helper
 * stays empty), and the header goes to the remote's host only (http.followRedirects=initial).
 */
export function basicAuth(username: string | undefined, password: string): { env: Record<string, string>; secrets: string[] } {
  const basic = Buffer.from(`${username ?? 'maracker'}:${password}`, 'utf8').toString('base64');
  return {
    env: { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}` },
    secrets: [password, basic],
  };
}

/** Literal loopback addresses: no name is resolved (a hosts file or resolver could point it elsewhere). */
const LOOPBACK = /^(?:127\.(?:\d{1,3}\.){2}\d{1,3}|\[::1\])$/;

function gitDaemonRemote(raw: string, u: URL, creds: RemoteCredentials, problems: string[]): RemoteResult {
  noCredentials(creds, 'a git:// remote', problems);
  if (u.username !== '' || u.password !== '') problems.push('--git-url: a git:// URL takes no user or password (git daemon has no authentication)');
  if (!LOOPBACK.test(u.hostname))
    problems.push(
      '--git-url: git:// is accepted on a loopback address only (127.0.0.1, [::1]): it has no authentication and no integrity, so across a network anyone on the path could hand maracker commits; use https:// or ssh://',
    );
  // As given (no credential can be in it): git reads the path itself.
  return done(problems, { transport: 'git', url: raw, display: raw, config: allow('git'), env: { GIT_PROXY_COMMAND: '' }, secrets: [] });
}

function sshRemote(s: string, creds: RemoteCredentials, problems: string[]): RemoteResult {
  if (creds.password !== undefined || creds.username !== undefined) problems.push('--git-username and --git-password are for http(s) remotes only');
  if (/^ssh:\/\/[^/@]*:[^/@]*@/.test(s)) problems.push('--git-url: an ssh URL with a password: use a key (--git-ssh-key)');
  const key = creds.sshKeyFile;
  const known = creds.sshKnownHostsFile;
  if (key === undefined) problems.push('--git-ssh-key: required for an ssh remote (a private key file)');
  if (known === undefined) problems.push('--git-known-hosts: required for an ssh remote (host keys are never accepted unseen)');
  for (const [flag, path] of [
    ['--git-ssh-key', key],
    ['--git-known-hosts', known],
  ] as const) {
    if (path !== undefined && (!isAbsolute(path) || !SAFE_PATH.test(path)))
      problems.push(`${flag}: expected an absolute path of plain characters (A-Z a-z 0-9 . _ / + @ = , -)`);
  }
  const command = sshCommand(key ?? '', known ?? '');
  const files = [
    { option: '--git-ssh-key', path: key ?? '' },
    { option: '--git-known-hosts', path: known ?? '' },
  ];
  return done(problems, { transport: 'ssh', url: s, display: s, config: [...allow('ssh'), ['core.sshCommand', command]], env: {}, secrets: [], files });
}

/** The ssh git runs: this key only, this known_hosts only, no prompt, no agent, no forwarding. */
export function sshCommand(keyFile: string, knownHostsFile: string): string {
  return [
    'ssh',
    '-F /dev/null',
    `-i ${keyFile}`,
    '-o IdentitiesOnly=yes',
    '-o IdentityAgent=none',
    '-o BatchMode=yes',
    '-o StrictHostKeyChecking=yes',
    `-o UserKnownHostsFile=${knownHostsFile}`,
    '-o GlobalKnownHostsFile=/dev/null',
    '-o UpdateHostKeys=no',
    '-o ForwardAgent=no',
    '-o ClearAllForwardings=yes',
    '-o ConnectTimeout=15',
  ].join(' ');
}

function allow(transport: Transport): Array<[string, string]> {
  return [[`protocol.${transport}.allow`, 'always']];
}

function noCredentials(creds: RemoteCredentials, what: string, problems: string[]): void {
  if (Object.values(creds).some((v) => v !== undefined))
    problems.push(`--git-username, --git-password, --git-ssh-key and --git-known-hosts do not apply to ${what}`);
}

function done(problems: string[], remote: Remote): RemoteResult {
  return problems.length > 0 ? { ok: false, problems } : { ok: true, remote };
}
