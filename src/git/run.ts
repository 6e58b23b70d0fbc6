// The one way maracker runs git: on a repository it located itself (./locate.ts), never one
// git discovers, with every setting that could run a command or reach the network turned
// off, and an environment reduced to what git needs to find itself and the user's own
// configuration.
//
// Why: the manifests folder is written by everyone with commit rights. Plain files committed
// there (`HEAD`, `config` with `core.worktree = .` and `core.fsmonitor = "<cmd>"`, `objects/`,
// `refs/`) look to git like a bare repository of its own; `git -C <manifests> status` found
// it and ran `<cmd>` inside the daemon. Passing `--git-dir`/`--work-tree` stops the discovery,
// and the overrides below stop every command a repository's (or anyone's) configuration
// could name, should a planted configuration ever be read anyway.

import { execFile, spawn } from 'node:child_process';

/**
 * `-c` overrides given before every command. Command-line configuration wins over the
 * repository's, the user's and the system's, and git passes it on to any git it starts.
 */
export const HARDENED_CONFIG: readonly (readonly [key: string, value: string, why: string])[] = [
  ['core.fsmonitor', 'false', 'the attack itself: a path or command git runs to ask which files changed (status, any index refresh)'],
  ['core.hooksPath', '/dev/null', 'no hook can be found, e.g. post-index-change after an index write'],
  ['core.untrackedCache', 'false', 'no untracked-cache extension read or written into the index (it works with fsmonitor)'],
  ['safe.bareRepository', 'explicit', 'a bare repository is used only when named with --git-dir, never when found lying in a folder'],
  ['protocol.allow', 'never', 'no transport at all: a partial clone would otherwise fetch missing objects (network, ssh) during status'],
  ['credential.helper', '', 'an empty value clears the list of helpers: no credential program is started'],
  ['core.askPass', '', 'no password prompt program'],
  ['core.sshCommand', '', 'no ssh command from configuration'],
  ['diff.external', '', 'no external diff program'],
  ['core.pager', 'cat', 'no pager program (with --no-pager as well)'],
  ['status.submoduleSummary', 'false', 'status would run `git submodule summary`'],
  ['submodule.recurse', 'false', 'no git started in submodules (status is also given --ignore-submodules=all)'],
  ['gc.auto', '0', 'no automatic garbage collection (a background git) after a command'],
  ['maintenance.auto', 'false', 'no automatic maintenance after a command'],
  ['core.attributesFile', '/dev/null', 'no user-wide attributes file selecting filter or diff drivers'],
];

/** Variables of the inherited environment git may see: to find git, and the user's own config (~/.gitconfig, for safe.directory). */
const KEPT_VARIABLES = ['PATH', 'HOME', 'XDG_CONFIG_HOME'] as const;

/**
 * What git runs with. Everything else inherited is dropped: every `GIT_*` variable (GIT_DIR,
 * GIT_CONFIG_COUNT/KEY/VALUE, GIT_SSH_COMMAND, GIT_EXTERNAL_DIFF, GIT_TRACE2_* ... would all
 * steer it) and the daemon's own secrets (database URL, tokens), which git has no use for.
 */
export function gitEnvironment(inherited: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of KEPT_VARIABLES) {
    const value = inherited[name];
    if (value !== undefined && value !== '') env[name] = value;
  }
  return {
    ...env,
    // /etc/gitconfig is not maracker's to trust (the old image put safe.directory '*' there).
    GIT_CONFIG_NOSYSTEM: '1',
    // /etc/gitattributes likewise: attributes select filter and diff drivers.
    GIT_ATTR_NOSYSTEM: '1',
    // Never wait for a person to type a password.
    GIT_TERMINAL_PROMPT: '0',
    // Never take index.lock to refresh the index: the operator's own `git checkout` must not fail because of us.
    GIT_OPTIONAL_LOCKS: '0',
    // No fetch of missing objects from a promisor remote (git 2.44 and later; older ones ignore it).
    GIT_NO_LAZY_FETCH: '1',
    // Messages in English, so that a refusal can be shown as git said it.
    LC_ALL: 'C',
  };
}

export interface GitLocation {
  /** The repository (`.git` folder, or what a `.git` file points to). */
  gitDir: string;
  /** The work tree it belongs to. */
  workTree: string;
}

export interface RunGitOptions {
  /** Where git runs: relative pathspecs are relative to it. Must be inside the work tree. */
  cwd: string;
  /** From gitEnvironment(). */
  env: Readonly<Record<string, string>>;
  /** Default 5000 ms; git is killed after it. */
  timeoutMs?: number;
}

export type GitOutcome =
  | { ok: true; stdout: string }
  /**
   * `exitCode` is undefined when git did not run to its end (not installed, killed, timed
   * out); `said` is the first line git wrote to stderr (empty when it said nothing).
   */
  | { ok: false; exitCode: number | undefined; said: string; reason: string };

/** The arguments of one hardened git command on `at` (exported for tests and docs). */
export function hardenedArgs(at: GitLocation, args: readonly string[]): string[] {
  return [
    '--no-pager',
    '--no-optional-locks',
    `--git-dir=${at.gitDir}`,
    `--work-tree=${at.workTree}`,
    ...HARDENED_CONFIG.flatMap(([key, value]) => ['-c', `${key}=${value}`]),
    ...args,
  ];
}

/** Runs `git <hardened> <args>`; never throws, never uses a shell. */
export function runGit(at: GitLocation, args: readonly string[], o: RunGitOptions): Promise<GitOutcome> {
  return new Promise((resolve) => {
    execFile(
      'git',
      hardenedArgs(at, args),
      { cwd: o.cwd, env: o.env, timeout: o.timeoutMs ?? 5000, maxBuffer: 4 * 1024 * 1024, windowsHide: true },
      (err, stdout, stderr) => {
        if (!err) return resolve({ ok: true, stdout });
        const code = (err as { code?: unknown }).code;
        const exitCode = typeof code === 'number' ? code : undefined;
        const said = firstLine(stderr);
        resolve({ ok: false, exitCode, said, reason: failureReason(err, exitCode, said) });
      },
    );
  });
}

