import { mkdtemp, rm, stat, unlink } from 'node:fs/promises';
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

/** docs/operations.md, "Rotating the JWT secret": every token signed with the old secret dies. */
describe('rotating the JWT secret', () => {
  async function token(url: string): Promise<string> {
    const basic = Buffer.from(`admin:${adminPassword}`).toString('base64');
    const answer = await fetchWithin(`${url}/v1/auth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}` },
    });
    expect(answer.status).toBe(200);
    return ((await answer.json()) as { token: string }).token;
  }

  const seriesStatus = async (url: string, bearer: string) =>
    (await fetchWithin(`${url}/v1/series`, { headers: { authorization: `Bearer ${bearer}` } })).status;

  it('refuses tokens of the old secret after a restart with a new one (file deleted, or --jwt-secret changed)', async () => {
    const dir = await tempDir();
    const env = cleanEnv({ OMENDB_ADMIN_PASSWORD: adminPassword });
    // A generated secret (DIR/server/jwt-secret): deleting it and restarting rotates it.
    let server = await startServe(['--data', dir, '--port', '0'], env);
    const generated = await token(server.url);
    expect(await seriesStatus(server.url, generated)).toBe(200);
    expect((await server.stop()).exitCode).toBe(0);
    expect((await stat(`${dir}/server/jwt-secret`)).isFile()).toBe(true);
    await unlink(`${dir}/server/jwt-secret`);
    server = await startServe(['--data', dir, '--port', '0'], env);
    try {
      expect(await seriesStatus(server.url, generated)).toBe(401);
      expect(await seriesStatus(server.url, await token(server.url))).toBe(200);
    } finally {
      expect((await server.stop()).exitCode).toBe(0);
    }
    // An explicit secret: changing --jwt-secret rotates it.
    const first = 'a'.repeat(jwtSecretBytesMin);
    server = await startServe(['--data', dir, '--port', '0', '--jwt-secret', first], env);
    const old = await token(server.url);
    expect((await server.stop()).exitCode).toBe(0);
    server = await startServe(
      ['--data', dir, '--port', '0', '--jwt-secret', 'b'.repeat(jwtSecretBytesMin)],
      env,
    );
    try {
      expect(await seriesStatus(server.url, old)).toBe(401);
    } finally {
      expect((await server.stop()).exitCode).toBe(0);
    }
  });
});
