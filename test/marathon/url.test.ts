import { describe, expect, it } from 'vitest';
import { loadDaemonConfig } from '../../src/config/daemon.js';
import type { ConfigError } from '../../src/config/options.js';
import { MarathonClient } from '../../src/marathon/client.js';
import { checkMarathonUrl } from '../../src/marathon/url.js';

const CREDENTIALS = 'expected no credentials (user:password@) in the URL, where logs would show them: give them as the authentication options';

describe('checkMarathonUrl', () => {
  it('keeps the URL as given for the configuration and as parsed for requests, both without trailing slashes', () => {
    expect(checkMarathonUrl('https://Marathon.example:443/service/marathon//')).toEqual({
      ok: true,
      url: 'https://Marathon.example:443/service/marathon',
      baseUrl: 'https://marathon.example/service/marathon',
    });
    expect(checkMarathonUrl('http://127.0.0.1:8080')).toEqual({ ok: true, url: 'http://127.0.0.1:8080', baseUrl: 'http://127.0.0.1:8080' });
  });

  it.each([
    ['', 'expected an http(s) URL, got ""'],
    [undefined, 'expected an http(s) URL, got "undefined"'],
    ['marathon:8080', 'expected an http(s) URL, got "marathon:8080"'],
    ['ftp://marathon.test', 'expected an http(s) URL, got "ftp://marathon.test"'],
    ['http://', 'expected an http(s) URL, got "http://"'],
    ['http://marathon.test/?x=1', 'expected a URL without query or fragment, got "http://marathon.test/?x=1"'],
    ['http://marathon.test/#top', 'expected a URL without query or fragment, got "http://marathon.test/#top"'],
    ['http://marathon.test/?token=s3cr3t-t0ken', 'expected a URL without query or fragment, got "http://marathon.test/?token=[redacted]"'],
    ['http://admin:secret@m:8080', CREDENTIALS],
    ['http://admin:se/cret@m:8080', CREDENTIALS],
    ['http://@m:8080', CREDENTIALS],
    ['http:admin:secret@m:8080', CREDENTIALS],
    ['http:\\\\admin:se/cret@m', 'expected an http(s) URL, got something else (not quoted: it holds an "@")'],
  ])('refuses %j', (raw, problem) => {
    expect(checkMarathonUrl(raw)).toEqual({ ok: false, problem });
  });

  it('is the one check of the configuration and the client: they accept the same URLs and say the same', () => {
    for (const raw of ['http://m:8080/', 'https://m/base', 'ftp://m', 'http://m/?q', 'http://u:p@m', 'http://u:p/w@m', 'm:8080']) {
      const checked = checkMarathonUrl(raw);
      let configProblem: string | undefined;
      try {
        loadDaemonConfig(['--marathon', raw], {}, '/');
      } catch (err) {
        configProblem = (err as ConfigError).problems[0];
      }
      let clientProblem: string | undefined;
      try {
        void new MarathonClient({ url: raw }).close();
      } catch (err) {
        clientProblem = (err as Error).message;
      }
      expect(configProblem, raw).toBe(checked.ok ? undefined : `--marathon: ${checked.problem}`);
      expect(clientProblem, raw).toBe(checked.ok ? undefined : `\`url\`: ${checked.problem}`);
    }
  });
});
