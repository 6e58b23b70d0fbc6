import { MockAgent } from 'undici';
import { describe, expect, it } from 'vitest';
import { MarathonClient } from '../../src/marathon/client.js';
import { DEFAULTS, defaultTimers, resolveOptions, type MarathonClientOptions } from '../../src/marathon/options.js';

function construct(options: Partial<MarathonClientOptions>): () => MarathonClient {
  return () => new MarathonClient({ url: 'http://marathon.test:8080', ...options } as MarathonClientOptions);
}

describe('MarathonClient options', () => {
  it('fills in documented defaults and freezes the result', () => {
    const resolved = resolveOptions({ url: 'https://marathon.test:8443/service/marathon/' });
    expect(resolved).toMatchObject({
      baseUrl: 'https://marathon.test:8443/service/marathon',
      timeoutMs: DEFAULTS.timeoutMs,
      readAttempts: 3,
      insecureTls: false,
      maxRedirects: 3,
      userAgent: 'maracker',
      timers: defaultTimers,
    });
    expect(DEFAULTS.timeoutMs).toBe(10_000);
    expect(Object.isFrozen(resolved)).toBe(true);
  });

  it.each([
    [{ timeoutMs: 0 }, 'Expected `timeoutMs` to be an integer from 1 and up, got `0`'],
    [{ timeoutMs: 1.5 }, 'Expected `timeoutMs` to be an integer from 1 and up, got `1.5`'],
    [{ readAttempts: 0 }, 'Expected `readAttempts` to be an integer from 1 and up, got `0`'],
    [{ retryBaseDelayMs: -1 }, 'Expected `retryBaseDelayMs` to be an integer from 0 and up, got `-1`'],
    [{ retryBaseDelayMs: 500, retryMaxDelayMs: 100 }, 'Expected `retryMaxDelayMs` to be at least `retryBaseDelayMs` (500), got `100`'],
    [{ maxRedirects: -1 }, 'Expected `maxRedirects` to be an integer from 0 and up, got `-1`'],
    [{ url: '' }, '`url`: expected an http(s) URL, got ""'],
    [{ url: 'marathon:8080' }, '`url`: expected an http(s) URL, got "marathon:8080"'],
    [{ url: 'ftp://marathon.test' }, '`url`: expected an http(s) URL, got "ftp://marathon.test"'],
    [{ url: 'http://marathon.test/?x=1' }, '`url`: expected a URL without query or fragment, got "http://marathon.test/?x=1"'],
    [{ insecureTls: 'yes' as unknown as boolean }, 'Expected `insecureTls` to be a boolean, got `yes`'],
    [{ auth: { token: '' } }, 'Expected `auth.token` to be a non-empty string'],
    [{ auth: { username: 'a:b', password: 'p' } }, '`auth.username`: expected a user name without `:` (HTTP basic forbids it)'],
    [{ auth: { username: '', password: 'p' } }, '`auth.username`: expected a non-empty user name'],
    [{ auth: { token: 't', username: 'u', password: 'p' } as never }, 'Expected `auth` to be either `{ username, password }` or `{ token }`, got both'],
    [{ dispatcher: new MockAgent(), insecureTls: true }, 'Expected `ca` and `insecureTls` to be unset when `dispatcher` is given'],
    [{ onRequest: 'metrics' as never }, 'Expected `onRequest` to be a function, got `string`'],
    [{ timers: { setTimeout } as never }, 'Expected `timers` to be an object with `setTimeout` and `clearTimeout` functions'],
  ])('rejects %o', (options, message) => {
    expect(construct(options)).toThrow(TypeError);
    expect(construct(options)).toThrow(message);
  });

  it('refuses credentials in the URL without repeating them, even in a URL no parser accepts', () => {
    for (const url of ['http://admin:hunter2@marathon.test:8080', 'http://admin:hun/ter2@marathon.test:8080']) {
      let message = '';
      try {
        construct({ url })();
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toBe('`url`: expected no credentials (user:password@) in the URL, where logs would show them: give them as the authentication options');
      expect(message).not.toContain('hunter2');
    }
  });
});
