// A port that is taken is the operator's to fix, so the answer names the flag that chose it
// and a port that is free right now, instead of Node's stack trace
// (`Error: listen EADDRINUSE … at Server.setupListenHandle`).

import { createServer } from 'node:net';
import { MarackerError } from '../base/errors.js';

const LISTEN_CODES = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL']);

/** The system code of a failed listen, looked for along the cause chain. */
function listenCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && LISTEN_CODES.has(code)) return code;
  }
  return undefined;
}

/** A port free on `host` now (0 when none could be found). */
async function freePortOn(host: string): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(0));
    server.listen(0, host, () => {
      const addr = server.address();
      server.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

/**
 * When `err` is a failed listen on `host:port`, the error to show instead: what is wrong, the
 * flag that chose the address, and an address that would work now. Anything else: undefined.
 */
export async function explainListenFailure(err: unknown, flag: string, host: string, port: number): Promise<MarackerError | undefined> {
  const code = listenCode(err);
  if (code === undefined) return undefined;
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (code === 'EADDRNOTAVAIL')
    return new MarackerError('MRK_CLI_LISTEN', `${where} is not an address of this machine (${flag}); e.g. ${flag} 127.0.0.1:${port}`, { cause: err });
  const free = await freePortOn(host);
  const alternative = free > 0 ? `, e.g. ${flag} ${flag.endsWith('-port') ? free : `${host}:${free}`} (free now)` : '';
  const what = code === 'EACCES' ? `${where} needs privileges to listen on (a port below 1024)` : `${where} is already in use`;
  return new MarackerError('MRK_CLI_LISTEN', `${what} (${flag}): stop what listens there, or choose another port${alternative}`, { cause: err });
}

/** Runs `start`; a failed listen becomes the explained error. */
export async function listening<T>(start: () => Promise<T>, flag: string, host: string, port: number): Promise<T> {
  try {
    return await start();
  } catch (err) {
    throw (await explainListenFailure(err, flag, host, port)) ?? err;
  }
}

/** Whether `host:port` can be listened on now (to check a port a child process will take). */
export async function canListen(host: string, port: number): Promise<unknown> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err) => resolve(err));
    server.listen(port, host, () => server.close(() => resolve(undefined)));
  });
}
