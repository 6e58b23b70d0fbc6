// A token endpoint for the distribution registry's `token` auth: it checks HTTP basic
// credentials and issues RS256 JWTs carrying the requested pull/push access, signed by a key
// whose self-signed certificate (made with openssl) is the registry's rootcertbundle and
// travels in the token's x5c header. Runs on 127.0.0.1; records what it was asked and what
// it issued, so tests can check that no token leaks.

import { spawnSync } from 'node:child_process';
import { createSign, randomUUID, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';

export const TOKEN_SERVICE = 'maracker-test-registry';
export const TOKEN_ISSUER = 'maracker-test-issuer';

export function opensslAvailable(): { available: boolean; reason: string } {
  const r = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  return r.status === 0 ? { available: true, reason: '' } : { available: false, reason: 'openssl is not installed (apt-get install openssl)' };
}

export interface TokenRequest {
  scope: string[];
  service: string | null;
  account: string | null;
  /** Whether it came with the right basic credentials. */
  authenticated: boolean;
}

export interface TokenServer {
  realm: string;
  certFile: string;
  requests: TokenRequest[];
  /** Every token issued. */
  issued: string[];
  close(): Promise<void>;
}

/** Key and self-signed certificate in `dir` (token.key, token.crt). */
function makeCertificate(dir: string): { key: Buffer; cert: X509Certificate; certFile: string } {
  const keyFile = join(dir, 'token.key');
  const certFile = join(dir, 'token.crt');
  const r = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=maracker-test-token'],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  return { key: readFileSync(keyFile), cert: new X509Certificate(readFileSync(certFile)), certFile };
}

const b64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url');

/** Starts the token server; `credentials` are the only ones it accepts (anonymous requests are refused). */
export async function startTokenServer(dir: string, credentials: { username: string; password: string }): Promise<TokenServer> {
  const { key, cert, certFile } = makeCertificate(dir);
  const expected = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  const requests: TokenRequest[] = [];
  const issued: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const authenticated = req.headers.authorization === expected;
    requests.push({
      scope: url.searchParams.getAll('scope'),
      service: url.searchParams.get('service'),
      account: url.searchParams.get('account'),
      authenticated,
    });
    if (url.pathname !== '/token') {
      res.writeHead(404).end();
      return;
    }
    if (!authenticated) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="token"' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'credentials required' }] }));
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const access = url.searchParams
      .getAll('scope')
      .flatMap((s) => s.split(' '))
      .map((s) => {
        const [type, name, actions] = s.split(':');
        return { type, name, actions: (actions ?? '').split(',').filter((a) => a === 'pull' || a === 'push') };
      });
    const header = { typ: 'JWT', alg: 'RS256', x5c: [cert.raw.toString('base64')] };
    const claims = {
      iss: TOKEN_ISSUER,
      sub: credentials.username,
      aud: url.searchParams.get('service'),
      exp: now + 300,
      nbf: now - 30,
      iat: now,
      jti: randomUUID(),
      access,
    };
    const signing = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const token = `${signing}.${b64url(createSign('RSA-SHA256').update(signing).sign(key))}`;
    issued.push(token);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date(now * 1000).toISOString() }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    certFile,
    requests,
    issued,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
