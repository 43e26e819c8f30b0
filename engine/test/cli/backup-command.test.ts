import { mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { openEngine } from '../../src/engine.ts';
import { silentLogger } from '../../src/storage/logger.ts';
import {
  batchOf,
  checkSetFull,
  readAllPoints,
  seriesOf,
  workloadSeries,
} from '../storage/backup-workload.ts';
import {
  basic,
  cleanEnv,
  fetchWithin,
  runOmendb,
  type ServeProcess,
  startServe,
  stderrCode,
} from './cli-process.ts';
import { makeCertificate } from '../server/tls-test-support.ts';

/**
 * `omendb backup` and `omendb restore` end to end: a real `omendb serve` in a child process taking
 * writes over loopback HTTP while `omendb backup --url` runs, then `omendb restore` and `omendb
 * check` on the result, and the restored data compared with what was acknowledged.
 */

const adminPassword = 'backup-test-admin-password';
const auth = basic('admin', adminPassword);
const adminEnv = (extra: Record<string, string> = {}) =>
  cleanEnv({ OMENDB_USER: 'admin', OMENDB_PASSWORD: adminPassword, ...extra });
let root: string;
let dataDir: string;
let server: ServeProcess | undefined;

beforeAll(async () => {
  root = await mkdtemp(`${tmpdir()}/omendb-backup-cli-`);
  dataDir = `${root}/data`;
  server = await startServe(
    ['--data', dataDir, '--port', '0'],
    cleanEnv({ OMENDB_ADMIN_PASSWORD: adminPassword }),
  );
});

afterAll(async () => {
  await server?.stop();
  await rm(root, { recursive: true, force: true });
});

async function postBatch(url: string, batch: number): Promise<void> {
  const response = await fetchWithin(`${url}/v1/series/${seriesOf(batch)}/points`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify({ points: batchOf(batch).map(([key, value]) => [Number(key), value]) }),
  });
  if (response.status !== 200) throw new Error(`write ${batch}: ${response.status} ${await response.text()}`);
}

async function restoredSetFull(dir: string, acknowledgedBefore: Set<number>, submitted: number) {
  const engine = await openEngine({ dir, logger: silentLogger });
  try {
    const series = await engine.listSeries();
    expect(series.every((name) => (workloadSeries as readonly string[]).includes(name))).toBe(true);
    return checkSetFull({ points: await readAllPoints(engine), acknowledgedBefore, submitted });
  } finally {
    await engine.close();
  }
}

