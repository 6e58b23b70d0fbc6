// Configuration of the daemon (`maracker run`, `maracker up`): declared once as option
// specs (flag + environment variable + default), validated into one frozen object.
// Nothing else in the daemon reads flags or the environment.

import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { isAbsolute, join, posix, resolve } from 'node:path';
import { readPasswordFileSync } from '../git/password-file.js';
import { parseRemote, type Remote } from '../git/remote.js';
import { DEFAULT_GIT_INTERVAL_MS } from '../sources/git-repo.js';
import { ConfigError, parseOptions, type OptionSpec, type OptionValues } from './options.js';
import type { Env } from '../base/env.js';
import { DEFAULT_INPUT_LIMITS, LIMIT_FLAGS, type InputLimits } from '../manifest/limits.js';
import { gitEnvironment } from '../git/run.js';
import { authSecrets, basicUserProblem, type MarathonAuth } from '../marathon/auth.js';
import { EVENTS_DEFAULTS } from '../marathon/events.js';
import { DEFAULTS as MARATHON_DEFAULTS, type MarathonClientOptions } from '../marathon/options.js';
import { checkMarathonUrl } from '../marathon/url.js';
import { STATUS_LIMIT_DEFAULTS, type StatusLimits } from '../status/limits.js';
import { decoded, redactCredentials, urlSecrets, userinfoOf } from '../secrets/url.js';
import { installationProblem } from '../model/installation.js';
import { derivedInstallation, normalizedUrl } from './installation.js';
import { DEFAULT_PRUNE_BUDGET } from '../prune/budget.js';
import { DEFAULT_SETTLE_MS } from '../sources/settle.js';
import { DEFAULT_IMAGE_REFRESH_MS } from '../sources/image-metadata.js';
import { buildRegistryConfig, REGISTRY_OPTIONS, type RegistryConfig } from './registry.js';
import { DEFAULT_TRAEFIK_GRAMMAR, TRAEFIK_GRAMMARS, type TraefikGrammar } from '../manifest/types.js';
import { LOG_FORMATS, type LogFormat } from '../base/log.js';
import { DEFAULT_DEPLOYMENT_TIMEOUT_MS } from '../reconcile/deployment-gate.js';
import { OLDER_TASKS_GRACE_MS } from '../plan/stale-tasks.js';

export interface DaemonConfig {
  marathon: {
    url: string;
    timeoutMs: number;
    auth?: MarathonAuth;
    /** Path of a PEM file with the CA that signed Marathon's certificate. */
    caFile?: string;
    insecureTls: boolean;
    /** Listen to /v2/events for prompt self-heal. */
    events: boolean;
    /** Largest event on /v2/events, bytes: a larger one drops and reconnects the stream. */
    eventMaxBytes: number;
  };
  /** Absolute path of the manifests folder, or null when the folder source is off. */
  manifests: string | null;
  /** The git source (--git-url), or null when it is off. */
  git: GitSourceConfig | null;
  /** A manifest rewritten in place is applied once left alone this long (atomic saves at once); a deleted one once gone this long. */
  settleMs: number;
  /** File of the parse cache (src/app/parse-cache-file.ts), or null when it is off. */
  manifestCache: string | null;
  /** The prune guard's ledger without a database (--prune-ledger); null: memory only. */
  pruneLedger: string | null;
  /** What each app was last served, kept across restarts (--route-memory); null: memory only. */
  routeMemory: string | null;
  databaseUrl: string | null;
  listen: { host: string; port: number };
  statusToken: string | null;
  /** A second bearer token, accepted by GET /traefik/v3 only (Traefik's provider headers). */
  traefikToken: string | null;
  /** What a status client may send, and for how long (src/status/limits.ts). */
  statusLimits: Pick<StatusLimits, 'headersTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs' | 'maxConnections' | 'maxHeaderBytes'>;
  resyncIntervalMs: number;
  concurrency: number;
  maxDeployments: number;
  deploymentTimeoutMs: number;
  olderTasksGraceMs: number;
  writeRatePerSecond: number;
  force: boolean;
  prune: boolean;
  /** The prune guard's budget: minApps / share of managed apps deletable without approval per windowMs. */
  pruneGuard: { minApps: number; share: number; windowMs: number; disabled: boolean };
  traefik: TraefikGrammar;
  /** Rows may set traefik.* labels (--row-traefik-labels). */
  rowTraefikLabels: boolean;
  /** Limits on manifest files and database rows. */
  limits: InputLimits;
  logLevel: string;
  /** JSON lines, readable lines, or pretty on a terminal only. */
  logFormat: LogFormat;
  shutdownTimeoutMs: number;
  /** Name of this daemon in status and leader election. */
  instance: string;
  /** The environment git runs with (PATH, HOME, XDG_CONFIG_HOME and git's hardening): src/git/run.ts. */
  gitEnv: Readonly<Record<string, string>>;
  /** Resources, HTTP port and health check of apps that leave them out, from their image's labels (docs/image-metadata.md). */
  images: { enabled: boolean; pin: boolean; refreshMs: number; registry: RegistryConfig };
  /**
   * Name of this installation, carried in the ownership label of its apps; null when not
   * given: read from the database when there is one, derived otherwise (config/installation.ts).
   */
  installation: string | null;
}

