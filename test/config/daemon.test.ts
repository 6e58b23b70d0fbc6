import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { configSecrets, DAEMON_OPTIONS, loadDaemonConfig, marathonClientOptions } from '../../src/config/daemon.js';
import { envSchema } from '../../src/config/env-schema.js';
import { EVENTS_DEFAULTS } from '../../src/marathon/events.js';
import { DEFAULTS as MARATHON_DEFAULTS } from '../../src/marathon/options.js';
import { DEFAULT_PRUNE_BUDGET } from '../../src/prune/budget.js';
import { DEFAULT_SETTLE_MS } from '../../src/sources/settle.js';
import { ConfigError } from '../../src/config/options.js';
import { tempDir } from '../helpers/tmp.js';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('loadDaemonConfig', () => {
  it('fills every default and resolves the manifests folder against the working directory', () => {
    const { config } = loadDaemonConfig([], {}, '/srv/repo');
    expect(config).toMatchObject({
      marathon: { url: 'http://127.0.0.1:8080', timeoutMs: 10_000, insecureTls: false, events: true },
      manifests: '/srv/repo/manifests',
      databaseUrl: null,
      listen: { host: '127.0.0.1', port: 8090 },
      resyncIntervalMs: 30_000,
      maxDeployments: 20,
      force: false,
      prune: true,
      pruneGuard: { minApps: 5, share: 0.1, windowMs: 3_600_000, disabled: false },
      traefik: 'v2',
      rowTraefikLabels: false,
    });
    expect(Object.isFrozen(config.marathon)).toBe(true);
    expect(loadDaemonConfig(['--row-traefik-labels'], {}, '/').config.rowTraefikLabels).toBe(true);
    expect(loadDaemonConfig([], { MARACKER_ROW_TRAEFIK_LABELS: 'true' }, '/').config.rowTraefikLabels).toBe(true);
  });

  it('takes each default from the component it configures: one answer to what it is', () => {
    const { config } = loadDaemonConfig([], {}, '/');
    expect(config.pruneGuard).toMatchObject(DEFAULT_PRUNE_BUDGET);
    expect(config.settleMs).toBe(DEFAULT_SETTLE_MS);
    expect(config.marathon.timeoutMs).toBe(MARATHON_DEFAULTS.timeoutMs);
    expect(config.marathon.eventMaxBytes).toBe(EVENTS_DEFAULTS.maxEventBytes);
  });

  it('takes the input limits from flags and variables, each with its documented default', () => {
    expect(loadDaemonConfig([], {}, '/').config.limits).toEqual({
      maxFileBytes: 1_048_576,
      maxFileDocuments: 1_000,
      maxYamlAliases: 100,
      maxYamlDepth: 64,
      maxYamlNodes: 10_000,
      maxRowBytes: 262_144,
      maxRowDepth: 64,
      maxRowApps: 10_000,
      maxInstances: 1_000,
      maxPorts: 100,
      maxHealthChecks: 10,
    });
    const { config } = loadDaemonConfig(
      ['--max-file-bytes', '2048', '--max-row-depth=8'],
      { MARACKER_MAX_YAML_NODES: '500', MARACKER_MAX_INSTANCES: '20' },
      '/',
    );
    expect(config.limits).toMatchObject({ maxFileBytes: 2048, maxRowDepth: 8, maxYamlNodes: 500, maxInstances: 20 });
    expect(Object.isFrozen(config.limits)).toBe(true);
    expect(problemsOf(() => loadDaemonConfig(['--max-yaml-depth', '2.5', '--max-file-bytes', '0'], {}, '/'))).toEqual([
      '--max-file-bytes: expected a number from 1 and up, got 0',
    ]);
    expect(problemsOf(() => loadDaemonConfig(['--max-yaml-depth', '2.5'], {}, '/'))).toEqual(['--max-yaml-depth: expected an integer, got 2.5']);
  });

  it('reads every option from its MARACKER_ variable, and the database from DATABASE_URL', () => {
    const { config } = loadDaemonConfig(
      [],
      {
        MARACKER_MARATHON_URL: 'https://m.example:8443/',
        MARACKER_MARATHON_TOKEN: 't0k',
        DATABASE_URL: 'postgres://u:p@db/maracker',
        MARACKER_MANIFESTS: 'none',
      },
      '/',
    );
    expect(config.marathon).toMatchObject({ url: 'https://m.example:8443', auth: { token: 't0k' } });
    // The client's own shape: the configuration hands it over as is.
    expect(config.marathon.auth).toEqual({ token: 't0k' });
    expect(config.databaseUrl).toBe('postgres://u:p@db/maracker');
    expect(config.manifests).toBeNull();
  });

  it("gives Marathon's credentials in the client's own shape, and counts their secrets", () => {
    const { config } = loadDaemonConfig(['--marathon-user', 'maracker', '--marathon-ca', '/etc/ca.pem'], { MARACKER_MARATHON_PASSWORD: 'pa55word' }, '/');
    expect(marathonClientOptions(config.marathon)).toEqual({
      url: 'http://127.0.0.1:8080',
      timeoutMs: 10_000,
      auth: { username: 'maracker', password: 'pa55word' },
      ca: '/etc/ca.pem',
      insecureTls: false,
    });
    expect(configSecrets(config)).toEqual(['pa55word', Buffer.from('maracker:pa55word').toString('base64')]);
  });

  it('refuses a Marathon user name HTTP basic cannot carry, as the client would', () => {
    expect(problemsOf(() => loadDaemonConfig(['--marathon-user', 'ops:admin', '--marathon-password', 'pw'], {}, '/'))).toEqual([
      '--marathon-user: expected a user name without `:` (HTTP basic forbids it)',
    ]);
  });

  it('reports every configuration problem at once', () => {
    expect(
      problemsOf(() =>
        loadDaemonConfig(
          ['--marathon', 'ftp://x', '--listen', 'nowhere', '--marathon-user', 'u', '--marathon-token', 't', '--prune-share', '2', '--manifests', 'none'],
          {},
          '/',
        ),
      ),
    ).toEqual([
      '--marathon: expected an http(s) URL, got "ftp://x"',
      '--marathon-token and --marathon-user/--marathon-password are exclusive: choose one authentication',
      'no source: give --manifests, --git-url or --database-url',
      '--prune-share: expected a number from 0 to 1, got 2',
      '--listen: expected HOST:PORT (e.g. 127.0.0.1:8090), got "nowhere"',
    ]);
  });

  it('never echoes a password, even in a URL no parser accepts', () => {
    for (const [url, shown] of [
      ['postgres://app:pa/ss@db:5432/maracker', 'postgres://app:[redacted]@db:5432/maracker'],
      ['postgres://app:x@y/z@db/maracker', 'postgres://app:[redacted]@db/maracker'],
    ] as const) {
      const problems = problemsOf(() => loadDaemonConfig(['--database-url', url], {}, '/'));
      expect(problems.join('\n')).not.toContain('pa/ss');
      expect(problems.join('\n')).not.toContain('x@y/z');
      expect(problems.join('\n')).toContain(shown);
    }
    expect(problemsOf(() => loadDaemonConfig(['--marathon', 'http://admin:se/cret@m:8080'], {}, '/')).join('\n')).not.toContain('se/cret');
  });

  it('refuses a database URL whose password a URL parser would read as host or port, and takes it percent-encoded', () => {
    expect(problemsOf(() => loadDaemonConfig(['--database-url', 'postgres://app:12/ss@db/maracker'], {}, '/'))).toEqual([
      '--database-url: the credentials are not where a URL parser reads them: percent-encode / ? # in the password (e.g. / as %2F): "postgres://app:[redacted]@db/maracker"',
    ]);
    for (const ok of ['postgres://app:12%2Fss@db/maracker', 'postgres://app:p@ss:w@db/maracker', 'postgres://app:p%zz@db/maracker', 'postgres://db/maracker']) {
      expect(loadDaemonConfig(['--database-url', ok], {}, '/').config.databaseUrl).toBe(ok);
    }
  });

  it('refuses credentials embedded in the Marathon URL, where they would end up in logs', () => {
    expect(problemsOf(() => loadDaemonConfig(['--marathon', 'http://admin:secret@m:8080'], {}, '/'))).toEqual([
      '--marathon: expected no credentials (user:password@) in the URL, where logs would show them: give them as the authentication options',
    ]);
  });
});