/** stderr's non-blank lines, trimmed: at most 40, each bounded as firstLine() bounds one. */
function stderrLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .slice(0, 40)
    .map(boundedLine);
}

/** git's own words: the first line only, bounded (a path or a reason, never file content). */
function firstLine(stderr: string): string {
  return boundedLine(
    stderr
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.length > 0) ?? '',
  );
}

function boundedLine(line: string): string {
  return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}

function failureReason(err: Error & { code?: unknown; killed?: boolean }, exitCode: number | undefined, said: string): string {
  if (err.code === 'ENOENT') return 'git is not installed (not found on PATH)';
  if (err.killed) return 'git did not answer in time';
  return `git failed${exitCode === undefined ? '' : ` (exit ${exitCode})`}${said ? `: ${said}` : ''}`;
}

// --- a repository of maracker's own ------------------------------------------------------
//
// The git source (src/sources/git-repo.ts) keeps a bare clone in maracker's data folder and
// reads manifests out of its objects. Same hardening, three differences: there is no work
// tree, one command (fetch) must reach one transport, and what git writes to stdout is
// bounded (a blob read is at most the size the limits allow, never "whatever the commit has").

export interface RunBareOptions {
  /** From gitEnvironment(), plus whatever one command needs (credentials as GIT_CONFIG_*). */
  env: Readonly<Record<string, string>>;
  /** Default 5000 ms; git is killed (SIGKILL) after it. */
  timeoutMs?: number;
  /** Bytes of stdout kept; git is killed when it writes more. Default 4 MiB. */
  maxOutputBytes?: number;
  /** Written to git's stdin, then closed. */
  stdin?: string;
  /** `-c` pairs after the hardened ones (they win over them, e.g. protocol.https.allow=always). */
  config?: readonly (readonly [key: string, value: string])[];
  /** Kills git when aborted (daemon stopping). */
  signal?: AbortSignal;
}

export type BareOutcome =
  | { ok: true; stdout: Buffer }
  | {
      ok: false;
      exitCode: number | undefined;
      said: string;
      reason: string;
      /** What git (and the programs it ran, e.g. ssh) wrote to stderr: its first lines, trimmed and bounded. For telling failures apart; not to be shown whole. */
      lines: readonly string[];
      /** git wrote more than maxOutputBytes. */
      overflow?: boolean;
    };

/** The arguments of one hardened git command on the bare repository `gitDir`. */
export function bareArgs(gitDir: string | undefined, args: readonly string[], config: RunBareOptions['config'] = []): string[] {
  return [
    '--no-pager',
    '--no-optional-locks',
    ...(gitDir !== undefined ? [`--git-dir=${gitDir}`] : []),
    ...HARDENED_CONFIG.flatMap(([key, value]) => ['-c', `${key}=${value}`]),
    ...config.flatMap(([key, value]) => ['-c', `${key}=${value}`]),
    ...args,
  ];
}

/** Runs `git <hardened> <args>` on `gitDir` (undefined for `init`); never throws, never uses a shell. */
export function runBareGit(gitDir: string | undefined, args: readonly string[], o: RunBareOptions): Promise<BareOutcome> {
  const max = o.maxOutputBytes ?? 4 * 1024 * 1024;
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn('git', bareArgs(gitDir, args, o.config), { cwd: '/', env: o.env, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    } catch (err) {
      resolve({ ok: false, exitCode: undefined, said: '', reason: `git could not be started: ${(err as Error).message}`, lines: [] });
      return;
    }
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let ended: 'timeout' | 'overflow' | 'aborted' | undefined;
    const kill = (why: NonNullable<typeof ended>): void => {
      ended ??= why;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => kill('timeout'), o.timeoutMs ?? 5000);
    const onAbort = (): void => kill('aborted');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout?.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > max) return kill('overflow');
      out.push(chunk);
    });
    // stderr: git's words for a failure; only the start is ever shown.
    child.stderr?.on('data', (chunk: Buffer) => {
      if (err.length < 16_384) err += chunk.toString('utf8');
    });
    // git may exit before reading all of stdin (a failure): not an error of ours.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(o.stdin ?? '');
    let spawnError: NodeJS.ErrnoException | undefined;
    child.on('error', (e: NodeJS.ErrnoException) => {
      spawnError = e;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      // fetch says "remote: ..." lines (the server's words) before its own "fatal: ...".
      const said = firstLine(err.split('\n').find((l) => /^(fatal|error): /.test(l)) ?? err);
      const lines = stderrLines(err);
      const failed = (reason: string, exitCode: number | undefined = undefined): Extract<BareOutcome, { ok: false }> => ({
        ok: false,
        exitCode,
        said,
        reason,
        lines,
      });
      if (spawnError?.code === 'ENOENT') return resolve(failed('git is not installed (not found on PATH)'));
      if (ended === 'timeout') return resolve(failed('git did not answer in time'));
      if (ended === 'aborted') return resolve(failed('git was stopped (maracker is stopping)'));
      if (ended === 'overflow') return resolve({ ...failed(`git wrote more than ${max} bytes`), overflow: true });
      if (code === 0) return resolve({ ok: true, stdout: Buffer.concat(out, outBytes) });
      const exitCode = code ?? undefined;
      resolve(failed(`git failed${exitCode === undefined ? '' : ` (exit ${exitCode})`}${said ? `: ${said}` : ''}`, exitCode));
    });
  });
}
