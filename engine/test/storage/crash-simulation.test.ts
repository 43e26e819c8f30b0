import { describe, expect, it } from 'vitest';
import { SimFileSystem } from '../../src/fs/sim-file-system.ts';
import { type Engine, openEngine } from '../../src/engine.ts';
import type { SegmentJobExecutor, SegmentJobRunner } from '../../src/storage/segment-job-runner.ts';
import { runSegmentJob } from '../../src/storage/segment-jobs.ts';
import { silentLogger } from '../../src/storage/logger.ts';
import type { SyncMode } from '../../src/storage/options.ts';
import { createPrng, seedFromEnv } from '../../src/util/prng.ts';
import {
  acknowledgedPrefix,
  generateWorkload,
  matchingPrefix,
  runWorkload,
  type WorkloadOutcome,
} from '../../src/testing/crash-workload.ts';
import { engineFingerprint } from '../../src/testing/map-model.ts';

/**
 * Seeded crash simulation. Each case runs a random workload (concurrent writes, deletes, drops,
 * checkpoints, compactions) on the simulated file system, crashes it at a random I/O step (the
 * page cache then loses, keeps or tears unsynced data, file by file, and undoes un-fsynced
 * renames), reopens, and checks the invariants against a Map model:
 *  - every write acknowledged under sync 'commit' is present with its value;
 *  - the state equals the model after some prefix of the submitted operations (no partial
 *    batch, no reordering); so an acknowledged delete stays deleted;
 *  - reopening never fails and never returns corrupt data.
 * A failure names the seed and crash point; OMENDB_SEED replays it exactly.
 */
const crashPoints = Number(process.env.OMENDB_CRASH_POINTS ?? 2400);
const crashesPerWorkload = 4;
/** Generous: about 12 ms per crash point here, on a loaded 2-core machine. */
const timeoutMs = Math.max(120_000, crashPoints * 60);
const dir = '/db';

function engineOptions(fs: SimFileSystem, sync: SyncMode) {
  return {
    dir,
    fs,
    sync,
    logger: silentLogger,
    // Tiny memtables and a low compaction trigger put flushes and compactions inside every workload.
    memtableBytesMax: 2048,
    compactionSegmentsTrigger: 3,
  };
}

/**
 * The segment worker's ordering, made deterministic: jobs take copies (so a compaction reads its
 * input files again through the simulated file system, where a crash may hit) and answer a few
 * turns of the event loop later, as a thread would, while writes, deletes and reads go on. A real
 * worker's timing would vary from run to run, and a seed would no longer replay its crash point.
 */
const workerLikeJobs: SegmentJobExecutor & SegmentJobRunner = {
  inThread: false,
  run: async (job) => {
    const copy = structuredClone(job);
    for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
    return runSegmentJob(copy);
  },
  executorFor: () => workerLikeJobs,
  close: async () => undefined,
};

type JobsMode = 'in-thread' | 'worker-like';
const internalsFor = (jobs: JobsMode) => (jobs === 'worker-like' ? { segmentJobs: workerLikeJobs } : {});

interface CaseResult {
  violation: string | undefined;
  opsBeforeCrash: number;
}

async function runCase(
  seed: number,
  crashIndex: number,
  sync: SyncMode,
  crashAtOp: number | undefined,
  jobs: JobsMode,
): Promise<CaseResult> {
  const prng = createPrng(seed);
  const workload = generateWorkload(prng, 6 + prng.int(10));
  const fs = new SimFileSystem(crashAtOp === undefined ? {} : { crashAtOp });
  // The crash may land inside the first open too: then nothing was submitted.
  const engine = await fs
    .mkdir(dir)
    .then(() => openEngine(engineOptions(fs, sync), internalsFor(jobs)))
    .catch(() => undefined);
  const outcome: WorkloadOutcome =
    engine === undefined ? { submitted: [], acknowledged: new Set() } : await runWorkload(engine, workload);
  const opsBeforeCrash = fs.opCount;
  if (crashAtOp === undefined) {
    if (engine === undefined) return { violation: 'open failed without a crash', opsBeforeCrash };
    await engine.close();
    return { violation: undefined, opsBeforeCrash };
  }
  const crashPrng = createPrng((seed ^ (crashIndex * 0x9e3779b1)) >>> 0);
  const recovered = fs.crash(crashPrng);
  const violation = await checkRecovery(recovered, outcome, sync, jobs);
  return { violation, opsBeforeCrash };
}

async function checkRecovery(
  fs: SimFileSystem,
  outcome: WorkloadOutcome,
  sync: SyncMode,
  jobs: JobsMode,
): Promise<string | undefined> {
  let engine: Engine;
  try {
    engine = await openEngine({ ...engineOptions(fs, sync), autoMaintenance: false }, internalsFor(jobs));
  } catch (error) {
    return `reopen failed: ${String((error as { code?: string }).code ?? error)}`;
  }
  try {
    const state = await engineFingerprint(engine);
    const required = sync === 'commit' ? acknowledgedPrefix(outcome) : 0;
    if (matchingPrefix(state, outcome, required) === undefined) {
      return `state after recovery matches no prefix of ${outcome.submitted.length} ops with at least ${required} (acked ${outcome.acknowledged.size})`;
    }
    // The recovered engine must keep working: one more write, then a clean reopen keeps it all.
    await engine.write('after-crash', [[1n, 1]]);
    const expected = await engineFingerprint(engine);
    await engine.close();
    const again = await openEngine(
      { ...engineOptions(fs, sync), autoMaintenance: false },
      internalsFor(jobs),
    );
    const stateAgain = await engineFingerprint(again);
    await again.close();
    if (stateAgain !== expected) return 'state changed across a clean reopen after recovery';
    return undefined;
  } catch (error) {
    return `read after recovery failed: ${String((error as { code?: string }).code ?? error)}`;
  }
}

describe('crash simulation', () => {
  it.each([
    ['in-thread', crashPoints],
    // The worker's ordering (segments published later, compaction inputs read again) on a quarter as many.
    ['worker-like', Math.ceil(crashPoints / 4)],
  ] as const)(
    'keeps every acknowledged write with %s segment jobs over %i seeded crash points',
    async (jobs, points) => {
      const seed = seedFromEnv();
      console.log(
        `crash simulation seed ${seed} (replay: OMENDB_SEED=${seed}), ${points} crash points, ${jobs} jobs`,
      );
      const master = createPrng(seed);
      const violations: string[] = [];
      let crashes = 0;
      const started = performance.now();
      while (crashes < points && violations.length < 5) {
        const caseSeed = master.int(2 ** 32);
        const sync: SyncMode = master.chance(0.8) ? 'commit' : 'none';
        // A dry run with the same seed counts the workload's I/O steps; crash points are drawn from them.
        const dry = await runCase(caseSeed, 0, sync, undefined, jobs);
        for (let c = 0; c < crashesPerWorkload && crashes < points; c++) {
          const crashAtOp = master.int(dry.opsBeforeCrash + 1);
          const result = await runCase(caseSeed, c + 1, sync, crashAtOp, jobs);
          crashes++;
          if (result.violation !== undefined) {
            violations.push(
              `seed ${caseSeed} sync ${sync} crashAtOp ${crashAtOp} crashIndex ${c + 1}: ${result.violation}`,
            );
          }
        }
      }
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `crash simulation: ${crashes} crash points in ${seconds.toFixed(1)} s, ${violations.length} violations`,
      );
      for (const violation of violations) console.log(violation);
      expect(violations).toEqual([]);
      expect(crashes).toBe(points);
    },
    timeoutMs,
  );
});
