// docs/security.md against the code: the files it names exist, and the limits and hardening
// it states are the ones the code applies.

import { describe, expect, it } from 'vitest';
import { DAEMON_OPTIONS } from '../../src/config/daemon.js';
import { HARDENED_CONFIG } from '../../src/git/run.js';
import { EVENTS_DEFAULTS } from '../../src/marathon/events.js';
import { DEFAULT_INPUT_LIMITS, LIMIT_FLAGS } from '../../src/manifest/limits.js';
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
      expect(
        DAEMON_OPTIONS.some((o) => `--${o.name}` === flag),
        flag,
      ).toBe(true);
      expect(text).toMatch(new RegExp(`\\| ${value.replace('.', '\\.')} \\| \`${flag}\` \\|`));
    }
    expect(text).toContain(`| URL length | ${kib(STATUS_LIMIT_DEFAULTS.maxUrlBytes)} |`);
    expect(text).toContain(`| Request body (no route takes one) | ${kib(STATUS_LIMIT_DEFAULTS.maxBodyBytes)} |`);
    expect(text).toContain(`\`--event-max-bytes\` (\`MARACKER_EVENT_MAX_BYTES\`, default ${EVENTS_DEFAULTS.maxEventBytes / 1024 / 1024} MiB)`);
    expect(text).toContain(`Values shorter than ${MIN_SECRET_LENGTH} characters`);
  });

  it('states every input limit with the default and flag the code has', async () => {
    const text = await readDoc('security.md');
    const section = text.slice(text.indexOf('## Input limits'), text.indexOf('## Least privilege'));
    for (const [key, flag] of Object.entries(LIMIT_FLAGS) as Array<[keyof typeof DEFAULT_INPUT_LIMITS, string]>) {
      expect(
        DAEMON_OPTIONS.some((o) => o.name === flag),
        flag,
      ).toBe(true);
      const row = section.split('\n').find((l) => l.includes(`\`--${flag}\``));
      expect(row, flag).toBeDefined();
      const value = DEFAULT_INPUT_LIMITS[key];
      const shown =
        value % 1_048_576 === 0 ? `${value / 1_048_576} MiB` : value % 1024 === 0 && value >= 1024 * 16 ? `${value / 1024} KiB` : value.toLocaleString('en-US');
      expect(row, flag).toContain(`| ${shown} |`);
    }
    expect(section).not.toContain('TODO');
  });
});
