import { describe, expect, it } from 'vitest';
import { REGISTRY_DEFAULTS, resolveRegistryOptions } from '../../src/registry/options.js';

describe('RegistryClient options', () => {
  it('fills in documented defaults and freezes the result', () => {
    const o = resolveRegistryOptions();
    expect(o).toMatchObject({ ...REGISTRY_DEFAULTS, platform: { os: 'linux', architecture: 'amd64' }, credentials: [], insecureRegistries: [] });
    expect(Object.isFrozen(o)).toBe(true);
  });

  it.each([
    [{ timeoutMs: 0 }, 'Expected `timeoutMs` to be an integer from 1 and up, got `0`'],
    [{ readAttempts: 1.5 }, 'Expected `readAttempts` to be an integer from 1 and up, got `1.5`'],
    [{ retryBaseDelayMs: 500, retryMaxDelayMs: 100 }, 'Expected `retryMaxDelayMs` to be at least `retryBaseDelayMs` (500), got `100`'],
    [{ platform: 'amd64' }, 'Expected a platform as os/arch[/variant]'],
    [{ now: 5 }, 'Expected `now` to be a function, got `number`'],
    [{ insecureRegistries: 'localhost' }, 'Expected `insecureRegistries` to be an array of HOST or HOST:PORT'],
  ])('refuses %j', (options, message) => {
    expect(() => resolveRegistryOptions(options as never)).toThrow(message);
  });
});
