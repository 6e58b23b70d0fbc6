// docs/security.md against the code: the files it names exist, and the limits and hardening
// it states are the ones the code applies.

import { describe, expect, it } from 'vitest';
import { DAEMON_OPTIONS } from '../../src/config/daemon.js';
import { HARDENED_CONFIG } from '../../src/git/run.js';
import { EVENTS_DEFAULTS } from '../../src/marathon/events.js';
import { MIN_SECRET_LENGTH } from '../../src/secrets/scrubber.js';
import { STATUS_LIMIT_DEFAULTS } from '../../src/status/limits.js';
import { missingPaths, namedPaths, readDoc } from './doc-files.js';

describe('docs/security.md', () => {
  it('names only files that exist', async () => {
    const text = await readDoc('security.md');
    expect(namedPaths(text).length).toBeGreaterThan(10);
    expect(missingPaths(text)).toEqual([]);
  });

  it('lists every -c override git is run with', async () => {
    const text = await readDoc('security.md');
    for (const [key, value] of HARDENED_CONFIG) expect(text, key).toContain(`\`${key}=${value}\``);
  });

  it('states the status limits, the event limit and the scrubber threshold the code has', async () => {
    const text = await readDoc('security.md');
    const seconds = (ms: number) => `${ms / 1000} s`;
    const kib = (b: number) => `${b / 1024} KiB`;
    const rows: Array<[string, string]> = [
      ['--status-header-timeout', seconds(STATUS_LIMIT_DEFAULTS.headersTimeoutMs)],
      ['--status-request-timeout', seconds(STATUS_LIMIT_DEFAULTS.requestTimeoutMs)],
      ['--status-keep-alive-timeout', seconds(STATUS_LIMIT_DEFAULTS.keepAliveTimeoutMs)],
      ['--status-max-connections', String(STATUS_LIMIT_DEFAULTS.maxConnections)],
      ['--status-max-header-bytes', kib(STATUS_LIMIT_DEFAULTS.maxHeaderBytes)],
    ];
    for (const [flag, value] of rows) {
      expect(DAEMON_OPTIONS.some((o) => `--${o.name}` === flag), flag).toBe(true);
      expect(text).toMatch(new RegExp(`\\| ${value.replace('.', '\\.')} \\| \`${flag}\` \\|`));
    }
    expect(text).toContain(`| URL length | ${kib(STATUS_LIMIT_DEFAULTS.maxUrlBytes)} |`);
    expect(text).toContain(`| Request body (no route takes one) | ${kib(STATUS_LIMIT_DEFAULTS.maxBodyBytes)} |`);
    expect(text).toContain(`\`--event-max-bytes\` (\`MARACKER_EVENT_MAX_BYTES\`, default ${EVENTS_DEFAULTS.maxEventBytes / 1024 / 1024} MiB)`);
    expect(text).toContain(`Values shorter than ${MIN_SECRET_LENGTH} characters`);
  });

  it('keeps a marked place for the input limits still to come', async () => {
    const text = await readDoc('security.md');
    expect(text).toMatch(/## Input limits\n[\s\S]*TODO\(issue 11, input limits\)/);
  });
});