export interface GitSourceConfig {
  /** Where it fetches from, checked (src/git/remote.ts): no credential in its url. */
  remote: Remote;
  ref: string;
  /** Folder of the repository holding the manifests, '/' separated, '' for the root. */
  path: string;
  intervalMs: number;
  /** The folder of maracker's own clone (one per URL and ref). */
  cloneDir: string;
  /** Shared secret of POST /hooks/git; null: no webhook. */
  webhookSecret: string | null;
  /** --git-password-file (absolute) and its user: read again before every fetch (src/git/password-file.ts). */
  passwordFile: { path: string; username?: string } | null;
  /** ssh: how long fetches may share one login (src/git/ssh-reuse.ts); 0: every fetch logs in. The daemon's only. */
  sshReuseMs: number;
}

/**
 * How long the daemon's ssh fetches share one login, by default (--git-ssh-reuse): not at all.
 * Sharing trades how soon a revoked key or a stopped server is seen for a faster fetch; the
 * operator chooses it.
 */
const DEFAULT_SSH_REUSE_S = 0;

/** The git source's options: the daemon, `plan` and `validate` take them alike. */
export const GIT_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'git-url',
    type: 'string',
    env: 'MARACKER_GIT_URL',
    description: 'Follow this git repository (https://, http://, ssh://, file:// or a path; git:// on a loopback address): enables the git source',
  },
  { name: 'git-ref', type: 'string', env: 'MARACKER_GIT_REF', default: 'main', description: 'Branch, tag or ref the git source follows' },
  { name: 'git-path', type: 'string', env: 'MARACKER_GIT_PATH', default: '.', description: 'Folder of the repository that holds the manifests' },
  {
    name: 'git-interval',
    type: 'number',
    env: 'MARACKER_GIT_INTERVAL',
    default: DEFAULT_GIT_INTERVAL_MS / 1000,
    min: 1,
    description: 'Fetch every this many seconds (jittered; failures back off)',
  },
  { name: 'git-username', type: 'string', env: 'MARACKER_GIT_USERNAME', description: 'http(s) user sent with --git-password (default "maracker")' },
  { name: 'git-password', type: 'string', env: 'MARACKER_GIT_PASSWORD', secret: true, description: 'http(s) token or password (never logged or shown)' },
  {
    name: 'git-password-file',
    type: 'string',
    env: 'MARACKER_GIT_PASSWORD_FILE',
    description: 'File holding the http(s) token or password (read again before every fetch: a rotated token needs no restart)',
  },
  { name: 'git-ssh-key', type: 'string', env: 'MARACKER_GIT_SSH_KEY', description: 'ssh: private key file (absolute path)' },
  {
    name: 'git-known-hosts',
    type: 'string',
    env: 'MARACKER_GIT_KNOWN_HOSTS',
    description: "ssh: known_hosts file with the server's host key (required; never accepted unseen)",
  },
  {
    name: 'git-webhook-secret',
    type: 'string',
    env: 'MARACKER_GIT_WEBHOOK_SECRET',
    secret: true,
    description: 'Secret of POST /hooks/git (GitHub, GitLab, Gitea webhooks): fetch at once',
  },
  {
    name: 'git-cache',
    type: 'string',
    env: 'MARACKER_GIT_CACHE',
    description: "Folder of maracker's own clones (default: $XDG_CACHE_HOME/maracker/git, else ~/.cache/maracker/git)",
  },
];

/**
 * The git source from option values; null without --git-url. A --git-password-file is read
 * here (its content is a secret like --git-password), and again before every fetch.
 */
