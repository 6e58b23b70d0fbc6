import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/base/log.js';
import { authorizationHeader, secretRedactor } from '../../src/marathon/auth.js';
import { MarathonTlsError } from '../../src/marathon/errors.js';
import { tempDir } from '../helpers/tmp.js';
import { rejection, testClient } from './helpers/client.js';
import { json, startServer } from './helpers/server.js';

const PASSWORD = 'pa55-w0rd-Sekret';
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.dcos-token-Sekret';

async function selfSigned(): Promise<{ key: string; cert: string; certPath: string }> {
  const dir = await tempDir();
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync(
    '/usr/bin/openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '1',
      '-subj',
      '/CN=marathon-test',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8'), certPath };
}

function captureLogs(): { logger: ReturnType<typeof createLogger>; text: () => string } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), text: () => lines.join('') };
}

describe('MarathonClient authentication', () => {
  it('sends HTTP basic credentials', async () => {
    const server = await startServer((_req, res) => json(res, 200, { apps: [] }));
    const { client } = testClient(server.url, { auth: { username: 'maracker', password: PASSWORD } });
    await client.listApps();
    const expected = `Basic ${Buffer.from(`maracker:${PASSWORD}`).toString('base64')}`;
    expect(server.received[0]!.headers.authorization).toBe(expected);
  });

  it('sends a DC/OS token as `token=<token>`', async () => {
    const server = await startServer((_req, res) => json(res, 200, { apps: [] }));
    const { client } = testClient(server.url, { auth: { token: TOKEN } });
    await client.listApps();
    expect(server.received[0]!.headers.authorization).toBe(`token=${TOKEN}`);
  });

  it.each([
    ['basic', { username: 'maracker', password: PASSWORD }, PASSWORD],
    ['token', { token: TOKEN }, TOKEN],
  ] as const)('keeps the %s secret out of error messages, error bodies and logs, even when echoed', async (_kind, auth, secret) => {
    const server = await startServer((req, res, _body, n) => {
      // A hostile or buggy server echoing the credentials back.
      const echoed = JSON.stringify({ message: `bad credentials ${req.headers.authorization}` });
      json(res, n === 1 ? 401 : 500, echoed);
    });
    const logs = captureLogs();
    const { client } = testClient(server.url, { auth, logger: logs.logger, readAttempts: 1 });
    const header = authorizationHeader(auth)!;
    for (const call of [() => client.listApps(), () => client.createApp({ id: '/web' })]) {
      const err = await rejection(call());
      const everything = `${err.message} ${String(err.body)} ${String(err.serverMessage)} ${err.stack ?? ''} ${JSON.stringify(err)}`;
      expect(err.body).toContain('[redacted]');
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain(header);
      expect(everything).not.toContain(Buffer.from(`maracker:${PASSWORD}`).toString('base64'));
    }
    expect(logs.text()).toContain('marathon request');
    expect(logs.text()).not.toContain(secret);
    expect(logs.text()).not.toContain(header);
  });

  it('redacts the secret and its encoded header form', () => {
    const redact = secretRedactor({ username: 'u', password: 'p4ss' });
    expect(redact(`x p4ss y ${Buffer.from('u:p4ss').toString('base64')}`)).toBe('x [redacted] y [redacted]');
  });
});

describe('MarathonClient TLS', () => {
  it('rejects a self-signed certificate unless its CA is configured or insecureTls is on', async () => {
    const tls = await selfSigned();
    const server = await startServer((_req, res) => json(res, 200, { apps: [{ id: '/web' }] }), tls);

    const untrusted = testClient(server.url);
    const err = await rejection(untrusted.client.listApps());
    expect(err).toBeInstanceOf(MarathonTlsError);
    expect(err.code).toBe('MRK_MARATHON_TLS');
    expect(untrusted.sleeps).toHaveLength(0);

    const byPath = testClient(server.url, { ca: tls.certPath });
    expect(await byPath.client.listApps()).toEqual([{ id: '/web' }]);

    const byText = testClient(server.url, { ca: tls.cert });
    expect(await byText.client.listApps()).toEqual([{ id: '/web' }]);

    const insecure = testClient(server.url, { insecureTls: true });
    expect(await insecure.client.listApps()).toEqual([{ id: '/web' }]);
    expect(server.received).toHaveLength(3);
  });

  it('fails at construction on a CA file that cannot be read', async () => {
    const dir = await tempDir();
    expect(() => testClient('https://127.0.0.1:1', { ca: join(dir, 'missing.pem') })).toThrow(
      /Expected `ca` to be PEM text or the path of a readable PEM file, could not read `.*missing\.pem` \(ENOENT\)/,
    );
  });
});
