import { describe, expect, it } from 'vitest';
import { isLoopbackAddress, tokenlessApprovalRefusal } from '../../src/status/local-approval.js';

const local = { boundAddress: '127.0.0.1', remote: '127.0.0.1', headers: { host: '127.0.0.1:8090' } };

describe('approving a prune without a status token', () => {
  it('knows the loopback addresses, IPv4, IPv6 and IPv4-mapped', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackAddress(a), a).toBe(true);
    for (const a of ['0.0.0.0', '::', '10.0.0.1', '::ffff:10.0.0.1', 'localhost', '127.example.org', '']) expect(isLoopbackAddress(a), a).toBe(false);
  });

  it('is allowed from this host to a server on the loopback interface, addressed by a loopback name', () => {
    expect(tokenlessApprovalRefusal(local)).toBeUndefined();
    expect(tokenlessApprovalRefusal({ ...local, headers: { host: 'localhost:8090' } })).toBeUndefined();
    expect(tokenlessApprovalRefusal({ boundAddress: '::1', remote: '::1', headers: { host: '[::1]:8090' } })).toBeUndefined();
  });

  it('is refused when the server listens beyond the loopback interface, or the request comes from elsewhere', () => {
    expect(tokenlessApprovalRefusal({ ...local, boundAddress: '0.0.0.0' })).toBe('the status server listens on 0.0.0.0, not on the loopback interface only');
    expect(tokenlessApprovalRefusal({ ...local, boundAddress: '::' })).toBe('the status server listens on ::, not on the loopback interface only');
    expect(tokenlessApprovalRefusal({ ...local, remote: '192.0.2.7' })).toBe('the request comes from 192.0.2.7, not from this host');
  });

  it('is refused through a proxy on this host, from a web page, or for a host name that is not a loopback one (DNS rebinding)', () => {
    expect(tokenlessApprovalRefusal({ ...local, headers: { ...local.headers, forwarded: 'for=192.0.2.7' } })).toBe(
      'the request came through a proxy (forwarded header)',
    );
    expect(tokenlessApprovalRefusal({ ...local, headers: { ...local.headers, via: '1.1 traefik' } })).toBe('the request came through a proxy (via header)');
    expect(tokenlessApprovalRefusal({ ...local, headers: { ...local.headers, 'sec-fetch-site': 'cross-site' } })).toBe(
      "the request comes from a web page (sec-fetch-site header) other than this server's dashboard",
    );
    expect(tokenlessApprovalRefusal({ ...local, headers: { host: 'attacker.example' } })).toBe(
      'the request is addressed to host "attacker.example", not to a loopback address',
    );
    expect(tokenlessApprovalRefusal({ ...local, headers: {} })).toBe('the request is addressed to host "", not to a loopback address');
  });

  it("is allowed from the server's own dashboard (same-origin, an Origin equal to the Host), refused from any other page", () => {
    const dashboard = { ...local.headers, origin: 'http://127.0.0.1:8090', 'sec-fetch-site': 'same-origin' };
    expect(tokenlessApprovalRefusal({ ...local, headers: dashboard })).toBeUndefined();
    expect(tokenlessApprovalRefusal({ ...local, headers: { ...dashboard, host: 'localhost:8090', origin: 'http://localhost:8090' } })).toBeUndefined();
    const refused = "the request comes from a web page (origin header) other than this server's dashboard";
    // Another page on this host (another port is another origin), or a page that rebinds its
    // own name to 127.0.0.1 (its Origin names it), or a browser that does not say same-origin.
    expect(tokenlessApprovalRefusal({ ...local, headers: { ...dashboard, origin: 'http://127.0.0.1:3000', 'sec-fetch-site': 'same-site' } })).toBe(refused);
    expect(tokenlessApprovalRefusal({ ...local, headers: { ...dashboard, origin: 'http://evil.example:8090' } })).toBe(refused);
    expect(tokenlessApprovalRefusal({ ...local, headers: { ...dashboard, 'sec-fetch-site': 'cross-site' } })).toBe(refused);
    expect(tokenlessApprovalRefusal({ ...local, headers: { ...local.headers, origin: 'http://127.0.0.1:8090' } })).toBe(refused);
    expect(tokenlessApprovalRefusal({ ...local, headers: { ...dashboard, origin: 'null' } })).toBe(refused);
    // Through a proxy it is refused before: the proxy's Host is not the page's.
    expect(tokenlessApprovalRefusal({ ...local, headers: { ...dashboard, 'x-forwarded-for': '192.0.2.7' } })).toBe(
      'the request came through a proxy (x-forwarded-for header)',
    );
  });
});