export function gitSourceConfig(v: OptionValues, cwd: string, problems: string[], env: Env = {}): GitSourceConfig | null {
  const url = v['git-url'] as string | undefined;
  if (url === undefined) return null;
  let password = v['git-password'] as string | undefined;
  const passwordFile = v['git-password-file'] as string | undefined;
  if (passwordFile !== undefined) {
    if (password !== undefined) problems.push('--git-password-file: give either it or --git-password');
    // Read here to fail at start-up, and again before every fetch (a rotated token).
    const read = readPasswordFileSync(resolve(cwd, passwordFile), passwordFile);
    if (read.ok) password = read.password;
    else problems.push(read.reason);
  }
  const parsed = parseRemote(
    url,
    {
      ...(v['git-username'] !== undefined ? { username: String(v['git-username']) } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(v['git-ssh-key'] !== undefined ? { sshKeyFile: resolve(cwd, String(v['git-ssh-key'])) } : {}),
      ...(v['git-known-hosts'] !== undefined ? { sshKnownHostsFile: resolve(cwd, String(v['git-known-hosts'])) } : {}),
    },
    cwd,
  );
  const ref = String(v['git-ref'] ?? 'main');
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(ref) || /\.\.|\/\/|\.lock$|\/$|@\{/.test(ref))
    problems.push(`--git-ref: not a branch, tag or ref name: ${JSON.stringify(ref)}`);
  const rawPath = String(v['git-path'] ?? '.');
  const normalized = posix.normalize(rawPath).replace(/\/+$/, '');
  const path = normalized === '.' ? '' : normalized;
  if (posix.isAbsolute(rawPath) || path === '..' || path.startsWith('../'))
    problems.push(`--git-path: expected a folder inside the repository, got ${JSON.stringify(rawPath)}`);
  const webhookSecret = (v['git-webhook-secret'] as string | undefined) ?? null;
  if (webhookSecret !== null && webhookSecret.length < 16) problems.push('--git-webhook-secret: expected 16 characters and more (e.g. openssl rand -hex 32)');
  if (!parsed.ok) {
    problems.push(...parsed.problems);
    return null;
  }
  const cache = resolve(cwd, String(v['git-cache'] ?? defaultGitCache(env)));
  // One clone per remote and ref: two daemons following two branches never share refs.
  const id = createHash('sha256').update(`${parsed.remote.url}\0${ref}`).digest('hex').slice(0, 16);
  return {
    remote: parsed.remote,
    ref,
    path,
    intervalMs: Number(v['git-interval'] ?? DEFAULT_GIT_INTERVAL_MS / 1000) * 1000,
    cloneDir: join(cache, `${id}.git`),
    webhookSecret,
    sshReuseMs: parsed.remote.transport === 'ssh' ? Number(v['git-ssh-reuse'] ?? 0) * 1000 : 0,
    passwordFile:
      passwordFile !== undefined && (parsed.remote.transport === 'http' || parsed.remote.transport === 'https')
        ? { path: resolve(cwd, passwordFile), ...(v['git-username'] !== undefined ? { username: String(v['git-username']) } : {}) }
        : null,
  };
}

/**
 * The parse cache's file: one per manifests folder and git source, so that two daemons of one
 * user following different sources do not take turns overwriting one file. Off without a
 * source of files, with "none", and without a cache folder to put it in (no
 * XDG_CACHE_HOME nor HOME: the working directory may not be writable).
 */
function manifestCacheFile(v: OptionValues, cwd: string, env: Env, manifests: string | null, git: GitSourceConfig | null): string | null {
  const raw = v['manifest-cache'] as string | undefined;
  if (raw === 'none' || (manifests === null && git === null)) return null;
  if (raw !== undefined) return resolve(cwd, raw);
  const base = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, '.cache') : undefined);
  if (base === undefined) return null;
  const id = createHash('sha256')
    .update(`${manifests ?? ''}\0${git ? `${git.remote.url}\0${git.ref}\0${git.path}` : ''}`)
    .digest('hex')
    .slice(0, 16);
  return resolve(cwd, join(base, 'maracker', 'manifests', `${id}.cache`));
}

/**
 * A file the daemon keeps its own state in, one per installation and Marathon, so that
 * daemons of one user managing different installations keep theirs apart: the path given
 * with `option`, or `<folder>/<id><suffix>` where the user's state goes. Memory only with
 * "none", and without a folder for state (no XDG_STATE_HOME nor HOME).
 * - `prune-ledger`: the prune guard's ledger without a database (src/prune/ledger-file.ts);
 * - `route-memory`: what each app was last served (src/status/route-memory.ts). State, not
 *   cache: without it a restart serves no route to an app whose declaration is broken.
 */
function stateFile(
  option: 'prune-ledger' | 'route-memory',
  where: { v: OptionValues; cwd: string; env: Env; installation: string; marathonUrl: string },
): string | null {
  const { v, cwd, env } = where;
  const raw = v[option] as string | undefined;
  if (raw === 'none') return null;
  if (raw !== undefined) return resolve(cwd, raw);
  const base = env.XDG_STATE_HOME || (env.HOME ? join(env.HOME, '.local', 'state') : undefined);
  if (base === undefined) return null;
  const id = createHash('sha256')
    .update(`${where.installation}\0${normalizedUrl(where.marathonUrl)}`)
    .digest('hex')
    .slice(0, 16);
  const file = option === 'prune-ledger' ? join('prune', `${id}.jsonl`) : join('routes', `${id}.json`);
  return resolve(cwd, join(base, 'maracker', file));
}

/**
 * A clone is a cache (deleted, it is fetched again), kept where the user's caches go: the
 * daemon's working directory may not be writable (the container image's is not).
 */
function defaultGitCache(env: Env): string {
  const base = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, '.cache') : undefined);
  return base ? join(base, 'maracker', 'git') : './.maracker/git';
}

export const MARATHON_OPTIONS: readonly OptionSpec[] = [
  { name: 'marathon', type: 'string', env: 'MARACKER_MARATHON_URL', default: 'http://127.0.0.1:8080', description: 'Marathon base URL' },
  { name: 'marathon-user', type: 'string', env: 'MARACKER_MARATHON_USER', description: 'HTTP basic user for Marathon' },
  { name: 'marathon-password', type: 'string', env: 'MARACKER_MARATHON_PASSWORD', secret: true, description: 'HTTP basic password for Marathon' },
  { name: 'marathon-token', type: 'string', env: 'MARACKER_MARATHON_TOKEN', secret: true, description: 'DC/OS token (sent as Authorization: token=...)' },
  { name: 'marathon-ca', type: 'string', env: 'MARACKER_MARATHON_CA', description: "PEM file of the CA that signed Marathon's certificate" },
  {
    name: 'marathon-insecure-tls',
    type: 'boolean',
    env: 'MARACKER_MARATHON_INSECURE_TLS',
    default: false,
    description: 'Skip TLS certificate verification (explicit opt-in)',
  },
  {
    name: 'marathon-timeout',
    type: 'number',
    env: 'MARACKER_MARATHON_TIMEOUT_MS',
    default: MARATHON_DEFAULTS.timeoutMs,
    min: 1,
    description: 'Timeout of each Marathon request, ms',
  },
];