describe('envSchema', () => {
  const validate = new Ajv({ allErrors: true, strict: false }).compile(envSchema(DAEMON_OPTIONS));

  it('accepts the variables the daemon reads, with values it would accept', () => {
    expect(
      validate({
        MARACKER_MARATHON_URL: 'http://marathon:8080',
        MARACKER_PRUNE: 'false',
        MARACKER_RESYNC_INTERVAL: '15',
        MARACKER_TRAEFIK: 'both',
        PATH: '/bin',
      }),
    ).toBe(true);
  });

  it('rejects a misspelt MARACKER_ variable and a value the daemon would refuse', () => {
    expect(validate({ MARACKER_MARATON_URL: 'http://x' })).toBe(false);
    expect(validate({ MARACKER_TRAEFIK: 'v4' })).toBe(false);
    expect(validate({ MARACKER_RESYNC_INTERVAL: 'soon' })).toBe(false);
  });
});

describe('the parse cache option', () => {
  it("puts the cache where the user's caches go, one file per set of file sources", () => {
    const home = loadDaemonConfig([], { HOME: '/home/node' }, '/srv').config.manifestCache;
    expect(home).toMatch(/^\/home\/node\/\.cache\/maracker\/manifests\/[0-9a-f]{16}\.cache$/);
    const xdg = loadDaemonConfig([], { XDG_CACHE_HOME: '/var/cache', HOME: '/home/node' }, '/srv').config.manifestCache;
    expect(xdg).toMatch(/^\/var\/cache\/maracker\/manifests\/[0-9a-f]{16}\.cache$/);
    const other = loadDaemonConfig(['--manifests', 'other'], { HOME: '/home/node' }, '/srv').config.manifestCache;
    const git = loadDaemonConfig(['--git-url', '/srv/m.git'], { HOME: '/home/node' }, '/srv').config.manifestCache;
    const branch = loadDaemonConfig(['--git-url', '/srv/m.git', '--git-ref', 'next'], { HOME: '/home/node' }, '/srv').config.manifestCache;
    expect(new Set([home, other, git, branch]).size).toBe(4);
  });

  it('is off with "none", without a cache folder, and without a source of files; a path given is resolved', () => {
    expect(loadDaemonConfig(['--manifest-cache', 'none'], { HOME: '/home/node' }, '/srv').config.manifestCache).toBeNull();
    expect(loadDaemonConfig([], {}, '/srv').config.manifestCache).toBeNull();
    const rowsOnly = loadDaemonConfig(['--manifests', 'none', '--database-url', 'postgres://db/m'], { HOME: '/home/node' }, '/srv');
    expect(rowsOnly.config.manifestCache).toBeNull();
    expect(loadDaemonConfig(['--manifest-cache', 'var/m.cache'], {}, '/srv').config.manifestCache).toBe('/srv/var/m.cache');
    expect(loadDaemonConfig([], { MARACKER_MANIFEST_CACHE: '/tmp/m.cache' }, '/srv').config.manifestCache).toBe('/tmp/m.cache');
  });
});

