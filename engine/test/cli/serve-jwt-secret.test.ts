import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { jwtSecretBytesMin } from '../../src/limits.ts';
import { cleanEnv, fetchWithin, runOmendb, startServe, stderrCode } from './cli-process.ts';

/** `omendb serve` refuses a --jwt-secret too short to resist an offline guess, before it listens. */

const adminPassword = 'jwt-secret-test-admin-password';
const dirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(`${tmpdir()}/omendb-jwt-`);
  dirs.push(dir);
  return dir;
}

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('omendb serve --jwt-secret', () => {
  it(`exits 2 with OMENDB_ERR_CONFIG_INVALID for a secret under ${jwtSecretBytesMin} bytes, from the command line or the environment`, async () => {
    const short = 'x'.repeat(jwtSecretBytesMin - 1);
    const env = cleanEnv({ OMENDB_ADMIN_PASSWORD: adminPassword });
    // One directory each: were the secret accepted, both servers would run at once.
    const [flagDir, envDir] = [await tempDir(), await tempDir()];
    const [fromFlag, fromEnv] = await Promise.all([
      runOmendb(['serve', '--data', flagDir, '--port', '0', '--jwt-secret', 'k'], { env, timeoutMs: 15_000 }),
      runOmendb(['serve', '--data', envDir, '--port', '0'], {
        env: { ...env, OMENDB_JWT_SECRET: short },
        timeoutMs: 15_000,
      }),
    ]);
    for (const result of [fromFlag, fromEnv]) {
      expect(result.exitCode, String(result.stderr)).toBe(2);
      expect(stderrCode(result.stderr)).toBe('OMENDB_ERR_CONFIG_INVALID');
      expect(String(result.stdout)).not.toContain('listening');
      // The refusal never repeats the secret.
      expect(String(result.stderr)).not.toContain(short);
    }
  });

  it(`starts with a secret of exactly ${jwtSecretBytesMin} bytes`, async () => {
    const dir = await tempDir();
    const server = await startServe(
      ['--data', dir, '--port', '0', '--jwt-secret', 's'.repeat(jwtSecretBytesMin)],
      cleanEnv({ OMENDB_ADMIN_PASSWORD: adminPassword }),
    );
    try {
      expect((await fetchWithin(`${server.url}/ready`)).status).toBe(200);
    } finally {
      expect((await server.stop()).exitCode).toBe(0);
    }
  });
});