/** Limits on manifest files: the daemon, `validate` and `plan` read files alike. */
export const FILE_LIMIT_OPTIONS: readonly OptionSpec[] = [
  {
    name: LIMIT_FLAGS.maxFileBytes,
    type: 'number',
    env: 'MARACKER_MAX_FILE_BYTES',
    default: DEFAULT_INPUT_LIMITS.maxFileBytes,
    min: 1,
    description: 'Largest manifest file read, bytes',
  },
  {
    name: LIMIT_FLAGS.maxFileDocuments,
    type: 'number',
    env: 'MARACKER_MAX_FILE_DOCUMENTS',
    default: DEFAULT_INPUT_LIMITS.maxFileDocuments,
    min: 1,
    description: 'YAML documents per manifest file',
  },
  {
    name: LIMIT_FLAGS.maxYamlAliases,
    type: 'number',
    env: 'MARACKER_MAX_YAML_ALIASES',
    default: DEFAULT_INPUT_LIMITS.maxYamlAliases,
    min: 0,
    description: 'YAML aliases (*name) per document',
  },
  {
    name: LIMIT_FLAGS.maxYamlDepth,
    type: 'number',
    env: 'MARACKER_MAX_YAML_DEPTH',
    default: DEFAULT_INPUT_LIMITS.maxYamlDepth,
    min: 1,
    description: 'Nesting depth of a YAML document (mappings and lists, aliases followed)',
  },
  {
    name: LIMIT_FLAGS.maxYamlNodes,
    type: 'number',
    env: 'MARACKER_MAX_YAML_NODES',
    default: DEFAULT_INPUT_LIMITS.maxYamlNodes,
    min: 1,
    description: 'Mapping entries and list items per YAML document, aliases expanded',
  },
];

/** Limits on rows of maracker.apps. */
export const ROW_LIMIT_OPTIONS: readonly OptionSpec[] = [
  {
    name: LIMIT_FLAGS.maxRowBytes,
    type: 'number',
    env: 'MARACKER_MAX_ROW_BYTES',
    default: DEFAULT_INPUT_LIMITS.maxRowBytes,
    min: 1,
    description: 'Largest database row read: its spec and labels as JSON text, bytes',
  },
  {
    name: LIMIT_FLAGS.maxRowDepth,
    type: 'number',
    env: 'MARACKER_MAX_ROW_DEPTH',
    default: DEFAULT_INPUT_LIMITS.maxRowDepth,
    min: 1,
    description: "Nesting depth of a row's spec or labels",
  },
  {
    name: LIMIT_FLAGS.maxRowApps,
    type: 'number',
    env: 'MARACKER_MAX_ROW_APPS',
    default: DEFAULT_INPUT_LIMITS.maxRowApps,
    min: 0,
    description: 'Apps the database rows may declare in all (a quota: rows beyond it, in id order, are held back, their apps neither created nor changed)',
  },
];

/** Limits on what one app of a file or a row asks for. */
export const APP_LIMIT_OPTIONS: readonly OptionSpec[] = [
  {
    name: LIMIT_FLAGS.maxInstances,
    type: 'number',
    env: 'MARACKER_MAX_INSTANCES',
    default: DEFAULT_INPUT_LIMITS.maxInstances,
    min: 0,
    description: 'Instances one app may ask for (Marathon sets no limit, and schedules every instance at once)',
  },
  {
    name: LIMIT_FLAGS.maxPorts,
    type: 'number',
    env: 'MARACKER_MAX_PORTS',
    default: DEFAULT_INPUT_LIMITS.maxPorts,
    min: 0,
    description: "Ports one app declares (each takes one of the service ports Marathon's whole cluster shares)",
  },
  {
    name: LIMIT_FLAGS.maxHealthChecks,
    type: 'number',
    env: 'MARACKER_MAX_HEALTH_CHECKS',
    default: DEFAULT_INPUT_LIMITS.maxHealthChecks,
    min: 0,
    description: 'Health checks one app declares (Marathon sets no limit, and runs each on every task)',
  },
];

