import { describe, expect, it } from 'vitest';
import { RegistryCache } from '../../src/registry/cache.js';

describe('RegistryCache', () => {
  it('forgets a tag after its TTL, on the injected clock', () => {
    let now = 0;
    const cache = new RegistryCache({ now: () => now, tagTtlMs: 1000, maxEntries: 10 });
    cache.setTag('r/app:1', 'sha256:a');
    now = 999;
    expect(cache.tag('r/app:1')).toBe('sha256:a');
    now = 1000;
    expect(cache.tag('r/app:1')).toBeUndefined();
  });

  it('keeps no tag at all with a TTL of 0', () => {
    const cache = new RegistryCache({ now: () => 0, tagTtlMs: 0, maxEntries: 10 });
    cache.setTag('r/app:1', 'sha256:a');
    expect(cache.tag('r/app:1')).toBeUndefined();
  });

  it('keeps content by digest regardless of time, dropping the least recently used beyond maxEntries', () => {
    let now = 0;
    const cache = new RegistryCache({ now: () => now, tagTtlMs: 1, maxEntries: 2 });
    cache.setContent('a', 1);
    cache.setContent('b', 2);
    now = 1e12;
    expect(cache.content('a')).toBe(1); // a is now the most recent
    cache.setContent('c', 3);
    expect(cache.content('b')).toBeUndefined();
    expect(cache.content('a')).toBe(1);
    expect(cache.content('c')).toBe(3);
  });
});
