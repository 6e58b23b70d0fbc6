import { describe, expect, it } from 'vitest';
import { ConfigError, parseOptions, renderOptionsHelp, type OptionSpec } from '../../src/config/options.js';

const specs: OptionSpec[] = [
  { name: 'marathon', type: 'string', env: 'MARACKER_MARATHON', description: 'Marathon URL', default: 'http://127.0.0.1:8080' },
  { name: 'resync', type: 'number', env: 'MARACKER_RESYNC', description: 'seconds', default: 30, min: 1 },
  { name: 'force', type: 'boolean', env: 'MARACKER_FORCE', description: 'force', default: false },
  { name: 'traefik', type: 'string', description: 'grammar', default: 'v2', choices: ['v1', 'v2', 'both'] },
  { name: 'tags', type: 'list', env: 'MARACKER_TAGS', description: 'tags', default: [] },
];

describe('parseOptions', () => {
  it('takes a flag over its environment variable over its default', () => {
    const env = { MARACKER_MARATHON: 'http://env:8080', MARACKER_RESYNC: '10' };
    const parsed = parseOptions(specs, ['--marathon', 'http://flag:8080'], env);
    expect(parsed.values.marathon).toBe('http://flag:8080');
    expect(parsed.values.resync).toBe(10);
    expect(parsed.values.force).toBe(false);
    expect([...parsed.explicit].sort()).toEqual(['marathon', 'resync']);
  });

  it('accepts --name=value, --no-flag and positionals', () => {
    const parsed = parseOptions(specs, ['a', '--resync=5', '--no-force', 'b', '--tags', 'x,y', '--tags=z'], {});
    expect(parsed.values).toMatchObject({ resync: 5, force: false, tags: ['x', 'y', 'z'] });
    expect(parsed.positionals).toEqual(['a', 'b']);
  });

  it('reports every problem at once', () => {
    let caught: unknown;
    try {
      parseOptions(specs, ['--resync', '0', '--traefik', 'v3', '--nope'], { MARACKER_FORCE: 'maybe' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).code).toBe('MRK_CONFIG_INVALID');
    expect((caught as ConfigError).problems).toEqual([
      'unknown option --nope',
      '--resync: expected a number from 1 and up, got 0',
      'MARACKER_FORCE: expected true or false, got "maybe"',
      '--traefik: expected one of v1, v2, both, got "v3"',
    ]);
  });

  it('lists every option with its default and variable in the help text', () => {
    const help = renderOptionsHelp(specs);
    expect(help).toContain('--marathon <string>');
    expect(help).toContain('(default: http://127.0.0.1:8080) [env MARACKER_MARATHON]');
    expect(help).toContain('--traefik <v1|v2|both>');
    expect(help).toContain('--[no-]force');
  });

  it('puts the description of a flag wider than the column on its own line', () => {
    const wide: OptionSpec = { name: 'a-very-long-option-name-indeed', type: 'string', choices: ['first-choice', 'second-choice'], description: 'Wide' };
    const lines = renderOptionsHelp([wide, ...specs]).split('\n');
    expect(lines[0]).toBe('  --a-very-long-option-name-indeed <first-choice|second-choice>');
    expect(lines[1]?.trim()).toBe('Wide');
  });
});
