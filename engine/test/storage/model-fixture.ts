import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { IndexModelJob } from '../../src/storage/index-model-job.ts';
import { encodeSegment, type SegmentSeriesData } from '../../src/storage/segment-file.ts';

/** Two runs (a large one and a small one) in one segment file, and the job that names it. */
export async function writeModelFixture(
  dir: string,
): Promise<{ job: IndexModelJob; series: SegmentSeriesData[] }> {
  const run = (name: string, n: number, step: bigint): SegmentSeriesData => ({
    name,
    keys: BigInt64Array.from({ length: n }, (_, i) => 1_700_000_000_000n + BigInt(i) * step + BigInt(i % 7)),
    values: Float64Array.from({ length: n }, (_, i) => i / 2),
    tombstones: [],
    dropped: false,
  });
  const series = [run('a', 30_000, 1000n), run('b', 50, 10n)];
  const bytes = encodeSegment(series);
  const file = 'seg-00000001.arrow';
  await writeFile(join(dir, file), bytes);
  const job: IndexModelJob = {
    kind: 'models',
    path: join(dir, file),
    expected: { file, bytes: bytes.length, crc32: crc32(bytes) },
    index: 'rmi',
    runs: [1, 0],
  };
  return { job, series };
}