export const DAEMON_OPTIONS: readonly OptionSpec[] = [
  ...MARATHON_OPTIONS,
  ...GIT_OPTIONS,
  {
    name: 'git-ssh-reuse',
    type: 'number',
    env: 'MARACKER_GIT_SSH_REUSE',
    default: DEFAULT_SSH_REUSE_S,
    min: 0,
    description:
      "ssh: fetches share one connection for at most this many seconds, then log in again (0: every fetch logs in; 60 makes a push's fetch about 200 ms faster)",
  },
  {
    name: 'manifests',
    type: 'string',
    env: 'MARACKER_MANIFESTS',
    default: './manifests',
    description: 'Folder of YAML manifests ("none" disables the folder source; off by default with --git-url)',
  },
  {
    name: 'settle-ms',
    type: 'number',
    env: 'MARACKER_SETTLE_MS',
    default: DEFAULT_SETTLE_MS,
    min: 0,
    description: 'A manifest rewritten in place is applied once left alone this long, ms (atomic saves apply at once); a deleted one once gone this long',
  },
  {
    name: 'database-url',
    type: 'string',
    env: 'MARACKER_DATABASE_URL',
    envAliases: ['DATABASE_URL'],
    secret: true,
    description: 'PostgreSQL URL of the apps table (enables the database source)',
  },
  { name: 'listen', type: 'string', env: 'MARACKER_LISTEN', default: '127.0.0.1:8090', description: 'Status server address, HOST:PORT' },
  {
    name: 'status-token',
    type: 'string',
    env: 'MARACKER_STATUS_TOKEN',
    secret: true,
    description: 'Bearer token required by the status server (all but /healthz)',
  },
  {
    name: 'traefik-token',
    type: 'string',
    env: 'MARACKER_TRAEFIK_TOKEN',
    secret: true,
    description:
      'A bearer token for Traefik v3 (--traefik v3): accepted by GET /traefik/v3 only, so Traefik need not hold the status token, which approves prunes',
  },
  {
    name: 'status-header-timeout',
    type: 'number',
    env: 'MARACKER_STATUS_HEADER_TIMEOUT',
    default: STATUS_LIMIT_DEFAULTS.headersTimeoutMs / 1000,
    min: 0.1,
    description: 'Seconds a status client has to send its request line and headers (then 408 and closed)',
  },
  {
    name: 'status-request-timeout',
    type: 'number',
    env: 'MARACKER_STATUS_REQUEST_TIMEOUT',
    default: STATUS_LIMIT_DEFAULTS.requestTimeoutMs / 1000,
    min: 0.1,
    description: 'Seconds a status client has to send a whole request; also how long a connection may sit silent with a response pending',
  },
  {
    name: 'status-keep-alive-timeout',
    type: 'number',
    env: 'MARACKER_STATUS_KEEP_ALIVE_TIMEOUT',
    default: STATUS_LIMIT_DEFAULTS.keepAliveTimeoutMs / 1000,
    min: 0.1,
    description: 'Seconds an idle keep-alive status connection stays open (above the idle timeout of a proxy in front)',
  },
  {
    name: 'status-max-connections',
    type: 'number',
    env: 'MARACKER_STATUS_MAX_CONNECTIONS',
    default: STATUS_LIMIT_DEFAULTS.maxConnections,
    min: 1,
    description: 'Status connections open at once; more are closed as they arrive',
  },
  {
    name: 'status-max-header-bytes',
    type: 'number',
    env: 'MARACKER_STATUS_MAX_HEADER_BYTES',
    default: STATUS_LIMIT_DEFAULTS.maxHeaderBytes,
    min: 1024,
    description: 'Largest status request head (URL and headers), bytes; larger: 431 (414 for the URL)',
  },
  { name: 'resync-interval', type: 'number', env: 'MARACKER_RESYNC_INTERVAL', default: 30, min: 1, description: 'Full resync period, seconds (jittered ±10%)' },
  {
    name: 'manifest-cache',
    type: 'string',
    env: 'MARACKER_MANIFEST_CACHE',
    description:
      'File of parsed manifests kept across restarts, so that a restart parses only what changed ("none": off; default: $XDG_CACHE_HOME/maracker/manifests/<id>.cache, else ~/.cache/..., off without either)',
  },
  { name: 'concurrency', type: 'number', env: 'MARACKER_CONCURRENCY', default: 8, min: 1, description: 'Apps reconciled at once' },
  {
    name: 'max-deployments',
    type: 'number',
    env: 'MARACKER_MAX_DEPLOYMENTS',
    default: 20,
    min: 1,
    description: 'Concurrent Marathon deployments maracker may start',
  },
  {
    name: 'deployment-timeout',
    type: 'number',
    env: 'MARACKER_DEPLOYMENT_TIMEOUT',
    default: DEFAULT_DEPLOYMENT_TIMEOUT_MS / 1000,
    min: 1,
    description: 'Seconds after which a running deployment is taken as stuck: its app reads Degraded, and it stops counting against --max-deployments',
  },
  {
    name: 'older-tasks-grace',
    type: 'number',
    env: 'MARACKER_OLDER_TASKS_GRACE',
    default: OLDER_TASKS_GRACE_MS / 1000,
    min: 0,
    description:
      "Seconds tasks of an older configuration must be seen running with no deployment (a scale replaced the rolling restart) before maracker restarts the app, plus the app's taskKillGracePeriodSeconds",
  },
  { name: 'write-rate', type: 'number', env: 'MARACKER_WRITE_RATE', default: 20, min: 0.01, description: 'Marathon writes per second (token bucket)' },
  { name: 'events', type: 'boolean', env: 'MARACKER_EVENTS', default: true, description: 'Follow /v2/events to repair drift promptly' },
  {
    name: 'event-max-bytes',
    type: 'number',
    env: 'MARACKER_EVENT_MAX_BYTES',
    default: EVENTS_DEFAULTS.maxEventBytes,
    min: 1024,
    description: 'Largest Marathon event accepted, bytes (16 MiB; big group deployments send a few MB); a larger one drops and reconnects the event stream',
  },
  { name: 'force', type: 'boolean', env: 'MARACKER_FORCE', default: false, description: 'Override deployment locks with force=true instead of waiting' },
  { name: 'prune', type: 'boolean', env: 'MARACKER_PRUNE', default: true, description: 'Delete managed apps no source declares' },
  {
    name: 'prune-min-apps',
    type: 'number',
    env: 'MARACKER_PRUNE_MIN_APPS',
    default: DEFAULT_PRUNE_BUDGET.minApps,
    min: 0,
    description: 'Prune guard: deletes always allowed without approval per --prune-window',
  },
  {
    name: 'prune-share',
    type: 'number',
    env: 'MARACKER_PRUNE_SHARE',
    default: DEFAULT_PRUNE_BUDGET.share,
    min: 0,
    description: 'Prune guard: share of managed apps deletable without approval per --prune-window',
  },
  {
    name: 'prune-window',
    type: 'number',
    env: 'MARACKER_PRUNE_WINDOW',
    default: DEFAULT_PRUNE_BUDGET.windowMs / 1000,
    min: 1,
    description:
      'Prune guard: the sliding window its budget counts deletions over, seconds (kept across restarts in the database, or without one in --prune-ledger)',
  },
  {
    name: 'prune-ledger',
    type: 'string',
    env: 'MARACKER_PRUNE_LEDGER',
    description:
      'Without a database, the file the prune guard keeps its counted deletions in, so that a restart gets no fresh budget ("none": memory only; default: $XDG_STATE_HOME/maracker/prune/<id>.jsonl, else ~/.local/state/..., memory without either)',
  },
  {
    name: 'route-memory',
    type: 'string',
    env: 'MARACKER_ROUTE_MEMORY',
    description:
      'File keeping the route, URL and hosts each app was last served, so that after a restart an app whose declaration is broken keeps its Traefik v3 route and its hosts ("none": memory only; default: $XDG_STATE_HOME/maracker/routes/<id>.json, else ~/.local/state/..., memory without either)',
  },
  { name: 'allow-mass-prune', type: 'boolean', env: 'MARACKER_ALLOW_MASS_PRUNE', default: false, description: 'Disable the prune guard (every use is logged)' },
  {
    name: 'traefik',
    type: 'string',
    env: 'MARACKER_TRAEFIK',
    default: DEFAULT_TRAEFIK_GRAMMAR,
    choices: TRAEFIK_GRAMMARS,
    description: 'How expose reaches Traefik: labels in the v1, v2 or both grammars, or v3 (no labels: routes served to Traefik v3 at GET /traefik/v3)',
  },
  {
    name: 'row-traefik-labels',
    type: 'boolean',
    env: 'MARACKER_ROW_TRAEFIK_LABELS',
    default: false,
    description:
      'Let rows of maracker.apps set traefik.* labels (by default spec.expose alone routes a row: a label could route the host of another app to it)',
  },
  ...FILE_LIMIT_OPTIONS,
  ...ROW_LIMIT_OPTIONS,
  ...APP_LIMIT_OPTIONS,
  {
    name: 'image-metadata',
    type: 'boolean',
    env: 'MARACKER_IMAGE_METADATA',
    default: true,
    description:
      "Take cpus, mem, disk, the HTTP port and the health check a spec leaves out from its Docker image's labels, read from the registry (an app whose image cannot be read is Unknown: neither created nor deleted); --no-image-metadata leaves them to Marathon's defaults",
  },
  {
    name: 'pin-images',
    type: 'boolean',
    env: 'MARACKER_PIN_IMAGES',
    default: false,
    description: 'Run image@sha256:digest for image:tag, as resolved; a tag pushed anew rolls the app through the normal plan',
  },
  {
    name: 'image-refresh',
    type: 'number',
    env: 'MARACKER_IMAGE_REFRESH',
    default: DEFAULT_IMAGE_REFRESH_MS / 1000,
    min: 1,
    description: 'Seconds after which an image is read again from its registry (a tag pushed anew is seen then)',
  },
  ...REGISTRY_OPTIONS,
  {
    name: 'log-level',
    type: 'string',
    env: 'MARACKER_LOG_LEVEL',
    default: 'info',
    choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    description: 'Log level',
  },
  {
    name: 'log-format',
    type: 'string',
    env: 'MARACKER_LOG_FORMAT',
    default: 'auto',
    choices: LOG_FORMATS,
    description: 'Log lines as JSON (machines) or one readable line per event (pretty); auto: pretty on a terminal',
  },
  {
    name: 'shutdown-timeout',
    type: 'number',
    env: 'MARACKER_SHUTDOWN_TIMEOUT',
    default: 10,
    min: 0,
    description: 'Seconds in-flight work may take at shutdown',
  },
  { name: 'instance', type: 'string', env: 'MARACKER_INSTANCE', description: 'Name of this daemon in status and leader election (default: host-pid)' },
  {
    name: 'installation',
    type: 'string',
    env: 'MARACKER_INSTALLATION',
    description:
      'Name of this installation, written into the ownership label of its apps; it changes and deletes only those (default: generated once and stored in the database, or without one derived from the manifests folder and the Marathon URL)',
  },
];