describe('the prune ledger option', () => {
  it("puts the ledger where the user's state goes, one file per installation and Marathon", () => {
    const home = loadDaemonConfig([], { HOME: '/home/node' }, '/srv').config.pruneLedger;
    expect(home).toMatch(/^\/home\/node\/\.local\/state\/maracker\/prune\/[0-9a-f]{16}\.jsonl$/);
    const xdg = loadDaemonConfig([], { XDG_STATE_HOME: '/var/lib/state', HOME: '/home/node' }, '/srv').config.pruneLedger;
    expect(xdg).toMatch(/^\/var\/lib\/state\/maracker\/prune\/[0-9a-f]{16}\.jsonl$/);
    const named = loadDaemonConfig(['--installation', 'blue'], { HOME: '/home/node' }, '/srv').config.pruneLedger;
    const otherMarathon = loadDaemonConfig(['--installation', 'blue', '--marathon', 'http://m2:8080'], { HOME: '/home/node' }, '/srv').config.pruneLedger;
    const otherFolder = loadDaemonConfig(['--manifests', 'other'], { HOME: '/home/node' }, '/srv').config.pruneLedger;
    expect(new Set([home, named, otherMarathon, otherFolder]).size).toBe(4);
    // The same installation reached through the same Marathon URL written differently: one ledger.
    const slash = loadDaemonConfig(['--installation', 'blue', '--marathon', 'HTTP://M2:8080/'], { HOME: '/home/node' }, '/srv').config.pruneLedger;
    expect(slash).toBe(otherMarathon);
  });

  it('is memory only with "none" and without a state folder; a path given is resolved', () => {
    expect(loadDaemonConfig(['--prune-ledger', 'none'], { HOME: '/home/node' }, '/srv').config.pruneLedger).toBeNull();
    expect(loadDaemonConfig([], {}, '/srv').config.pruneLedger).toBeNull();
    expect(loadDaemonConfig(['--prune-ledger', 'var/p.jsonl'], {}, '/srv').config.pruneLedger).toBe('/srv/var/p.jsonl');
    expect(loadDaemonConfig([], { MARACKER_PRUNE_LEDGER: '/tmp/p.jsonl' }, '/srv').config.pruneLedger).toBe('/tmp/p.jsonl');
  });
});

