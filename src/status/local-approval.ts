// When a prune may be approved without a status token. `npm start` (maracker up) serves its
// status on 127.0.0.1 without a token, and an operator at that machine must still be able to
// approve a blocked prune from the CLI. Being on the machine is then the credential, so each
// way a request from elsewhere could pass for a local one is refused:
//
// - the server must listen on the loopback interface only (0.0.0.0 would take anyone);
// - the connection must come from a loopback address;
// - no proxy headers: a proxy on this host forwards remote requests from 127.0.0.1;
// - a web page may act only if it is the dashboard this server serves: Sec-Fetch-Site
//   `same-origin` and an Origin equal to `http://` + Host (a browser sets both, no page can
//   forge them). Any other page the operator opens could otherwise POST to 127.0.0.1 (a
//   "simple" cross-origin request needs no preflight);
// - the Host header must name a loopback address or localhost: DNS rebinding makes a web
//   page's own host name resolve to 127.0.0.1.
//
// Pure: the server passes what it knows of the request.

import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';

export function isLoopbackAddress(address: string): boolean {
  const a = address.toLowerCase().replace(/^\[|\]$/g, '');
  if (a === '::1') return true;
  const v4 = a.startsWith('::ffff:') ? a.slice('::ffff:'.length) : a;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-real-ip', 'via'] as const;
const BROWSER_HEADERS = ['origin', 'sec-fetch-site'] as const;

export interface LocalRequest {
  /** The address the server is bound to (`server.address().address`). */
  boundAddress: string;
  /** The connection's remote address. */
  remote: string;
  headers: IncomingHttpHeaders;
}

/** Why this request may not approve without a token; undefined when it may. */
export function tokenlessApprovalRefusal(r: LocalRequest): string | undefined {
  if (!isLoopbackAddress(r.boundAddress)) return `the status server listens on ${r.boundAddress}, not on the loopback interface only`;
  if (!isLoopbackAddress(r.remote)) return `the request comes from ${r.remote}, not from this host`;
  for (const h of PROXY_HEADERS) if (r.headers[h] !== undefined) return `the request came through a proxy (${h} header)`;
  if (BROWSER_HEADERS.some((h) => r.headers[h] !== undefined)) {
    const sameOrigin = r.headers['sec-fetch-site'] === 'same-origin' && r.headers.origin === `http://${r.headers.host ?? ''}`;
    if (!sameOrigin) {
      const h = BROWSER_HEADERS.find((name) => r.headers[name] !== undefined);
      return `the request comes from a web page (${h} header) other than this server's dashboard`;
    }
  }
  const host = hostName(r.headers.host ?? '');
  if (host !== 'localhost' && !isLoopbackAddress(host)) return `the request is addressed to host "${r.headers.host ?? ''}", not to a loopback address`;
  return undefined;
}

/** "127.0.0.1:8090" -> "127.0.0.1", "[::1]:8090" -> "::1", "localhost" -> "localhost". */
function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') < 0 ? undefined : h.indexOf(']'));
  const colon = h.lastIndexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}
