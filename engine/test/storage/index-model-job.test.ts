import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildKeyIndexModel } from '../../src/index/index-factories.ts';
import { indexModelJobResultTransferList, runIndexModelJob } from '../../src/storage/index-model-job.ts';
import { codeOf } from '../support/codes.ts';
import { writeModelFixture } from './model-fixture.ts';

describe('index model job', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'omendb-model-job-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads, checks and decodes the segment file, and builds the asked runs' models in order", async () => {
    const { job, series } = await writeModelFixture(dir);
    const result = await runIndexModelJob(job);
    expect(result.missing).toBe(false);
    if (result.missing) return;
    expect(result.models).toEqual([
      buildKeyIndexModel('rmi', series[1]!.keys),
      buildKeyIndexModel('rmi', series[0]!.keys),
    ]);
    const transfer = indexModelJobResultTransferList(result);
    expect(transfer.length).toBe(8);
    expect(new Set(transfer).size).toBe(8);
  });

  it('answers missing when the file is gone (a compaction dropped the segment)', async () => {
    const { job } = await writeModelFixture(dir);
    const result = await runIndexModelJob({ ...job, path: join(dir, 'seg-gone.arrow') });
    expect(result).toEqual({ missing: true });
    expect(indexModelJobResultTransferList(result)).toEqual([]);
  });

  it('refuses a file that does not match the manifest record, and a run it does not have', async () => {
    const { job } = await writeModelFixture(dir);
    expect(await codeOf(runIndexModelJob({ ...job, expected: { ...job.expected, crc32: 1 } }))).toBe(
      'OMENDB_ERR_SEGMENT_CORRUPT',
    );
    await expect(runIndexModelJob({ ...job, runs: [2] })).rejects.toThrow(RangeError);
    // Any other read failure is the job's failure (here: the path is a directory).
    await expect(runIndexModelJob({ ...job, path: dir })).rejects.toThrow(/EISDIR/);
  });
});
