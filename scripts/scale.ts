/**
 * Scale check for the storage engine (acceptance figures of the storage issue), on node:fs in a
 * temporary directory:
 *  A. N points (default 10,000,000) in one series: durable ingest, clean reopen time, files.
 *  B. the same directory after a crash (a child SIGKILLs itself) with M points (default
 *     1,000,000) only in the WAL: reopen time, including replay.
 *  C. N points spread over S series (default 10,000): ingest, clean reopen time, files.
 * Usage: npm run scale -- [--points N] [--wal-points M] [--series S] [--json FILE]
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { openEngine } from '../engine/src/storage/engine.ts';

const batchPointsMax = 10_000;

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`--${name} needs a positive integer`);
  return value;
}

async function directoryFacts(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    files++;
    bytes += (await stat(`${entry.parentPath}/${entry.name}`)).size;
  }
  return { files, bytes };
}

function timestampBatch(first: number, count: number): { keys: BigInt64Array; values: Float64Array } {
  const keys = new BigInt64Array(count);
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    keys[i] = 1_700_000_000_000n + BigInt(first + i) * 1000n;
    values[i] = (first + i) % 1000;
  }
  return { keys, values };
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, (performance.now() - started) / 1000];
}

async function oneSeries(dir: string, points: number) {
  const engine = await openEngine({ dir });
  const [, ingestSeconds] = await timed(async () => {
    for (let first = 0; first < points; first += batchPointsMax) {
      const { keys, values } = timestampBatch(first, Math.min(batchPointsMax, points - first));
      await engine.writeColumns('one', keys, values);
    }
  });
  const [, closeSeconds] = await timed(() => engine.close());
  const [reopened, openSeconds] = await timed(() => openEngine({ dir }));
  const stats = reopened.stats();
  const rss = process.memoryUsage().rss;
  await reopened.close();
  return {
    points,
    ingestSeconds,
    pointsPerSecond: points / ingestSeconds,
    closeSeconds,
    cleanOpenSeconds: openSeconds,
    segments: stats.segments,
    rssBytesAfterOpen: rss,
    ...(await directoryFacts(dir)),
  };
}

async function crashWithWal(dir: string, walPoints: number) {
  const child = fileURLToPath(new URL('./scale-crash-child.ts', import.meta.url));
  const result = spawnSync(process.execPath, ['--import', 'tsx', child, dir, String(walPoints)], {
    stdio: 'inherit',
  });
  if (result.signal !== 'SIGKILL')
    throw new Error(`crash child ended with ${result.status ?? result.signal}, not SIGKILL`);
  const [engine, openSeconds] = await timed(() => openEngine({ dir }));
  const stats = engine.stats();
  await engine.close();
  return {
    walPoints,
    openAfterCrashSeconds: openSeconds,
    replayedRecords: stats.recovery.replayedRecords,
    recoveredPoints: stats.segmentPoints + stats.memtablePoints,
  };
}

async function manySeries(dir: string, points: number, seriesCount: number) {
  const engine = await openEngine({ dir });
  const perSeries = Math.ceil(points / seriesCount);
  const writersMax = 16;
  const [, ingestSeconds] = await timed(async () => {
    let next = 0;
    const writer = async () => {
      while (next < seriesCount) {
        const s = next++;
        for (let first = 0; first < perSeries; first += batchPointsMax) {
          const { keys, values } = timestampBatch(first, Math.min(batchPointsMax, perSeries - first));
          await engine.writeColumns(`host-${s}.cpu`, keys, values);
        }
      }
    };
    await Promise.all(Array.from({ length: writersMax }, writer));
  });
  await engine.close();
  const [reopened, openSeconds] = await timed(() => openEngine({ dir }));
  const series = (await reopened.listSeries()).length;
  const stats = reopened.stats();
  await reopened.close();
  return {
    points: perSeries * seriesCount,
    series,
    ingestSeconds,
    pointsPerSecond: (perSeries * seriesCount) / ingestSeconds,
    cleanOpenSeconds: openSeconds,
    segments: stats.segments,
    ...(await directoryFacts(dir)),
  };
}

const points = argument('points', 10_000_000);
const walPoints = argument('wal-points', 1_000_000);
const seriesCount = argument('series', 10_000);
const jsonIndex = process.argv.indexOf('--json');
const root = await mkdtemp(`${tmpdir()}/omendb-scale-`);
try {
  console.log(
    `scale: ${points} points, ${walPoints} in the WAL at the crash, ${seriesCount} series; dir ${root}`,
  );
  const a = await oneSeries(`${root}/one`, points);
  console.log('A one series', a);
  const b = await crashWithWal(`${root}/one`, walPoints);
  console.log('B crash with WAL', b);
  const c = await manySeries(`${root}/many`, points, seriesCount);
  console.log('C many series', c);
  if (jsonIndex > 0) {
    await writeFile(
      process.argv[jsonIndex + 1]!,
      JSON.stringify({ oneSeries: a, crashWithWal: b, manySeries: c }, null, 2),
    );
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
