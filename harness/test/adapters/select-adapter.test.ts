import { describe, expect, it } from 'vitest';
import { EmbeddedAdapter } from '../../src/adapters/embedded/adapter.ts';
import { HttpAdapter } from '../../src/adapters/http/adapter.ts';
import { ModelAdapter } from '../../src/adapters/model/adapter.ts';
import {
  brokenEnginePrefix,
  brokenEngines,
  engineNames,
  selectAdapter,
} from '../../src/adapters/select-adapter.ts';
import { SqliteAdapter } from '../../src/adapters/sqlite/adapter.ts';

function usageCode(f: () => unknown): string | undefined {
  try {
    f();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('selectAdapter', () => {
  it('maps each engine name to a factory of fresh adapters of its kind', async () => {
    const kinds = {
      embedded: EmbeddedAdapter,
      'embedded-sim': EmbeddedAdapter,
      http: HttpAdapter,
      'http-arrow': HttpAdapter,
      sqlite: SqliteAdapter,
      model: ModelAdapter,
    };
    for (const name of engineNames) {
      const factory = selectAdapter(name, {});
      const a = await factory();
      expect(a).toBeInstanceOf(kinds[name]);
      expect(await factory()).not.toBe(a);
    }
    expect((await selectAdapter('http-arrow', {})()).capabilities.arrow).toBe(true);
    expect((await selectAdapter('http', {})()).capabilities.arrow).toBe(false);
  });

  it('takes a URL for a running server, with credentials from the environment only', async () => {
    const env = { OMENDB_HARNESS_USER: 'admin', OMENDB_HARNESS_PASSWORD: 'a-long-password' };
    expect(await selectAdapter('http://127.0.0.1:8086', env)()).toBeInstanceOf(HttpAdapter);
    expect(await selectAdapter('https://[::1]:8443', {})()).toBeInstanceOf(HttpAdapter);
    const usage = 'OMENDB_ERR_HARNESS_USAGE';
    expect(usageCode(() => selectAdapter('http://127.0.0.1:8086', { OMENDB_HARNESS_USER: 'admin' }))).toBe(
      usage,
    );
    expect(usageCode(() => selectAdapter('http://admin:secret@127.0.0.1:8086', {}))).toBe(usage);
    expect(usageCode(() => selectAdapter('http://127.0.0.1:8086/v1', {}))).toBe(usage);
  });

  it('builds each canary as its wrapper over the engine it names as the one it wraps', async () => {
    for (const [name, broken] of Object.entries(brokenEngines)) {
      const adapter = await selectAdapter(brokenEnginePrefix + name, {})();
      const honest = await selectAdapter(broken.wraps, {})();
      expect(adapter.constructor.name, name).not.toBe(honest.constructor.name);
      expect(adapter.capabilities.http, name).toBe(honest.capabilities.http);
      expect(adapter.capabilities.simulatedPowerLoss, name).toBe(honest.capabilities.simulatedPowerLoss);
    }
    expect(Object.keys(brokenEngines).sort()).toEqual([
      'ack-before-fsync',
      'drop-every-nth-write',
      'grant-everything',
      'stale-after-restart',
      'zero-for-absent',
    ]);
  });

  it('refuses an unknown engine as a usage error', () => {
    expect(usageCode(() => selectAdapter('broken:nothing', {}))).toBe('OMENDB_ERR_HARNESS_USAGE');
    expect(usageCode(() => selectAdapter('broken:constructor', {}))).toBe('OMENDB_ERR_HARNESS_USAGE');
    expect(usageCode(() => selectAdapter('postgres', {}))).toBe('OMENDB_ERR_HARNESS_USAGE');
    expect(usageCode(() => selectAdapter('ftp://127.0.0.1', {}))).toBe('OMENDB_ERR_HARNESS_USAGE');
  });
});