export function parseHostPort(raw: string, what: string, problems: string[]): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]*):(\d{1,5})$/.exec(raw);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) {
    problems.push(`${what}: expected HOST:PORT (e.g. 127.0.0.1:8090), got "${raw}"`);
    return { host: '127.0.0.1', port: 0 };
  }
  return { host: (m[1] as string).replace(/^\[|\]$/g, '') || '0.0.0.0', port };
}

/**
 * Checks the database URL without ever echoing its credentials: what is shown of it has its
 * userinfo blanked by a redaction that needs no URL parser (a password with an unencoded `/`
 * is what makes `new URL` fail in the first place). Its userinfo must be what a URL parser
 * reads, or the database driver would connect with a fragment of the password as host or port.
 */
function checkDatabaseUrl(raw: string, problems: string[]): void {
  const what = '--database-url';
  const shown = redactCredentials(raw);
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    problems.push(`${what}: not a URL: "${shown}"${urlSecrets(raw).length > 0 ? ' (percent-encode / ? # in a password, e.g. / as %2F)' : ''}`);
    return;
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') problems.push(`${what}: expected a postgres: or postgresql: URL, got "${u.protocol}"`);
  const written = userinfoOf(raw);
  if (written !== undefined) {
    const colon = written.indexOf(':');
    const [user, password] = colon < 0 ? [written, ''] : [written.slice(0, colon), written.slice(colon + 1)];
    if (decoded(user) !== decoded(u.username) || decoded(password) !== decoded(u.password)) {
      problems.push(`${what}: the credentials are not where a URL parser reads them: percent-encode / ? # in the password (e.g. / as %2F): "${shown}"`);
    }
  }
}

