// Docker's rule for plain HTTP: a registry on localhost, 127.0.0.0/8 or ::1 may be reached
// without TLS; any other host only when declared an insecure registry. The same rule holds
// for token endpoints and redirects, so a challenge or a Location header cannot talk
// maracker into sending credentials in clear text. Pure.

import { hostProblem, splitHostPort } from './reference.js';

/** localhost, 127.0.0.0/8 and ::1. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const octets = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return octets !== null && octets[1] === '127' && octets.slice(2).every((o) => Number(o) <= 255);
}

export class PlainHttpPolicy {
  readonly #hosts = new Set<string>();
  readonly #hostPorts = new Set<string>();

  /** `insecure`: `host` (any port) or `host:port` entries, as --insecure-registry takes them. */
  constructor(insecure: readonly string[] = []) {
    for (const entry of insecure) {
      const e = entry.trim().toLowerCase();
      const problem = e.includes('://') ? 'no scheme, the host alone' : hostProblem(e);
      if (problem !== undefined) throw new TypeError(`Expected each insecure registry to be HOST or HOST:PORT, got \`${entry}\`: ${problem}`);
      if (splitHostPort(e).port === undefined) this.#hosts.add(e);
      else this.#hostPorts.add(e);
    }
  }

  /** Whether `hostPort` (as in a URL's `host`) may be sent plain HTTP, and TLS to it left unverified. */
  allows(hostPort: string): boolean {
    const hp = hostPort.toLowerCase();
    const { host } = splitHostPort(hp);
    return isLoopback(host) || this.#hosts.has(host) || this.#hostPorts.has(hp);
  }
}