describe('omendb backup --url, then omendb restore and omendb check', () => {
  it('takes a backup while writes go on: the restore holds every write acknowledged before it, whole', async () => {
    const url = server!.url;
    for (let batch = 0; batch < 200; batch++) await postBatch(url, batch);
    let next = 200;
    let stopped = false;
    const acknowledged = new Set(Array.from({ length: 200 }, (_, i) => i));
    const writers = Array.from({ length: 4 }, async () => {
      while (!stopped && next < 20_000) {
        const batch = next++;
        await postBatch(url, batch);
        acknowledged.add(batch);
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const acknowledgedBefore = new Set(acknowledged);
    const backup = await runOmendb(['backup', '--url', url, '--out', `${root}/online`], { env: adminEnv() });
    const duringBackup = acknowledged.size;
    await new Promise((resolve) => setTimeout(resolve, 100));
    stopped = true;
    await Promise.all(writers);
    expect(backup.exitCode, String(backup.stderr)).toBe(0);
    const summary = JSON.parse(String(backup.stdout)) as { ok: boolean; files: number; bytes: number };
    expect(summary.ok).toBe(true);
    // Writes went on during the backup and after it.
    expect(acknowledged.size).toBeGreaterThan(duringBackup);
    expect(duringBackup).toBeGreaterThan(acknowledgedBefore.size);

    const restore = await runOmendb(['restore', '--from', `${root}/online`, '--data', `${root}/restored`]);
    expect(restore.exitCode, String(restore.stderr)).toBe(0);
    const check = await runOmendb(['check', '--data', `${root}/restored`]);
    expect(check.exitCode, String(check.stdout)).toBe(0);
    const report = await restoredSetFull(`${root}/restored`, acknowledgedBefore, next);
    expect(report.violations).toEqual([]);
    console.log(
      `online backup: ${summary.files} files, ${summary.bytes} bytes; ${report.whole} whole batches restored, ` +
        `${acknowledgedBefore.size} acknowledged before, ${acknowledged.size} by the end`,
    );
  }, 120_000);

  it('takes credentials from OMENDB_TOKEN too, and refuses them on the command line', async () => {
    const url = server!.url;
    const token = (
      (await (
        await fetchWithin(`${url}/v1/auth/token`, { method: 'POST', headers: { authorization: auth } })
      ).json()) as {
        token: string;
      }
    ).token;
    const withToken = await runOmendb(['backup', '--url', url, '--out', `${root}/token`], {
      env: cleanEnv({ OMENDB_TOKEN: token }),
    });
    expect(withToken.exitCode, String(withToken.stderr)).toBe(0);
    expect(await readdir(`${root}/token`)).toContain('BACKUP.json');

    const inArgv = await runOmendb([
      'backup',
      '--url',
      url,
      '--out',
      `${root}/argv`,
      '--password',
      adminPassword,
    ]);
    expect([inArgv.exitCode, stderrCode(inArgv.stderr)]).toEqual([2, 'OMENDB_ERR_CONFIG_INVALID']);
    const inUrl = new URL(url);
    inUrl.username = 'admin';
    inUrl.password = adminPassword;
    const userinfo = await runOmendb(['backup', '--url', inUrl.href, '--out', `${root}/argv`]);
    expect([userinfo.exitCode, stderrCode(userinfo.stderr)]).toEqual([2, 'OMENDB_ERR_CONFIG_INVALID']);
    const none = await runOmendb(['backup', '--url', url, '--out', `${root}/argv`]);
    expect([none.exitCode, stderrCode(none.stderr)]).toEqual([1, 'OMENDB_ERR_AUTH_REQUIRED']);
    const wrong = await runOmendb(['backup', '--url', url, '--out', `${root}/argv`], {
      env: cleanEnv({ OMENDB_USER: 'admin', OMENDB_PASSWORD: 'not-the-password' }),
    });
    expect([wrong.exitCode, stderrCode(wrong.stderr)]).toEqual([1, 'OMENDB_ERR_AUTH_INVALID']);
    // No refused attempt wrote anything.
    expect((await readdir(root)).includes('argv')).toBe(false);
  }, 60_000);

  it('refuses an unreachable server with OMENDB_ERR_BACKUP_UNAVAILABLE and a non-empty --out', async () => {
    const closed = createNetServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = await runOmendb(
      ['backup', '--url', `http://127.0.0.1:${port}`, '--out', `${root}/x`],
      {
        env: adminEnv(),
      },
    );
    expect([unreachable.exitCode, stderrCode(unreachable.stderr)]).toEqual([
      1,
      'OMENDB_ERR_BACKUP_UNAVAILABLE',
    ]);
    const full = await runOmendb(['backup', '--url', server!.url, '--out', `${root}/online`], {
      env: adminEnv(),
    });
    expect([full.exitCode, stderrCode(full.stderr)]).toEqual([1, 'OMENDB_ERR_BACKUP_TARGET_NOT_EMPTY']);
  }, 60_000);
});

describe('omendb backup --data (offline) and omendb restore refusals', () => {
  it('refuses the directory of a running server, then backs it up once it stopped', async () => {
    const locked = await runOmendb(['backup', '--data', dataDir, '--out', `${root}/offline`]);
    expect([locked.exitCode, stderrCode(locked.stderr)]).toEqual([3, 'OMENDB_ERR_DIR_LOCKED']);
    await server!.stop();
    server = undefined;
    const offline = await runOmendb(['backup', '--data', dataDir, '--out', `${root}/offline`]);
    expect(offline.exitCode, String(offline.stderr)).toBe(0);
    expect(JSON.parse(String(offline.stdout)).linked).toBeGreaterThan(0);

    const notEmpty = await runOmendb(['restore', '--from', `${root}/offline`, '--data', `${root}/restored`]);
    expect([notEmpty.exitCode, stderrCode(notEmpty.stderr)]).toEqual([
      1,
      'OMENDB_ERR_RESTORE_TARGET_NOT_EMPTY',
    ]);

    const segment = (await readdir(`${root}/offline/segments`))[0]!;
    const bytes = await readFile(`${root}/offline/segments/${segment}`);
    bytes[bytes.length >> 1]! ^= 1;
    // A hard link to the data directory's segment: replace it, never edit it in place.
    await unlink(`${root}/offline/segments/${segment}`);
    await writeFile(`${root}/offline/segments/${segment}`, bytes);
    const corrupt = await runOmendb(['restore', '--from', `${root}/offline`, '--data', `${root}/fresh`]);
    expect([corrupt.exitCode, stderrCode(corrupt.stderr)]).toEqual([1, 'OMENDB_ERR_BACKUP_CORRUPT']);
    expect((await readdir(root)).filter((name) => name.includes('fresh'))).toEqual([]);
  }, 60_000);

  it('prints the usage for a wrong call, and lists backup and restore in the help', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const wrong = [
        ['backup'],
        ['backup', '--out', 'x'],
        ['backup', '--out', 'x', '--out', 'y'],
        ['restore', '--from', 'x'],
        ['restore', 'x'],
        ['restore', '--from'],
      ];
      for (const args of wrong) expect(await main(args, {}), args.join(' ')).toBe(2);
      expect(
        stderr.mock.calls.filter(([text]) => String(text).includes('OMENDB_ERR_CONFIG_INVALID')),
      ).toHaveLength(wrong.length);
      expect(await main(['backup', '--url', 'ftp://127.0.0.1', '--out', 'x'], {})).toBe(2);
      expect(await main(['backup', '--url', 'not a url', '--out', 'x'], {})).toBe(2);
      const env = { OMENDB_TOKEN: 't', OMENDB_USER: 'u', OMENDB_PASSWORD: 'p' };
      expect(await main(['backup', '--url', 'http://127.0.0.1:1', '--out', `${root}/x`], env)).toBe(2);
      expect(
        await main(['backup', '--url', 'http://127.0.0.1:1', '--out', `${root}/x`], { OMENDB_USER: 'u' }),
      ).toBe(2);
      expect(await main(['--help'], {})).toBe(0);
      const help = stdout.mock.calls.map(([text]) => String(text)).join('');
      expect(help).toMatch(/omendb backup --data DIR --out OUT/);
      expect(help).toMatch(/omendb restore --from BACKUP --data NEWDIR/);
    } finally {
      stderr.mockRestore();
      stdout.mockRestore();
    }
  });
});

describe('omendb backup --url over https', () => {
  it('verifies the server with OMENDB_CA, and refuses it without', async () => {
    const pems = await makeCertificate('127.0.0.1');
    await writeFile(`${root}/cert.pem`, pems.cert);
    await writeFile(`${root}/key.pem`, pems.key, { mode: 0o600 });
    const tls = await startServe(
      [
        '--data',
        `${root}/tls-data`,
        '--port',
        '0',
        '--tls-cert',
        `${root}/cert.pem`,
        '--tls-key',
        `${root}/key.pem`,
      ],
      cleanEnv({ OMENDB_ADMIN_PASSWORD: adminPassword }),
    );
    try {
      const untrusted = await runOmendb(['backup', '--url', tls.url, '--out', `${root}/tls-backup`], {
        env: adminEnv(),
      });
      expect([untrusted.exitCode, stderrCode(untrusted.stderr)]).toEqual([
        1,
        'OMENDB_ERR_BACKUP_UNAVAILABLE',
      ]);
      const trusted = await runOmendb(['backup', '--url', tls.url, '--out', `${root}/tls-backup`], {
        env: adminEnv({ OMENDB_CA: `${root}/cert.pem` }),
      });
      expect(trusted.exitCode, String(trusted.stderr)).toBe(0);
    } finally {
      await tls.stop();
    }
    expect(await readdir(`${root}/tls-backup`)).toEqual(['BACKUP.json', 'MANIFEST', 'segments']);
  }, 60_000);
});