describe('the route memory option', () => {
  it('keeps the file beside the prune ledger\'s, one per installation and Marathon; memory only with "none" or without a state folder', () => {
    const home = loadDaemonConfig([], { HOME: '/home/node' }, '/srv').config;
    expect(home.routeMemory).toMatch(/^\/home\/node\/\.local\/state\/maracker\/routes\/[0-9a-f]{16}\.json$/);
    expect(home.routeMemory?.slice(-21, -5)).toBe(home.pruneLedger?.slice(-22, -6));
    const other = loadDaemonConfig(['--installation', 'blue'], { XDG_STATE_HOME: '/var/lib/state' }, '/srv').config.routeMemory;
    expect(other).toMatch(/^\/var\/lib\/state\/maracker\/routes\/[0-9a-f]{16}\.json$/);
    expect(other?.slice(-21)).not.toBe(home.routeMemory?.slice(-21));
    expect(loadDaemonConfig(['--route-memory', 'none'], { HOME: '/home/node' }, '/srv').config.routeMemory).toBeNull();
    expect(loadDaemonConfig([], {}, '/srv').config.routeMemory).toBeNull();
    expect(loadDaemonConfig([], { MARACKER_ROUTE_MEMORY: 'r.json' }, '/srv').config.routeMemory).toBe('/srv/r.json');
  });
});

