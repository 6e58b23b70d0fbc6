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
