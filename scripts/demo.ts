/**
 * The main job until the harness exists: an end-to-end run of the embedded engine in a fresh
 * temporary directory, then of the HTTP server over another one (auth on, a token, writes,
 * reads, an aggregate, metrics, a graceful stop). Every figure it prints is measured in this run;
 * it exits non-zero if any check fails.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { openEngine, SimFileSystem } from '../engine/src/index.ts';
import { configDefaults } from '../engine/src/server/server-config.ts';
import { startServer } from '../engine/src/server/start-server.ts';
import { silentLogger } from '../engine/src/storage/logger.ts';
import { createPrng, seedFromEnv } from '../engine/src/util/prng.ts';

function check(condition: boolean, what: string): void {
  if (!condition) {
    console.error(`FAILED: ${what}`);
    process.exit(1);
  }
  console.log(`ok  ${what}`);
}

async function realDirectoryRun(): Promise<void> {
  const dir = await mkdtemp(`${tmpdir()}/omendb-demo-`);
  console.log(`data directory: ${dir}`);
  try {
    const db = await openEngine({ dir });
    const start = 1_700_000_000_000n;
    const pointsPerSeries = 100_000;
    const series = ['cpu.host-1', 'cpu.host-2', 'mem.host-1'];
    const ingestStarted = performance.now();
    for (const name of series) {
      for (let batch = 0; batch < pointsPerSeries / 10_000; batch++) {
        const keys = new BigInt64Array(10_000);
        const values = new Float64Array(10_000);
        for (let i = 0; i < 10_000; i++) {
          const n = batch * 10_000 + i;
          keys[i] = start + BigInt(n) * 1000n;
          values[i] = Math.sin(n / 100);
        }
        await db.writeColumns(name, keys, values);
      }
    }
    const ingestSeconds = (performance.now() - ingestStarted) / 1000;
    const total = series.length * pointsPerSeries;
    console.log(
      `ingest: ${total} points, sync 'commit', batches of 10000, ${(total / ingestSeconds).toFixed(0)} points/s`,
    );
    check((await db.get('cpu.host-1', start + 5000n)) === Math.sin(5 / 100), 'get returns the written value');
    const page = await db.range('cpu.host-2', start, start + 9_999_000n, { limit: 1000 });
    check(
      page.points.length === 1000 && page.next === start + 999_000n,
      'range pages 1000 points with a next cursor',
    );
    await db.deleteRange('mem.host-1', start, start + 49_999_000n);
    check(
      (await db.range('mem.host-1', undefined, undefined, { limit: 1_000_000 })).points.length === 50_000,
      'deleteRange removed exactly 50000 points',
    );
    await db.checkpoint();
    await db.write('cpu.host-1', [[start + 5000n, 42]]);
    await db.checkpoint();
    await db.compact();
    check((await db.get('cpu.host-1', start + 5000n)) === 42, 'overwrite survives checkpoint and compaction');
    const stats = db.stats();
    console.log(
      `after compaction: ${stats.segments} segment(s), ${stats.segmentPoints} points, ${stats.segmentBytes} bytes`,
    );
    await db.close();
    const openStarted = performance.now();
    const reopened = await openEngine({ dir });
    console.log(`reopen: ${(performance.now() - openStarted).toFixed(1)} ms`);
    check(JSON.stringify(await reopened.listSeries()) === JSON.stringify(series), 'listSeries after reopen');
    check(
      (await reopened.range('mem.host-1', undefined, undefined, { limit: 1_000_000 })).points.length ===
        50_000,
      'deletes survive reopen',
    );
    await reopened.close();
    const files = await readdir(dir, { recursive: true });
    console.log(`files in the data directory: ${files.length} (${files.join(', ')})`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function simulatedCrashRun(): Promise<void> {
  const seed = seedFromEnv();
  console.log(`simulated crash seed ${seed} (replay: OMENDB_SEED=${seed})`);
  const fs = new SimFileSystem();
  await fs.mkdir('/db');
  // This engine is abandoned at the power loss; its own failure report would only be noise here.
  const db = await openEngine({ dir: '/db', fs, logger: silentLogger });
  const acknowledged: number[] = [];
  for (let i = 0; i < 50; i++) {
    await db.write('s', [[i, i]]);
    acknowledged.push(i);
  }
  // Unacknowledged writes in flight at the crash may or may not survive; acknowledged ones must.
  void db.write('s', [[1000, 1]]).catch(() => undefined);
  const recoveredFs = fs.crash(createPrng(seed));
  const recovered = await openEngine({ dir: '/db', fs: recoveredFs });
  const keys = (await recovered.range('s')).points.map(([k]) => Number(k));
  check(
    acknowledged.every((k) => keys.includes(k)),
    `after a simulated power loss all ${acknowledged.length} acknowledged writes are present (recovery replayed ${recovered.stats().recovery.replayedRecords} records)`,
  );
  await recovered.close();
}

async function httpRun(): Promise<void> {
  const dir = await mkdtemp(`${tmpdir()}/omendb-demo-http-`);
  // No default credentials: the first start takes the admin password from the environment.
  const password = randomBytes(18).toString('base64url');
  const config = { ...configDefaults, data: dir, port: 0, logLevel: 'warn' as const };
  const server = await startServer(config, { OMENDB_ADMIN_PASSWORD: password });
  try {
    console.log(`server listening on ${server.url} (auth on)`);
    const basic = `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;
    const anonymous = await fetch(`${server.url}/v1/series`);
    check(anonymous.status === 401, 'a request without credentials gets 401');
    const tokenResponse = await fetch(`${server.url}/v1/auth/token`, {
      method: 'POST',
      headers: { authorization: basic },
    });
    const { token } = (await tokenResponse.json()) as { token: string };
    const bearer = { authorization: `Bearer ${token}` };
    const start = 1_700_000_000_000;
    const points: [number | string, number][] = Array.from({ length: 1000 }, (_, i) => [
      start + i * 1000,
      Math.sin(i / 50),
    ]);
    points.push(['9223372036854775807', 1]);
    const written = await fetch(`${server.url}/v1/series/demo.wave/points`, {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ points }),
    });
    check(
      ((await written.json()) as { written: number }).written === 1001,
      'POST 1,001 points with a bearer token, one of them at 2^63-1',
    );
    const max = await fetch(`${server.url}/v1/series/demo.wave/points/9223372036854775807`, {
      headers: bearer,
    });
    check(
      ((await max.json()) as { key: unknown }).key === '9223372036854775807',
      'GET the point at 2^63-1: its key comes back exact, as a string',
    );
    const aggregate = await fetch(
      `${server.url}/v1/series/demo.wave/aggregate?to=${start + 999_999}&bucket=60000&fn=count,mean`,
      {
        headers: bearer,
      },
    );
    const { buckets } = (await aggregate.json()) as { buckets: { count: number }[] };
    check(
      buckets.length === 17 && buckets.reduce((sum, b) => sum + b.count, 0) === 1000,
      `aggregate per minute: ${buckets.length} buckets holding 1,000 points`,
    );
    const metrics = await (
      await fetch(`${server.url}/metrics`, { headers: { authorization: basic } })
    ).text();
    const pointsWritten = /^omendb_points_written_total (\d+)$/m.exec(metrics)?.[1];
    check(pointsWritten === '1001', `/metrics: omendb_points_written_total ${pointsWritten}`);
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
  console.log('server stopped gracefully');
}

await realDirectoryRun();
await simulatedCrashRun();
await httpRun();
console.log('demo finished');
