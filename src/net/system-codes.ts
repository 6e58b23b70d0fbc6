// What the code of a failed network exchange (Node's or undici's, e.g. `UND_ERR_HEADERS_TIMEOUT`,
// `CERT_HAS_EXPIRED`) says about it. The Marathon and registry clients both sort their
// failures with these, so "was this a timeout?" and "was this TLS?" have one answer.

const TIMEOUT_CODES: ReadonlySet<string> = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|ERR_OSSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|EPROTO)/;

/** No complete answer in time: connecting, waiting for the headers, or reading the body. */
export function isTimeoutCode(code: string | undefined): boolean {
  return code !== undefined && TIMEOUT_CODES.has(code);
}

/** The TLS handshake failed: a certificate rejected, a protocol mismatch (plain HTTP on a TLS port). */
export function isTlsCode(code: string | undefined): boolean {
  return code !== undefined && TLS_CODE.test(code);
}

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be resolved now',
  ECONNRESET: 'the connection was reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'the connection was closed while sending',
  ETIMEDOUT: 'no answer in time',
  UND_ERR_CONNECT_TIMEOUT: 'no answer in time',
  UND_ERR_SOCKET: 'the connection was closed',
};

/** A system code in words ("ECONNREFUSED: connection refused"), for messages that say what failed. */
export function describeSystemCode(code: string | undefined): string {
  if (code === undefined) return 'unknown error';
  const words = DESCRIPTIONS[code];
  return words ? `${code}: ${words}` : code;
}

/** "host:port" of a URL or origin (the default port of its scheme when it names none), for messages. */
export function hostPortOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const u = new URL(url);
    const port = u.port || (u.protocol === 'https:' ? '443' : u.protocol === 'http:' ? '80' : '');
    return port ? `${u.hostname}:${port}` : u.hostname;
  } catch {
    return undefined;
  }
}
