import { describe, expect, it } from 'vitest';
import { redactCredentials, urlSecrets } from '../../src/secrets/url.js';

describe('redactCredentials', () => {
  it.each([
    ['a password with / (not a valid URL)', 'postgres://app:pa/ss@db:5432/x', 'postgres://app:[redacted]@db:5432/x'],
    ['a password with @ and :', 'postgres://app:p@s:s@db/x', 'postgres://app:[redacted]@db/x'],
    ['a percent-encoded password', 'postgres://app:p%2Fss%40@db/x', 'postgres://app:[redacted]@db/x'],
    ['a bad percent-encoding', 'postgres://app:100%zz@db/x', 'postgres://app:[redacted]@db/x'],
    ['a token as userinfo', 'https://ghp_abc123@github.com/x.git', 'https://[redacted]@github.com/x.git'],
    ['inside a sentence, quoted', 'cannot reach "postgres://u:s3cr/et@db/x": timeout', 'cannot reach "postgres://u:[redacted]@db/x": timeout'],
    ['two URLs', 'a http://u:1@h b http://v:2@i', 'a http://u:[redacted]@h b http://v:[redacted]@i'],
    ['a password query parameter', 'postgres://db/x?user=u&password=s/e@c&sslmode=require', 'postgres://db/x?user=u&password=[redacted]&sslmode=require'],
    ['a bearer credential', 'sent Authorization: Bearer abc.DEF-123_456', 'sent Authorization: Bearer [redacted]'],
    ['a basic credential', '{"authorization":"Basic dXNlcjpwYXNzd29yZA=="}', '{"authorization":"Basic [redacted]"}'],
    ["Marathon's DC/OS token header", 'Authorization: token=eyJhbGciOi.x1', 'Authorization: token=[redacted]'],
  ])('blanks %s', (_, text, expected) => {
    expect(redactCredentials(text)).toBe(expected);
  });

  it.each([
    ['a URL without credentials', 'http://marathon.example.org:8080/v2/apps'],
    ['prose about tokens', 'Bearer token required by the status server (sent as Authorization: token=...)'],
    ['a placeholder', 'this endpoint needs "Authorization: Bearer <token>"'],
    ['plain text', 'nothing to see here'],
  ])('leaves %s alone', (_, text) => {
    expect(redactCredentials(text)).toBe(text);
  });
});

describe('urlSecrets', () => {
  it('does not search for a password equal to its user name (nothing secret, and it would blank every mention of the user)', () => {
    expect(urlSecrets('postgresql://maracker:maracker@127.0.0.1:54329/maracker')).toEqual([]);
    expect(urlSecrets('postgresql://maracker:s3cret-pw@127.0.0.1/maracker')).toEqual(['s3cret-pw', 's3cret-pw']);
  });

  it('finds the password as written and decoded, whether or not the URL parses', () => {
    expect(urlSecrets('postgres://app:pa/ss@db/x')).toEqual(['pa/ss', 'pa/ss']);
    expect(urlSecrets('postgres://app:p%2Fss@db/x')).toEqual(['p%2Fss', 'p/ss']);
    expect(urlSecrets('https://tok3n@github.com')).toEqual(['tok3n', 'tok3n']);
    expect(urlSecrets('postgres://db/x?password=abc%40d')).toEqual(['abc%40d', 'abc@d']);
    expect(urlSecrets('postgres://db/x')).toEqual([]);
    expect(urlSecrets('not a url')).toEqual([]);
  });
});
