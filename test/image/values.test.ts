import { describe, expect, it } from 'vitest';
import { readCpus, readDateTime, readHttpPath, readLine, readMebibytes, readPort, readText, readUrl } from '../../src/image/values.js';

const value = <T>(v: T) => ({ ok: true, value: v });
const code = (c: string) => expect.objectContaining({ ok: false, code: c });

describe('readCpus', () => {
  it.each([
    ['0.5', value(0.5)],
    ['2', value(2)],
    ['0.01', value(0.01)],
    ['256', value(256)],
    ['0.001', code('out-of-range')],
    ['0', code('out-of-range')],
    ['257', code('out-of-range')],
    ['500m', code('not-a-number')],
    ['.5', code('not-a-number')],
    ['-1', code('not-a-number')],
    ['1e2', code('not-a-number')],
    [' 1', code('not-a-number')],
  ])('%j', (text, expected) => expect(readCpus(text)).toEqual(expected));
});

describe('readMebibytes (32 to 1048576 MiB)', () => {
  it.each([
    ['512', value(512)],
    ['512Mi', value(512)],
    ['512MiB', value(512)],
    ['2Gi', value(2048)],
    ['1.5GiB', value(1536)],
    ['1Ti', value(1048576)],
    ['65536Ki', value(64)],
    ['2G', code('ambiguous-unit')],
    ['512m', code('ambiguous-unit')],
    ['512MB', code('ambiguous-unit')],
    ['512 Mi', code('not-a-size')],
    ['512Xi', code('unknown-unit')],
    ['1.3Gi', code('not-whole-mib')],
    ['100.5', code('not-whole-mib')],
    ['16', code('out-of-range')],
    ['2Ti', code('out-of-range')],
    ['lots', code('not-a-size')],
    ['', code('not-a-size')],
  ])('%j', (text, expected) => expect(readMebibytes(text, 32, 1048576)).toEqual(expected));

  it('says what a size must be, and what the text amounts to', () => {
    expect(readMebibytes('2G', 32, 1024)).toEqual({
      ok: false,
      code: 'ambiguous-unit',
      rule: 'unit "G" is ambiguous (1000 or 1024?): a size in MiB: a number (MiB), or a number with Ki, Mi, Gi or Ti (binary units), such as 512, 512Mi or 2Gi',
    });
    expect(readMebibytes('2Gi', 32, 1024)).toEqual({ ok: false, code: 'out-of-range', rule: 'a size from 32 to 1024 MiB (2Gi is 2048 MiB)' });
  });
});

describe('readPort', () => {
  it.each([
    ['80', value(80)],
    ['65535', value(65535)],
    ['0', code('not-a-port')],
    ['65536', code('not-a-port')],
    ['080', code('not-a-port')],
    ['http', code('not-a-port')],
    ['80/tcp', code('not-a-port')],
  ])('%j', (text, expected) => expect(readPort(text)).toEqual(expected));
});

describe('readHttpPath', () => {
  it.each([
    ['/health', value('/health')],
    ['/', value('/')],
    ['/status?full=1', value('/status?full=1')],
    ['health', code('not-a-path')],
    ['/my health', code('not-a-path')],
    ['/héalth', code('not-a-path')],
    ['/health#top', code('not-a-path')],
    [`/${'a'.repeat(1024)}`, code('too-long')],
  ])('%j', (text, expected) => expect(readHttpPath(text)).toEqual(expected));
});

describe('readUrl', () => {
  it.each([
    ['https://github.com/LREN-CHUV/woken', ['https', 'http'], value('https://github.com/LREN-CHUV/woken')],
    ['git://example.org/repo.git', ['https', 'git'], value('git://example.org/repo.git')],
    ['javascript:alert(1)', ['https', 'http'], code('unsupported-scheme')],
    ['ftp://example.org/x', ['https', 'http'], code('unsupported-scheme')],
    ['github.com/LREN-CHUV/woken', ['https', 'http'], code('not-a-url')],
    ['https://exa mple.org', ['https', 'http'], code('not-a-url')],
    [`https://example.org/${'a'.repeat(2048)}`, ['https'], code('too-long')],
  ])('%j', (text, schemes, expected) => expect(readUrl(text, schemes)).toEqual(expected));
});

describe('readDateTime', () => {
  it.each([
    ['2017-07-28T10:00:00Z', true],
    ['2017-07-28T10:00:00.123+02:00', true],
    ['2017-07-28 10:00:00Z', true],
    ['2017-07-28', false],
    ['2017-13-28T10:00:00Z', false],
    ['yesterday', false],
  ])('%j → %s', (text, accepted) => expect(readDateTime(text).ok).toBe(accepted));
});

describe('text', () => {
  it('keeps lines to one line and text to its length, without control characters', () => {
    expect(readLine('woken', 10)).toEqual(value('woken'));
    expect(readLine('a\nb', 10)).toEqual(code('control-characters'));
    expect(readLine('abcdefghijk', 10)).toEqual({ ok: false, code: 'too-long', rule: 'at most 10 characters (it has 11)' });
    expect(readText('line 1\r\nline 2\tend', 100)).toEqual(value('line 1\r\nline 2\tend'));
    expect(readText('bell\u0007', 100)).toEqual(code('control-characters'));
  });
});
