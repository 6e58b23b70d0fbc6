// A hostile Marathon for secret-leak tests: an HTTP server on 127.0.0.1 that echoes back
// whatever credentials it was sent (the Authorization header, decoded) in its error bodies,
// as a misconfigured proxy or a chatty server might. Listing apps succeeds unless `rejectAll`,
// so the daemon starts reconciling and each write fails with the echo.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';

export interface EchoMarathon {
  url: string;
  /** Answer 401 to everything (reads included). */
  rejectAll: boolean;
}

export async function echoMarathon(o: { rejectAll?: boolean } = {}): Promise<EchoMarathon> {
  const state = { rejectAll: o.rejectAll ?? false };
  const server = createServer((req, res) => answer(req, res, state.rejectAll));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get rejectAll() {
      return state.rejectAll;
    },
    set rejectAll(v: boolean) {
      state.rejectAll = v;
    },
  };
}

function echo(req: IncomingMessage): string {
  const header = req.headers.authorization ?? '';
  const basic = /^Basic (.+)$/.exec(header)?.[1];
  const decoded = basic ? Buffer.from(basic, 'base64').toString('utf8') : '';
  return `you sent Authorization: ${header} (${decoded}) to ${req.url}`;
}

function answer(req: IncomingMessage, res: ServerResponse, rejectAll: boolean): void {
  req.resume();
  const path = (req.url ?? '/').split('?')[0] as string;
  const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', 'www-authenticate': `Basic realm="${echo(req)}"`, ...headers });
    res.end(JSON.stringify(body));
  };
  if (rejectAll || path === '/v2/events') send(401, { message: `Unauthorized: ${echo(req)}` });
  else if (req.method === 'GET' && path === '/v2/apps') send(200, { apps: [] });
  else if (req.method === 'GET' && path === '/v2/deployments') send(200, []);
  else if (req.method === 'GET' && path.startsWith('/v2/apps/')) send(404, { message: `App '${path.slice(8)}' does not exist; ${echo(req)}` });
  else if (req.method === 'GET' && path === '/v2/info') send(200, { version: '1.10.17' });
  else send(500, { message: `internal error; ${echo(req)}` });
}
