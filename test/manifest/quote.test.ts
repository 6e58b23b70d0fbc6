import { describe, expect, it } from 'vitest';
import { bareToken, describeKind, describeValue, libraryMessage, quoteToken, tokenList } from '../../src/manifest/quote.js';

describe('quote: how messages show user input', () => {
  it('quotes a short token as is', () => {
    expect(quoteToken('brige')).toBe('"brige"');
  });

  it('cuts a long token to 40 characters', () => {
    expect(quoteToken('x'.repeat(1_000_000))).toBe(`"${'x'.repeat(39)}…"`);
  });

  it('escapes control characters, so a token never starts a line of its own', () => {
    expect(bareToken('a\nb\u0000c')).toBe('a\\nb\\u0000c');
    expect(libraryMessage('Not a YAML token: \u0007')).toBe('Not a YAML token: \\u0007');
  });

  it('names the kind of a value, never its content', () => {
    expect(['SECRET=x', [1], { a: 1 }, null, 3, true].map(describeKind)).toEqual(['a string', 'a list', 'a mapping', 'an empty value', '3', 'true']);
  });

  it('shows an offending scalar itself, cut short', () => {
    expect(describeValue('overlay')).toBe('"overlay"');
    expect(describeValue({ a: 1 })).toBe('a mapping');
  });

  it('lists at most ten tokens', () => {
    expect(tokenList(Array.from({ length: 12 }, (_, i) => `p${i}`))).toBe('p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, …');
  });
});
