// The git source over ssh://, against a real OpenSSH server on 127.0.0.1 (test/helpers/sshd.ts):
// the key and known_hosts maracker is given are the only ones used, a host key is never
// accepted unseen nor a changed one accepted at all, and every refusal says which it was.

import { readFile, writeFile, chmod, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GitMirror } from '../../src/git/mirror.js';
import { parseRemote } from '../../src/git/remote.js';
import { gitEnvironment } from '../../src/git/run.js';
import { GitSource } from '../../src/sources/git-repo.js';
import { upstream, type Upstream } from '../helpers/git-remote.js';
import { recordingLogger } from '../helpers/log-lines.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { manifestYaml } from '../helpers/manifests.js';
import { sshdMissing, startSshd, type SshServer } from '../helpers/sshd.js';
import { tempDir } from '../helpers/tmp.js';

const missing = sshdMissing();
if (missing) console.warn(`skipped: the ssh transport tests need a real sshd: ${missing}`);

async function source(url: string, key: string, knownHosts: string) {
  const parsed = parseRemote(url, { sshKeyFile: key, sshKnownHostsFile: knownHosts }, '/');
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const data = await tempDir('maracker-clone-');
  // HOME has no ~/.ssh: nothing but the given files can take part.
  const mirror = new GitMirror({
    dir: join(data, 'clone.git'),
    remote: parsed.remote,
    ref: 'main',
    env: gitEnvironment({ PATH: process.env.PATH, HOME: '/nonexistent' }),
  });
  const log = recordingLogger();
  const s = new GitSource({
    mirror,
    url: parsed.remote.display,
    ref: 'main',
    path: 'manifests',
    logger: log.logger,
    timers: new ManualClock(),
    random: () => 0.5,
  });
  await s.start(() => undefined);
  return { s, log };
}

const ids = (s: GitSource): string[] => [...s.snapshot().apps.keys()].sort();

async function withWeb(): Promise<{ up: Upstream; sshd: SshServer; first: string }> {
  const up = await upstream();
  await up.write('manifests/web.yaml', manifestYaml({ name: 'web' }));
  const first = up.commit('first');
  return { up, sshd: await startSshd(), first };
}

/** Lines of sshd's log about connections that offered a client key (accepted or not). */
const keyOffers = (sshd: SshServer): string[] =>
  sshd
    .log()
    .split('\n')
    .filter((l) => /(Accepted|Failed) publickey/.test(l));

