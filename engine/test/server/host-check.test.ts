import { describe, expect, it } from 'vitest';
import { checkHostHeader, isLoopbackHostHeader } from '../../src/server/host-check.ts';
import { codeOfCall } from '../support/codes.ts';

/** The Host header check that stands between a DNS-rebinding web page and a server with auth off. */

describe('isLoopbackHostHeader', () => {
  it.for([
    'localhost',
    'LOCALHOST',
    'localhost:8086',
    'localhost:65535',
    '127.0.0.1',
    '127.0.0.1:1',
    '127.255.255.255',
    '127.0.10.200:80',
    '[::1]',
    '[::1]:8086',
  ])('%j is a loopback Host', (host) => {
    expect(isLoopbackHostHeader(host)).toBe(true);
  });

  it.for([
    undefined,
    '',
    ' localhost',
    'localhost ',
    'localhost.',
    'localhost:65536',
    'localhost:99999',
    'localhost:',
    'localhost:-1',
    'localhost:80:80',
    'evil.example',
    'localhost.evil.example',
    'evil.localhost.example',
    '127.0.0.1.nip.io',
    '127.0.0.01',
    '127.0.0.256',
    '127.0.0',
    '127.1',
    '2130706433',
    '0x7f.0.0.1',
    '128.0.0.1',
    '0.0.0.0',
    '::1',
    '[::1',
    '::1]',
    '[0:0:0:0:0:0:0:1]',
    '[::ffff:127.0.0.1]',
    '[::]',
    'user@localhost',
  ])('%j is not', (host) => {
    expect(isLoopbackHostHeader(host)).toBe(false);
  });
});

describe('checkHostHeader', () => {
  it('with auth off, a foreign or missing Host is OMENDB_ERR_HTTP_HOST_NOT_ALLOWED', () => {
    expect(codeOfCall(() => checkHostHeader(true, 'evil.example'))).toBe('OMENDB_ERR_HTTP_HOST_NOT_ALLOWED');
    expect(codeOfCall(() => checkHostHeader(true, undefined))).toBe('OMENDB_ERR_HTTP_HOST_NOT_ALLOWED');
    expect(codeOfCall(() => checkHostHeader(true, 'localhost:8086'))).toBeUndefined();
  });

  it('with auth on, any Host passes (credentials are the protection)', () => {
    expect(codeOfCall(() => checkHostHeader(false, 'evil.example'))).toBeUndefined();
    expect(codeOfCall(() => checkHostHeader(false, undefined))).toBeUndefined();
  });
});
