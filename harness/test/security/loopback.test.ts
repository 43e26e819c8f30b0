import { describe, expect, it } from 'vitest';
import {
  isLoopbackHost,
  passwordCellAddressesMax,
  securityTarget,
  sourceAddress,
  sourceSlots,
} from '../../src/security/loopback.ts';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('loopback targets', () => {
  it.each([
    ['localhost', true],
    ['LOCALHOST', true],
    ['127.0.0.1', true],
    ['127.255.3.9', true],
    ['[::1]', true],
    ['::1', true],
    ['0:0:0:0:0:0:0:1', true],
    ['128.0.0.1', false],
    ['10.0.0.1', false],
    ['example.com', false],
    ['[::2]', false],
  ])('%s is loopback: %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });

  it('connects to 127.0.0.1 for localhost and strips IPv6 brackets', () => {
    expect(securityTarget('http://localhost:8086')).toMatchObject({ connectHost: '127.0.0.1', family: 4 });
    const v6 = securityTarget('https://[::1]:8443', 'PEM');
    expect(v6).toMatchObject({ connectHost: '::1', family: 6, ca: 'PEM' });
    expect(v6.url.port).toBe('8443');
    expect(securityTarget('http://127.0.0.1:1').ca).toBeUndefined();
  });

  it('refuses anything but a loopback http(s) URL with a usage error', () => {
    expect(codeOf(() => securityTarget('not a url'))).toBe('OMENDB_ERR_HARNESS_USAGE');
    expect(codeOf(() => securityTarget('ftp://127.0.0.1/'))).toBe('OMENDB_ERR_HARNESS_USAGE');
    expect(codeOf(() => securityTarget('http://192.0.2.1:8086'))).toBe('OMENDB_ERR_HARNESS_USAGE');
    expect(codeOf(() => securityTarget('http://127.0.0.1:8086'))).toBeUndefined();
  });

  it('gives each slot its own 127.0.0.x, and ::1 to every slot of an IPv6 target', () => {
    const v4 = securityTarget('http://127.0.0.1:1');
    expect(sourceAddress(v4, sourceSlots.validClient)).toBe('127.0.0.2');
    expect(sourceAddress(v4, sourceSlots.passwordCellsFirst + passwordCellAddressesMax - 1)).toBe(
      '127.0.0.254',
    );
    expect(sourceAddress(securityTarget('http://[::1]:1'), sourceSlots.loginFlood)).toBe('::1');
    const slots = Object.values(sourceSlots);
    expect(new Set(slots).size).toBe(slots.length);
  });

  it('throws an invariant error for a slot outside 1..254', () => {
    const target = securityTarget('http://127.0.0.1:1');
    for (const slot of [0, 255, 1.5]) expect(() => sourceAddress(target, slot)).toThrow(/invariant violated/);
  });
});
