import { describe, expect, it } from 'vitest';
import { createScrubber, MIN_SECRET_LENGTH } from '../../src/secrets/scrubber.js';

const SECRET = 'p/ss@w:rd%2F"\\x';

describe('createScrubber', () => {
  const scrubber = createScrubber([SECRET, 'status-token-123', undefined, null]);

  it('blanks a secret as written, percent-encoded, percent-decoded and JSON-escaped', () => {
    for (const form of [SECRET, encodeURIComponent(SECRET), decodeURIComponent('p%2Fss%40w%3Ard%252F%22%5Cx'), JSON.stringify(SECRET).slice(1, -1)]) {
      expect(scrubber.text(`before ${form} after`)).toBe('before [redacted] after');
    }
    expect(scrubber.text('token status-token-123.')).toBe('token [redacted].');
  });

  it('blanks the longest match first, so a secret holding another is blanked whole', () => {
    const s = createScrubber(['abcd', 'abcdefgh']);
    expect(s.text('xabcdefghx abcd')).toBe('x[redacted]x [redacted]');
  });

  it('also blanks URL credentials of unknown value, unless told not to', () => {
    expect(scrubber.text('see postgres://u:other@db/x')).toBe('see postgres://u:[redacted]@db/x');
    expect(createScrubber(['status-token-123'], { anyCredentials: false }).text('psql postgresql://maracker:maracker@127.0.0.1/x status-token-123')).toBe(
      'psql postgresql://maracker:maracker@127.0.0.1/x [redacted]',
    );
  });

  it(`does not search text for values shorter than ${MIN_SECRET_LENGTH} characters`, () => {
    expect(createScrubber(['abc']).text('abc abc')).toBe('abc abc');
  });

  it('scrubs the strings of a value, returning the same object when nothing changed', () => {
    const clean = { a: 'x', b: [1, 'y'], c: { d: null } };
    expect(scrubber.value(clean)).toBe(clean);
    const dirty = { error: { message: `failed: ${SECRET}`, code: 'X' }, list: ['ok', 'status-token-123'] };
    expect(scrubber.value(dirty)).toEqual({ error: { message: 'failed: [redacted]', code: 'X' }, list: ['ok', '[redacted]'] });
    expect(dirty.error.message).toBe(`failed: ${SECRET}`);
  });

  it('keeps a JSON line valid JSON whatever the secret looks like', () => {
    const line = `${JSON.stringify({ level: 50, msg: `connect to postgres://u:${SECRET}@db failed`, ok: true })}\n`;
    const out = scrubber.line(line);
    expect(out.endsWith('\n')).toBe(true);
    expect(JSON.parse(out)).toEqual({ level: 50, msg: 'connect to postgres://u:[redacted]@db failed', ok: true });
    // A secret that is also JSON syntax only touches strings.
    const sneaky = createScrubber(['true']);
    expect(JSON.parse(sneaky.line('{"ok":true,"msg":"it is true"}\n'))).toEqual({ ok: true, msg: 'it is [redacted]' });
    expect(scrubber.line('plain text with status-token-123\n')).toBe('plain text with [redacted]\n');
  });
});
