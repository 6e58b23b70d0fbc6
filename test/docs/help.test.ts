// `maracker <command> --help` is the first doc an operator reads: it must list every option
// with its environment variables and its default, and every exit code, for every command.
// Asked of the compiled CLI, as an operator would (`npm test` builds it first).

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCommands } from './command-reference.js';
import { REPO_ROOT } from './doc-files.js';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

function renderCommandHelp(cmd: { name: string }): string {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const res = spawnSync(process.execPath, [CLI, cmd.name, '--help'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  expect(res.status, res.stderr).toBe(0);
  return res.stdout;
}

describe('maracker <command> --help', async () => {
  const commands = await loadCommands();

  it('lists every command in `maracker --help`', () => {
    const res = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    expect(res.status).toBe(0);
    for (const cmd of commands)
      expect(res.stdout).toMatch(new RegExp(`^  ${cmd.name} +${cmd.summary.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'));
  });

  it.each(commands.map((c) => [c.name, c] as const))('%s lists every option with its variables and default, and every exit code', (_name, cmd) => {
    const help = renderCommandHelp(cmd);
    const optionLines = help.slice(help.indexOf('\nOptions:\n'), help.includes('\nExit codes:') ? help.indexOf('\nExit codes:') : undefined).split('\n');
    // An entry is its flag line plus, for flags wider than the column, the description below it.
    const entries = optionLines.map((l, i) =>
      optionLines[i + 1] !== undefined && !optionLines[i + 1]?.trimStart().startsWith('-') ? `${l} ${optionLines[i + 1]}` : l,
    );
    for (const spec of cmd.options) {
      const flag = spec.type === 'boolean' ? `--[no-]${spec.name}` : `--${spec.name}`;
      const line = entries.find((l) => l.trimStart().startsWith(`${flag} `) || l.trimStart() === flag || l.includes(`, ${flag}`));
      expect(line, `--${spec.name}`).toBeDefined();
      for (const env of [spec.env, ...(spec.envAliases ?? [])]) if (env) expect(line).toContain(env);
      if (spec.default !== undefined && !spec.secret && String(spec.default) !== '') {
        expect(line).toContain(`(default: ${Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default)})`);
      }
      // A secret's value never appears, whatever it is.
      if (spec.secret && typeof spec.default === 'string') expect(help).not.toContain(spec.default);
    }
    expect(cmd.exitCodes?.length ?? 0, 'exit codes declared').toBeGreaterThan(0);
    for (const [code, text] of cmd.exitCodes ?? []) expect(help).toContain(`  ${code}  ${text}`);
  });
});
