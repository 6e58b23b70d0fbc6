// Every maracker command the README shows (in code blocks and inline) parses as written: a
// renamed flag or command cannot leave the walkthrough pointing at something that fails.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../src/config/options.js';
import { loadCommands } from './command-reference.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** Splits a shell command line into words, as sh would for the quoting the README uses. */
function words(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? (m[3] as string));
  return out;
}

/** The maracker invocations of the README: `npx maracker X ...`, `maracker X ...`, `npm start -- ...` (maracker up). */
function invocations(text: string): string[][] {
  const lines: string[] = [];
  // Shell blocks only: an untagged block shows output (`maracker is up.`).
  for (const block of text.matchAll(/```(?:sh|bash|console)\n([\s\S]*?)```/g)) {
    lines.push(...(block[1] as string).replace(/\\\n\s*/g, ' ').split('\n'));
  }
  for (const inline of text.matchAll(/`([^`\n]+)`/g)) lines.push(inline[1] as string);
  const found: string[][] = [];
  for (const raw of lines) {
    const line = raw.replace(/\s+#.*$/, '').trim();
    const m = /^(?:npx\s+)?maracker\s+(.*)$/.exec(line);
    if (m) found.push(words(m[1] as string));
    const start = /^npm\s+start(?:\s+--\s+(.*))?$/.exec(line);
    if (start) found.push(['up', ...words(start[1] ?? '')]);
  }
  return found;
}

describe('the README', () => {
  it('shows commands that parse as written', async () => {
    const commands = new Map((await loadCommands()).map((c) => [c.name, c]));
    const all = invocations(README);
    expect(all.length).toBeGreaterThan(8);
    for (const [name, ...args] of all) {
      const cmd = commands.get(name as string);
      expect(cmd, `maracker ${name}`).toBeDefined();
      if (args.includes('--help')) continue;
      expect(() => parseOptions(cmd?.options ?? [], args, {}), `maracker ${[name, ...args].join(' ')}`).not.toThrow();
    }
  });
});
