// docs/operations.md against the code: its command reference is generated from the
// commands' option declarations and exit codes, and must equal what they say now. After
// changing a command, run
//   UPDATE_DOCS=1 npx vitest run test/docs/operations.test.ts
// to rewrite the generated section.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Command } from '../../src/cli/command.js';
import { DAEMON_OPTIONS } from '../../src/config/daemon.js';
import { parseDockerfile, stageEnv } from '../packaging/dockerfile.js';
import { loadCommands, renderCommand, renderReference } from './command-reference.js';
import { checkOrUpdate, missingPaths, readDoc, replaceGenerated, REPO_ROOT } from './doc-files.js';

const DOC = 'operations.md';

describe('docs/operations.md', () => {
  it('documents every command, flag, environment variable, default and exit code as the code declares them', async () => {
    const text = await readDoc(DOC);
    const expected = replaceGenerated(text, 'command reference', renderReference(await loadCommands()));
    await checkOrUpdate(DOC, text, expected, (a, e) =>
      expect(a, 'docs/operations.md is out of date: run UPDATE_DOCS=1 npx vitest run test/docs/operations.test.ts').toBe(e),
    );
  });

  it('covers every option of the daemon, with its variable and its default', async () => {
    const text = await readDoc(DOC);
    for (const spec of DAEMON_OPTIONS) {
      expect(text, `--${spec.name}`).toContain(`--${spec.name}`);
      for (const env of [spec.env, ...(spec.envAliases ?? [])]) if (env) expect(text, env).toContain(`\`${env}\``);
    }
  });

  it('states the image defaults the Dockerfile sets', async () => {
    const text = await readDoc(DOC);
    const dockerfile = parseDockerfile(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'));
    const env = stageEnv(dockerfile.stages.at(-1) as NonNullable<ReturnType<typeof dockerfile.stages.at>>);
    for (const [name, value] of Object.entries(env).filter(([k]) => k.startsWith('MARACKER_'))) {
      expect(text, `${name}=${value}`).toMatch(new RegExp(`\\| \`${name}\` \\| \`${value.replace(/[.]/g, '\\.')}\` \\|`));
    }
  });

  it('names only files that exist', async () => {
    expect(missingPaths(await readDoc(DOC))).toEqual([]);
  });
});

describe('the generated command reference', () => {
  const example: Command = {
    name: 'demo',
    summary: 'A demo | with a pipe',
    usage: 'demo [--x]',
    options: [
      { name: 'level', type: 'string', env: 'DEMO_LEVEL', default: 'info', choices: ['info', 'debug'], description: 'Log level' },
      { name: 'token', type: 'string', env: 'DEMO_TOKEN', envAliases: ['TOKEN'], secret: true, description: 'Access token' },
      { name: 'fast', type: 'boolean', default: false, description: 'Go fast' },
    ],
    exitCodes: [[0, 'fine']],
    run: async () => 0,
  };

  it('shows each flag with its variables, default and allowed values, and never a secret', () => {
    expect(renderCommand(example)).toBe(
      [
        '### `maracker demo`',
        '',
        'A demo \\| with a pipe',
        '',
        'Usage: `maracker demo [--x]`',
        '',
        '| Flag | Environment variable | Default | Meaning |',
        '|---|---|---|---|',
        '| `--level <info\\|debug>` | `DEMO_LEVEL` | `info` | Log level. One of `info`, `debug`. |',
        '| `--token <string>` | `DEMO_TOKEN`, `TOKEN` |  | Access token. Secret: never printed. |',
        '| `--fast`, `--no-fast` |  | `false` | Go fast |',
        '',
        '| Exit code | Meaning |',
        '|---|---|',
        '| 0 | fine |',
      ].join('\n'),
    );
  });
});
