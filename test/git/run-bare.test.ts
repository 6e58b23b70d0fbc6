import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { bareArgs, gitEnvironment, HARDENED_CONFIG, runBareGit } from '../../src/git/run.js';
import { upstream } from '../helpers/git-remote.js';

const env = gitEnvironment({ PATH: process.env.PATH, HOME: '/nonexistent' });

describe('runBareGit', () => {
  it('names the repository, applies the hardening, then the command-specific overrides (which win)', () => {
    const args = bareArgs('/data/clone.git', ['fetch'], [['protocol.https.allow', 'always']]);
    expect(args.slice(0, 3)).toEqual(['--no-pager', '--no-optional-locks', '--git-dir=/data/clone.git']);
    expect(args).not.toContain('--work-tree');
    expect(args.at(-1)).toBe('fetch');
    expect(args.at(-2)).toBe('protocol.https.allow=always');
    expect(args.filter((_, i) => args[i - 1] === '-c')).toHaveLength(HARDENED_CONFIG.length + 1);
  });

  it('feeds stdin, and kills git when it writes more than allowed', async () => {
    const up = await upstream();
    await up.write('big.txt', 'x'.repeat(100_000));
    up.commit('big');
    const oid = execFileSync('git', ['-C', up.bare, 'rev-parse', 'main:big.txt'], { encoding: 'utf8' }).trim();
    const fits = await runBareGit(up.bare, ['cat-file', '--batch'], { env, stdin: `${oid}\n`, maxOutputBytes: 200_000 });
    expect(fits.ok && fits.stdout.length).toBeGreaterThan(100_000);
    const over = await runBareGit(up.bare, ['cat-file', '--batch'], { env, stdin: `${oid}\n`, maxOutputBytes: 1_000 });
    expect(over).toMatchObject({ ok: false, overflow: true, reason: 'git wrote more than 1000 bytes' });
  });

  it("reports git's own words (the fatal line), and never reaches a transport it was not allowed", async () => {
    const up = await upstream();
    up.commit('first');
    const out = await runBareGit(up.bare, ['fetch', '--', up.bare, 'main:refs/x'], { env });
    expect(out).toMatchObject({ ok: false, exitCode: 128 });
    expect(out.ok ? '' : out.said).toMatch(/^fatal: transport 'file' not allowed$/);
  });
});