/** Builds the Marathon part of the config; shared by `run`, `up` and `plan`. */
export function marathonConfig(v: OptionValues, problems: string[]): DaemonConfig['marathon'] {
  const raw = String(v.marathon);
  const checked = checkMarathonUrl(raw);
  if (!checked.ok) problems.push(`--marathon: ${checked.problem}`);
  const url = checked.ok ? checked.url : raw;
  const user = v['marathon-user'] as string | undefined;
  const password = v['marathon-password'] as string | undefined;
  const token = v['marathon-token'] as string | undefined;
  let auth: MarathonAuth | undefined;
  if (token && (user || password)) problems.push('--marathon-token and --marathon-user/--marathon-password are exclusive: choose one authentication');
  else if (token) auth = { token };
  else if (user !== undefined || password !== undefined) {
    const userProblem = user ? basicUserProblem(user) : undefined;
    if (!user || password === undefined) problems.push('--marathon-user and --marathon-password go together');
    else if (userProblem !== undefined) problems.push(`--marathon-user: ${userProblem}`);
    else auth = { username: user, password };
  }
  return {
    url,
    timeoutMs: Number(v['marathon-timeout'] ?? MARATHON_DEFAULTS.timeoutMs),
    ...(auth ? { auth } : {}),
    ...(v['marathon-ca'] ? { caFile: String(v['marathon-ca']) } : {}),
    insecureTls: v['marathon-insecure-tls'] === true,
    events: v.events !== false,
    eventMaxBytes: Number(v['event-max-bytes'] ?? EVENTS_DEFAULTS.maxEventBytes),
  };
}

/** The Marathon client's options of a configuration (the daemon and `plan` add their own hooks). */
export function marathonClientOptions(m: DaemonConfig['marathon']): MarathonClientOptions {
  return {
    url: m.url,
    timeoutMs: m.timeoutMs,
    ...(m.auth ? { auth: m.auth } : {}),
    ...(m.caFile ? { ca: m.caFile } : {}),
    insecureTls: m.insecureTls,
  };
}

/**
 * The input limits among parsed option values; a limit whose option is not declared (a
 * command that reads no rows) keeps its default. Whole numbers only.
 */
export function inputLimits(v: OptionValues, problems: string[]): InputLimits {
  const limits = { ...DEFAULT_INPUT_LIMITS };
  for (const key of Object.keys(LIMIT_FLAGS) as Array<keyof InputLimits>) {
    const raw = v[LIMIT_FLAGS[key]];
    if (raw === undefined) continue;
    const n = Number(raw);
    if (!Number.isInteger(n)) problems.push(`--${LIMIT_FLAGS[key]}: expected an integer, got ${n}`);
    else limits[key] = n;
  }
  return limits;
}

/** Parses and validates the daemon configuration; throws ConfigError listing every problem. */
export function loadDaemonConfig(
  argv: readonly string[],
  env: Env,
  cwd: string,
  specs: readonly OptionSpec[] = DAEMON_OPTIONS,
): { config: DaemonConfig; explicit: Set<string> } {
  const parsed = parseOptions(specs, argv, env);
  if (parsed.positionals.length > 0) throw new ConfigError([`unexpected argument ${parsed.positionals[0]}`]);
  return { config: buildDaemonConfig(parsed.values, cwd, env, parsed.explicit), explicit: parsed.explicit };
}

