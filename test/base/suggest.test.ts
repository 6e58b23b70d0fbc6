import { describe, expect, it } from 'vitest';
import { suggest } from '../../src/base/suggest.js';

describe('suggest', () => {
  it('finds the closest candidate for a typo, ignoring case', () => {
    expect(suggest('instaces', ['image', 'instances', 'cpus'])).toBe('instances');
    expect(suggest('Instances', ['instances'])).toBe('instances');
    expect(suggest('healthcheck', ['healthChecks', 'labels'])).toBe('healthChecks');
  });

  it('says nothing when no candidate is plausibly meant', () => {
    expect(suggest('replicas', ['instances', 'image'])).toBeUndefined();
    expect(suggest('x', ['y'])).toBeUndefined();
  });
});
