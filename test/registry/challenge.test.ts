import { describe, expect, it } from 'vitest';
import { parseChallenges } from '../../src/registry/challenge.js';

describe('parseChallenges', () => {
  it("reads Docker Hub's bearer challenge", () => {
    expect(parseChallenges(['Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"'])).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' } },
    ]);
  });

  it("reads the distribution registry's basic challenge", () => {
    expect(parseChallenges(['Basic realm="basic-realm"'])).toEqual([{ scheme: 'basic', params: { realm: 'basic-realm' } }]);
  });

  it('reads several challenges in one header and across headers, with spaces, escapes and unquoted values', () => {
    expect(parseChallenges(['Basic realm="a \\"b\\"", Bearer realm=https://auth.example.com/token , service = reg', 'Negotiate'])).toEqual([
      { scheme: 'basic', params: { realm: 'a "b"' } },
      { scheme: 'bearer', params: { realm: 'https://auth.example.com/token', service: 'reg' } },
      { scheme: 'negotiate', params: {} },
    ]);
  });

  it('keeps the scope with its commas and colons whole', () => {
    expect(parseChallenges(['Bearer realm="r",scope="repository:a/b:pull,push repository:c:pull"'])[0]?.params.scope).toBe(
      'repository:a/b:pull,push repository:c:pull',
    );
  });

  it('survives garbage without throwing', () => {
    expect(parseChallenges(['', ',,', '=', 'Bearer realm="unterminated']).map((c) => c.scheme)).toEqual(['bearer']);
  });
});