describe('the git source options', () => {
  it('are off without --git-url; with it, the default folder is no source too (only a --manifests given is)', () => {
    expect(loadDaemonConfig([], {}, '/srv').config.git).toBeNull();
    const { config } = loadDaemonConfig(['--git-url', 'https://git.example.org/ops/m.git'], {}, '/srv');
    expect(config.manifests).toBeNull();
    expect(config.git).toMatchObject({ ref: 'main', path: '', intervalMs: 30_000, remote: { transport: 'https', url: 'https://git.example.org/ops/m.git' } });
    expect(config.git?.cloneDir).toMatch(/^\/srv\/\.maracker\/git\/[0-9a-f]{16}\.git$/);
    // Where the user's caches go when there is a home: the working directory may be read-only.
    const home = loadDaemonConfig(['--git-url', '/srv/m.git'], { HOME: '/home/node' }, '/app').config;
    expect(home.git?.cloneDir).toMatch(/^\/home\/node\/\.cache\/maracker\/git\/[0-9a-f]{16}\.git$/);
    const xdg = loadDaemonConfig(['--git-url', '/srv/m.git', '--git-cache', 'clones'], { XDG_CACHE_HOME: '/var/cache' }, '/app').config;
    expect(xdg.git?.cloneDir).toMatch(/^\/app\/clones\/[0-9a-f]{16}\.git$/);
    const both = loadDaemonConfig(['--git-url', '/srv/m.git', '--manifests', 'local'], {}, '/srv').config;
    expect(both.manifests).toBe('/srv/local');
  });

  it('reads every option from the environment as well, and keeps the token a secret', () => {
    const { config } = loadDaemonConfig(
      [],
      {
        MARACKER_GIT_URL: 'https://git.example.org/m.git',
        MARACKER_GIT_REF: 'release/2026',
        MARACKER_GIT_PATH: './deploy/prod/',
        MARACKER_GIT_INTERVAL: '5',
        MARACKER_GIT_USERNAME: 'oauth2',
        MARACKER_GIT_PASSWORD: 'glpat-secret-value',
      },
      '/',
    );
    expect(config.git).toMatchObject({ ref: 'release/2026', path: 'deploy/prod', intervalMs: 5_000 });
    expect(JSON.stringify(config.git?.remote.url)).not.toContain('glpat');
    expect(configSecrets(config)).toContain('glpat-secret-value');
  });

  it('reads a --git-password-file at start-up (a secret like --git-password), and names it to be read again before every fetch', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'token'), 'glpat-from-file\n');
    const { config } = loadDaemonConfig(['--git-url', 'https://git.example.org/m.git', '--git-username', 'oauth2', '--git-password-file', 'token'], {}, dir);
    expect(config.git?.passwordFile).toEqual({ path: join(dir, 'token'), username: 'oauth2' });
    expect(configSecrets(config)).toContain('glpat-from-file');
    expect(loadDaemonConfig(['--git-url', 'https://git.example.org/m.git', '--git-password', 'glpat-x'], {}, dir).config.git?.passwordFile).toBeNull();
  });

  it('lets ssh fetches share a login only when --git-ssh-reuse asks (every fetch logs in by default); other transports have none to share', () => {
    const ssh = ['--git-url', 'ssh://git@git.example.org/m.git', '--git-ssh-key', '/k/id', '--git-known-hosts', '/k/known_hosts'];
    expect(loadDaemonConfig(ssh, {}, '/').config.git?.sshReuseMs).toBe(0);
    expect(loadDaemonConfig([...ssh, '--git-ssh-reuse', '60'], {}, '/').config.git?.sshReuseMs).toBe(60_000);
    expect(loadDaemonConfig(ssh, { MARACKER_GIT_SSH_REUSE: '300' }, '/').config.git?.sshReuseMs).toBe(300_000);
    expect(loadDaemonConfig(['--git-url', 'https://git.example.org/m.git'], {}, '/').config.git?.sshReuseMs).toBe(0);
    expect(problemsOf(() => loadDaemonConfig([...ssh, '--git-ssh-reuse', '-1'], {}, '/')).join('\n')).toMatch(/--git-ssh-reuse/);
  });

  it('reports what cannot be used, every problem at once', () => {
    expect(
      problemsOf(() =>
        loadDaemonConfig(['--git-url', 'git@host:m.git', '--git-ref', '-x', '--git-path', '../up', '--git-password-file', '/nonexistent/x'], {}, '/'),
      ),
    ).toEqual([
      '--git-password-file: cannot read /nonexistent/x (ENOENT)',
      '--git-ref: not a branch, tag or ref name: "-x"',
      '--git-path: expected a folder inside the repository, got "../up"',
      '--git-ssh-key: required for an ssh remote (a private key file)',
      '--git-known-hosts: required for an ssh remote (host keys are never accepted unseen)',
    ]);
    expect(problemsOf(() => loadDaemonConfig(['--git-url', '/m.git', '--git-ref', '-x', '--git-path', '../up'], {}, '/'))).toEqual([
      '--git-ref: not a branch, tag or ref name: "-x"',
      '--git-path: expected a folder inside the repository, got "../up"',
    ]);
  });
});
