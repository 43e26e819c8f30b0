import { describe, expect, it } from 'vitest';
import { parseServerUrl, resolveHttpOptions } from '../../../src/adapters/http/options.ts';
import type { SpawnedServer } from '../../../src/adapters/http/spawned-server.ts';
import { httpRequestTimeoutMsDefault } from '../../../src/limits.ts';

const usage = expect.objectContaining({ code: 'OMENDB_ERR_HARNESS_USAGE' });
const shared = { sync: 'commit' } as unknown as SpawnedServer;

describe('resolveHttpOptions', () => {
  it('spawns a server by default, with JSON and the default timeout', () => {
    expect(resolveHttpOptions({})).toEqual({
      target: { kind: 'spawn', spawn: {} },
      arrow: false,
      requestTimeoutMs: httpRequestTimeoutMsDefault,
    });
    expect(resolveHttpOptions({ spawn: { tls: true }, arrow: true, requestTimeoutMs: 500 })).toEqual({
      target: { kind: 'spawn', spawn: { tls: true } },
      arrow: true,
      requestTimeoutMs: 500,
    });
  });

  it('reads credentials and the CA of a url from the environment only', () => {
    const env = {
      OMENDB_HARNESS_USER: 'ops',
      OMENDB_HARNESS_PASSWORD: 'secret-secret',
      OMENDB_HARNESS_CA: '/ca.pem',
    };
    expect(resolveHttpOptions({ url: 'https://127.0.0.1:8443/', env }).target).toEqual({
      kind: 'url',
      url: 'https://127.0.0.1:8443',
      caFile: '/ca.pem',
      credentials: { kind: 'password', user: 'ops', password: 'secret-secret' },
    });
    expect(
      resolveHttpOptions({
        url: 'http://[::1]:8086',
        caFile: '/mine.pem',
        env: { OMENDB_HARNESS_TOKEN: 't' },
      }).target,
    ).toEqual({
      kind: 'url',
      url: 'http://[::1]:8086',
      caFile: '/mine.pem',
      credentials: { kind: 'token', token: 't' },
    });
    expect(resolveHttpOptions({ url: 'http://127.0.0.1:1', env: { OMENDB_HARNESS_CA: '' } }).target).toEqual({
      kind: 'url',
      url: 'http://127.0.0.1:1',
      caFile: undefined,
      credentials: { kind: 'none' },
    });
  });

  it('takes a shared server', () => {
    expect(resolveHttpOptions({ server: shared }).target).toEqual({ kind: 'shared', server: shared });
  });

  it('refuses contradictory or bad options', () => {
    expect(() => resolveHttpOptions({ url: 'http://127.0.0.1:1', server: shared })).toThrow(usage);
    expect(() => resolveHttpOptions({ server: shared, spawn: {} })).toThrow(usage);
    expect(() => resolveHttpOptions({ caFile: '/ca.pem' })).toThrow(usage);
    expect(() => resolveHttpOptions({ requestTimeoutMs: 0 })).toThrow(usage);
    expect(() => resolveHttpOptions({ requestTimeoutMs: 1.5 })).toThrow(usage);
    expect(() => resolveHttpOptions({ spawn: { serveArgs: ['--port', '1'] } })).toThrow(usage);
    expect(() =>
      resolveHttpOptions({ url: 'http://127.0.0.1:1', env: { OMENDB_HARNESS_USER: 'only-a-user' } }),
    ).toThrow(usage);
  });
});

describe('parseServerUrl', () => {
  it('accepts an http or https origin', () => {
    expect(parseServerUrl('http://127.0.0.1:8086')).toBe('http://127.0.0.1:8086');
    expect(parseServerUrl('https://localhost:8443/')).toBe('https://localhost:8443');
  });

  it('refuses anything else, and credentials in the URL', () => {
    for (const bad of [
      'not a url',
      'ftp://127.0.0.1:21',
      'http://admin:pw@127.0.0.1:8086',
      'http://127.0.0.1:8086/v1',
      'http://127.0.0.1:8086?x=1',
      'http://127.0.0.1:8086#x',
    ])
      expect(() => parseServerUrl(bad)).toThrow(usage);
  });
});
