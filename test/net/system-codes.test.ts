import { describe, expect, it } from 'vitest';
import { isTimeoutCode, isTlsCode } from '../../src/net/system-codes.js';

describe('system codes of failed exchanges', () => {
  it.each(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT'])('%s is a timeout', (code) => {
    expect(isTimeoutCode(code)).toBe(true);
    expect(isTlsCode(code)).toBe(false);
  });

  it.each([
    'CERT_HAS_EXPIRED',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'ERR_SSL_WRONG_VERSION_NUMBER',
    'EPROTO',
  ])('%s is TLS', (code) => {
    expect(isTlsCode(code)).toBe(true);
    expect(isTimeoutCode(code)).toBe(false);
  });

  it.each([undefined, 'ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET', 'ENOTFOUND'])('%s is neither', (code) => {
    expect(isTimeoutCode(code)).toBe(false);
    expect(isTlsCode(code)).toBe(false);
  });
});