describe.skipIf(missing !== undefined)('GitSource over ssh (a real sshd on 127.0.0.1)', () => {
  it('fetches with the given key after checking the host key against the given known_hosts, and follows new commits', async () => {
    const { up, sshd, first } = await withWeb();
    const { s } = await source(sshd.url(up.bare), sshd.clientKey, sshd.knownHosts);
    expect(s.snapshot().state).toBe('Ready');
    expect(ids(s)).toEqual(['/web']);
    expect(s.snapshot().revision).toBe(first);
    expect(keyOffers(sshd).filter((l) => l.includes('Accepted publickey'))).toHaveLength(1);

    await up.write('manifests/api.yaml', manifestYaml({ name: 'api' }));
    const second = up.commit('second');
    await s.sync();
    expect(ids(s)).toEqual(['/api', '/web']);
    expect(s.snapshot().revision).toBe(second);
  });

  it('refuses a server whose host key is not in --git-known-hosts, before offering the key, and never adds it', async () => {
    const { up, sshd } = await withWeb();
    const empty = join(await tempDir(), 'known_hosts');
    await writeFile(empty, '');
    const { s } = await source(sshd.url(up.bare), sshd.clientKey, empty);
    expect(s.snapshot().state).toBe('Unknown');
    expect(ids(s)).toEqual([]);
    expect(s.snapshot().lastError?.message).toBe(
      `cannot fetch main from ${sshd.url(up.bare)}: the host key of [127.0.0.1]:${sshd.port} is not in --git-known-hosts: refused, nothing fetched ` +
        "(host keys are never accepted unseen; add the server's ED25519 key to that file)",
    );
    expect(await readFile(empty, 'utf8')).toBe('');
    expect(keyOffers(sshd)).toEqual([]);
  });

  it('refuses a host key unlike the one --git-known-hosts has (changed, or someone in between), and says so', async () => {
    const { up, sshd } = await withWeb();
    const before = await readFile(sshd.wrongKnownHosts, 'utf8');
    const { s } = await source(sshd.url(up.bare), sshd.clientKey, sshd.wrongKnownHosts);
    expect(s.snapshot().state).toBe('Unknown');
    expect(s.snapshot().lastError?.message).toMatch(
      new RegExp(
        `^cannot fetch main from ssh://\\S+: the host key \\[127\\.0\\.0\\.1\\]:${sshd.port} offered \\(SHA256:[A-Za-z0-9+/]+\\) is not the one --git-known-hosts has for it: refused, nothing fetched\\. ` +
          'Either the key was changed or someone is in between',
      ),
    );
    expect(await readFile(sshd.wrongKnownHosts, 'utf8')).toBe(before);
    expect(keyOffers(sshd)).toEqual([]);
  });

  it('a key the server does not accept, or that ssh cannot use, is named as such; no private key text ever shows', async () => {
    const { up, sshd } = await withWeb();
    const url = sshd.url(up.bare);
    const stranger = await source(url, sshd.strangerKey, sshd.knownHosts);
    expect(stranger.s.snapshot().lastError?.message).toBe(
      `cannot fetch main from ${url}: authentication refused: ${sshd.user}@127.0.0.1 does not accept --git-ssh-key (it allows: publickey)`,
    );

    const dir = await tempDir();
    const open = join(dir, 'open_key');
    await copyFile(sshd.clientKey, open);
    await chmod(open, 0o644);
    const opened = await source(url, open, sshd.knownHosts);
    expect(opened.s.snapshot().lastError?.message).toBe(
      `cannot fetch main from ${url}: --git-ssh-key ${open} can be read by others (mode 0644), so ssh ignores it: make it readable by its owner only (chmod 600)`,
    );

    const absent = join(dir, 'absent_key');
    const gone = await source(url, absent, sshd.knownHosts);
    expect(gone.s.snapshot().lastError?.message).toBe(`cannot fetch main from ${url}: --git-ssh-key ${absent} cannot be read (ENOENT)`);

    const garbage = join(dir, 'garbage_key');
    await writeFile(garbage, 'not a key at all\n', { mode: 0o600 });
    const bad = await source(url, garbage, sshd.knownHosts);
    expect(bad.s.snapshot().lastError?.message).toMatch(
      new RegExp(`^cannot fetch main from \\S+: --git-ssh-key ${garbage} is not a private key ssh can use \\(.+\\)$`),
    );

    const key = await readFile(sshd.clientKey, 'utf8');
    const secretLine = key.split('\n')[1] as string;
    for (const { s, log } of [stranger, opened, gone, bad]) {
      expect(s.snapshot().state).toBe('Unknown');
      const shown = JSON.stringify(s.snapshot().lastError) + JSON.stringify(log.lines());
      expect(shown).not.toContain(secretLine);
      expect(shown).not.toContain('PRIVATE KEY');
    }
  });

  it('a known_hosts file that is not there is named as such, not taken for a host key missing from it', async () => {
    const { up, sshd } = await withWeb();
    const absent = join(await tempDir(), 'known_hosts');
    const { s } = await source(sshd.url(up.bare), sshd.clientKey, absent);
    expect(s.snapshot().state).toBe('Unknown');
    expect(s.snapshot().lastError?.message).toBe(`cannot fetch main from ${sshd.url(up.bare)}: --git-known-hosts ${absent} cannot be read (ENOENT)`);
    // Nothing went to the server.
    expect(sshd.log()).not.toMatch(/Connection from/);
  });

  it("a server that stops accepting the key keeps the last commit's apps protected (Unknown, never empty), and it recovers", async () => {
    const { up, sshd, first } = await withWeb();
    const { s } = await source(sshd.url(up.bare), sshd.clientKey, sshd.knownHosts);
    expect(ids(s)).toEqual(['/web']);
    const authorized = sshd.authorizedKeys;
    const keys = await readFile(authorized, 'utf8');
    await writeFile(authorized, '');
    await s.sync();
    expect(s.snapshot().state).toBe('Unknown');
    expect([...(s.snapshot().lastKnownIds ?? [])]).toEqual(['/web']);
    expect(s.snapshot().revision).toBe(first);
    expect(s.snapshot().lastError?.message).toMatch(/: authentication refused: \S+ does not accept --git-ssh-key/);

    await writeFile(authorized, keys);
    await s.sync();
    expect(s.snapshot().state).toBe('Ready');
    expect(ids(s)).toEqual(['/web']);
  });

  it('a server that is not listening is named with its host and port', async () => {
    const { up, sshd } = await withWeb();
    await sshd.stop();
    const { s } = await source(sshd.url(up.bare), sshd.clientKey, sshd.knownHosts);
    expect(s.snapshot().state).toBe('Unknown');
    expect(s.snapshot().lastError?.message).toBe(
      `cannot fetch main from ${sshd.url(up.bare)}: cannot connect to 127.0.0.1 port ${sshd.port} (Connection refused)`,
    );
  });
});
