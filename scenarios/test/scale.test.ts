import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { limits, seedFromEnv } from '@omendb/engine';
import {
  type AdapterFactory,
  DropEveryNthWrite,
  EmbeddedAdapter,
  type ParamOverrides,
  runScenario,
  type ScenarioResult,
  selectAdapter,
  ZeroForAbsent,
} from '@omendb/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scale } from '../scale.ts';

const seed = seedFromEnv();
let out: string;

beforeAll(async () => {
  console.log(`scale seed ${seed} (replay: OMENDB_SEED=${seed})`);
  out = await mkdtemp(join(tmpdir(), 'omendb-scale-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

const small: ParamOverrides = {
  points: 20_000,
  manySeries: 100,
  batchPoints: 2_000,
  lookups: 200,
  ranges: 20,
  aggregates: 10,
  readPageLimit: 5_000,
};

async function run(adapterFactory: AdapterFactory, dir: string, params: ParamOverrides = small) {
  return runScenario(scale, {
    adapterFactory,
    outDir: join(out, dir),
    seed,
    params,
    output: { write: () => true },
    gitCommit: null,
  });
}

let embeddedResult: ReturnType<typeof run> | undefined;
/** The embedded run, once: the SQLite test compares its checksums with it. */
const embeddedRun = () => {
  embeddedResult ??= run(selectAdapter('embedded', {}), 'embedded');
  return embeddedResult;
};

type Shape = Record<string, unknown> & { verified: boolean; points: number; verifiedPoints: number };

function shapes(result: ScenarioResult): { one: Shape; many: Shape } {
  const metrics = result.metrics as { one: Shape; many: Shape };
  return { one: metrics.one, many: metrics.many };
}

const failedChecks = (result: ScenarioResult) => result.checks.filter((c) => !c.pass).map((c) => c.name);

describe('scale', () => {
  it('asks for 1M points in ci and 10M in release, in both shapes, within the engine limits', () => {
    expect(scale.params.points?.defaults).toMatchObject({ ci: 1_000_000, release: 10_000_000 });
    expect(scale.params.shapes?.defaults.release).toBe('one,many');
    expect(scale.params.manySeries?.defaults.release).toBe(10_000);
    expect(scale.params.readPageLimit?.max).toBeLessThanOrEqual(limits.rangeLimitMax);
    expect(scale.params.batchPoints?.max).toBeLessThanOrEqual(limits.writeBatchPointsMax);
    expect(scale.category).toBe('performance');
  });

  it('passes on the embedded engine with every point read back to the same checksum', async () => {
    const { result, path } = await embeddedRun();
    expect(failedChecks(result)).toEqual([]);
    expect(result.status).toBe('passed');
    const { one, many } = shapes(result);
    for (const shape of [one, many]) {
      expect(shape).toMatchObject({ verified: true, points: 20_000, verifiedPoints: 20_000 });
      expect(shape.bytesPerPoint).toBeGreaterThan(0);
      // The kernel's mark is reset at the shape's start, before its baseline is read.
      const resources = shape.resources as { baselineRssBytes: number; peakRssReset: boolean };
      expect(resources.peakRssReset).toBe(true);
      expect(shape.peakRssBytes).toBeGreaterThanOrEqual(resources.baselineRssBytes);
      expect(shape.recoverySeconds).toBeGreaterThan(0);
      expect(shape.restartKind).toBe('clean');
    }
    expect(many.series).toBe(100);
    const latency = (result.metrics as { latencyMs: Record<string, { count: number }> }).latencyMs;
    expect(latency['one.get-absent']?.count).toBe(200);
    expect(latency['many.write']?.count).toBe(100);
    const stored = JSON.parse(await readFile(path, 'utf8')) as ScenarioResult;
    expect(stored.evidence).toEqual(
      expect.arrayContaining(['scale/ingest-many.json', 'scale/ingest-one.json']),
    );
    const ingest = JSON.parse(await readFile(join(out, 'embedded', 'scale', 'ingest-one.json'), 'utf8'));
    expect(ingest.series[0]).toHaveProperty('pointsPerSec');
  });

  it('passes on the SQLite baseline with the same checksums (same seed, same data)', async () => {
    const { result: reference } = await embeddedRun();
    const { result } = await run(selectAdapter('sqlite', {}), 'sqlite');
    expect(failedChecks(result)).toEqual([]);
    expect(shapes(result).one.acknowledgedChecksum).toBe(shapes(reference).one.acknowledgedChecksum);
    expect(shapes(result).many.verifiedChecksum).toBe(shapes(reference).many.verifiedChecksum);
  });

  it('fails the absent-key checks, and only those, on an engine that answers 0 for absent keys', async () => {
    const { result } = await run(() => new ZeroForAbsent(new EmbeddedAdapter()), 'zero-for-absent');
    expect(result.status).toBe('failed');
    expect(failedChecks(result)).toEqual([
      'one: absent-key lookup mismatches',
      'many: absent-key lookup mismatches',
    ]);
    const absent = result.checks.find((c) => c.name === 'one: absent-key lookup mismatches');
    expect(absent?.value).toBe(200);
  });

  it('fails the read-back count and checksum on an engine that drops acknowledged writes', async () => {
    const { result } = await run(
      () => new DropEveryNthWrite(new EmbeddedAdapter(), { n: 5 }),
      'drop-every-nth-write',
      { ...small, batchPoints: 1_000 },
    );
    expect(result.status).toBe('failed');
    const failed = failedChecks(result);
    for (const shape of ['one', 'many'])
      expect(failed).toEqual(
        expect.arrayContaining([`${shape}: points read back`, `${shape}: checksum read back`]),
      );
    const { one } = shapes(result);
    // 20 batches of 1,000 points, every fifth dropped: 4,000 points acknowledged and never written.
    expect(one.verifiedPoints).toBe(16_000);
    expect(one.verified).toBe(false);
  });

  it("runs over HTTP, with the server's own counters and RSS cross-checked", async () => {
    const { result } = await run(selectAdapter('http', {}), 'http', {
      ...small,
      points: 6_000,
      manySeries: 30,
      lookups: 50,
    });
    expect(failedChecks(result)).toEqual([]);
    const names = result.checks.map((c) => c.name);
    expect(names).toContain("one: engine's points-written counter growth");
    expect(names).toContain('many: RSS metric vs /proc at end (share)');
    const { one } = shapes(result);
    expect(one).toMatchObject({ pointsWrittenMetric: { growth: 6_000 } });
    expect((one.resources as { where: string }).where).toBe('spawned-process');
    // Killed, then restarted: the WAL behind the last checkpoint is replayed, and the engine says so.
    expect(one.restartKind).toBe('after-kill');
    expect((one.engineRecovery as { replayedRecords: number }).replayedRecords).toBeGreaterThan(0);
  });

  it('crashes with a usage error on shapes it does not know', async () => {
    const { result } = await run(selectAdapter('model', {}), 'bad-shapes', { ...small, shapes: 'one,few' });
    expect(result.status).toBe('crashed');
    expect(result.error?.code).toBe('OMENDB_ERR_HARNESS_USAGE');
  });
});