/** Validates parsed option values into the frozen configuration (commands that add options of their own call this). */
export function buildDaemonConfig(v: OptionValues, cwd: string, env: Env = {}, explicit: ReadonlySet<string> = new Set()): DaemonConfig {
  const problems: string[] = [];
  const marathon = marathonConfig(v, problems);
  const git = gitSourceConfig(v, cwd, problems, env);
  // With a repository to follow, the default folder is not a source too: only when named.
  const manifestsRaw = v['git-url'] !== undefined && !explicit.has('manifests') ? 'none' : String(v.manifests ?? 'none');
  const manifests = manifestsRaw === 'none' ? null : isAbsolute(manifestsRaw) ? manifestsRaw : resolve(cwd, manifestsRaw);
  const databaseUrl = (v['database-url'] as string | undefined) ?? null;
  if (databaseUrl !== null) checkDatabaseUrl(databaseUrl, problems);
  if (manifests === null && databaseUrl === null && v['git-url'] === undefined) problems.push('no source: give --manifests, --git-url or --database-url');
  const share = Number(v['prune-share']);
  if (share > 1) problems.push(`--prune-share: expected a number from 0 to 1, got ${share}`);
  const minApps = Number(v['prune-min-apps']);
  if (!Number.isInteger(minApps)) problems.push(`--prune-min-apps: expected an integer, got ${minApps}`);
  const concurrency = Number(v.concurrency);
  const maxDeployments = Number(v['max-deployments']);
  const statusLimits = statusLimitsOf(v);
  for (const [name, n] of [
    ['--concurrency', concurrency],
    ['--max-deployments', maxDeployments],
    ['--event-max-bytes', marathon.eventMaxBytes],
    ['--status-max-connections', statusLimits.maxConnections],
    ['--status-max-header-bytes', statusLimits.maxHeaderBytes],
  ] as const) {
    if (!Number.isInteger(n)) problems.push(`${name}: expected an integer, got ${n}`);
  }
  if (statusLimits.requestTimeoutMs < statusLimits.headersTimeoutMs) {
    problems.push(
      `--status-request-timeout: expected at least --status-header-timeout (${statusLimits.headersTimeoutMs / 1000}), got ${statusLimits.requestTimeoutMs / 1000}`,
    );
  }
  const installation = (v.installation as string | undefined) ?? null;
  if (installation !== null) {
    const problem = installationProblem(installation);
    if (problem) problems.push(`--installation: ${problem}`);
  }
  /** The installation that names the daemon's own files: --installation, else the one derived from its sources. */
  const fileInstallation = installation ?? derivedInstallation(manifests ?? git?.remote.display ?? '', marathon.url).name;
  const config: DaemonConfig = {
    marathon,
    manifests,
    git,
    settleMs: Number(v['settle-ms'] ?? DEFAULT_SETTLE_MS),
    manifestCache: manifestCacheFile(v, cwd, env, manifests, git),
    pruneLedger: stateFile('prune-ledger', { v, cwd, env, installation: fileInstallation, marathonUrl: marathon.url }),
    routeMemory: stateFile('route-memory', { v, cwd, env, installation: fileInstallation, marathonUrl: marathon.url }),
    databaseUrl,
    listen: parseHostPort(String(v.listen), '--listen', problems),
    statusToken: (v['status-token'] as string | undefined) ?? null,
    traefikToken: (v['traefik-token'] as string | undefined) ?? null,
    statusLimits,
    resyncIntervalMs: Number(v['resync-interval']) * 1000,
    concurrency,
    maxDeployments,
    deploymentTimeoutMs: Number(v['deployment-timeout']) * 1000,
    olderTasksGraceMs: Number(v['older-tasks-grace']) * 1000,
    writeRatePerSecond: Number(v['write-rate']),
    force: v.force === true,
    prune: v.prune !== false,
    pruneGuard: { minApps, share, windowMs: Number(v['prune-window']) * 1000, disabled: v['allow-mass-prune'] === true },
    traefik: v.traefik as TraefikGrammar,
    rowTraefikLabels: v['row-traefik-labels'] === true,
    limits: inputLimits(v, problems),
    logLevel: String(v['log-level']),
    logFormat: (v['log-format'] as LogFormat | undefined) ?? 'auto',
    shutdownTimeoutMs: Number(v['shutdown-timeout']) * 1000,
    instance: (v.instance as string | undefined) ?? `${hostname()}-${process.pid}`,
    gitEnv: gitEnvironment(env),
    images: {
      enabled: v['image-metadata'] !== false,
      pin: v['pin-images'] === true,
      refreshMs: Number(v['image-refresh'] ?? DEFAULT_IMAGE_REFRESH_MS / 1000) * 1000,
      registry: registryConfigOf(v, env, problems),
    },
    installation,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

/** The registry options, their problems added to the others. */
function registryConfigOf(v: OptionValues, env: Env, problems: string[]): RegistryConfig {
  try {
    return buildRegistryConfig(v, env, []);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
    return buildRegistryConfig({}, env, []);
  }
}

/** The status server's limits; options absent (commands without them) take the defaults. */
function statusLimitsOf(v: OptionValues): DaemonConfig['statusLimits'] {
  const ms = (name: string, fallback: number): number => (v[name] === undefined ? fallback : Math.round(Number(v[name]) * 1000));
  const n = (name: string, fallback: number): number => (v[name] === undefined ? fallback : Number(v[name]));
  return {
    headersTimeoutMs: ms('status-header-timeout', STATUS_LIMIT_DEFAULTS.headersTimeoutMs),
    requestTimeoutMs: ms('status-request-timeout', STATUS_LIMIT_DEFAULTS.requestTimeoutMs),
    keepAliveTimeoutMs: ms('status-keep-alive-timeout', STATUS_LIMIT_DEFAULTS.keepAliveTimeoutMs),
    maxConnections: n('status-max-connections', STATUS_LIMIT_DEFAULTS.maxConnections),
    maxHeaderBytes: n('status-max-header-bytes', STATUS_LIMIT_DEFAULTS.maxHeaderBytes),
  };
}

/**
 * Every secret value of a configuration, for the scrubber (src/secrets/scrubber.ts): the
 * database password, Marathon's password (and the basic header it makes) or token, the status
 * token, and credentials inside any URL.
 */
export function configSecrets(c: DaemonConfig): string[] {
  return [
    ...(c.databaseUrl !== null ? urlSecrets(c.databaseUrl) : []),
    ...urlSecrets(c.marathon.url),
    ...authSecrets(c.marathon.auth),
    ...c.images.registry.credentials.map((r) => r.password),
    ...(c.statusToken !== null ? [c.statusToken] : []),
    ...(c.traefikToken !== null ? [c.traefikToken] : []),
    ...(c.git?.remote.secrets ?? []),
    ...(c.git?.webhookSecret ? [c.git.webhookSecret] : []),
  ];
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
