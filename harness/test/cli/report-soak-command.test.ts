import { spawn } from 'node:child_process';
import { appendFile, copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seedFromEnv } from '@omendb/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelAdapter } from '../../src/adapters/model/adapter.ts';
import { main } from '../../src/cli/main.ts';
import { ManualClock } from '../../src/runner/clock.ts';
import { runScenario } from '../../src/runner/run-scenario.ts';
import type { SoakReport } from '../../src/scenario-support/soak/soak-report.ts';
import { soak } from '../../../scenarios/soak.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const bin = fileURLToPath(new URL('../../bin/omendb-harness.js', import.meta.url));
const seed = seedFromEnv();
let dir: string;
/** A finished soak: two simulated hours on the model. */
let finished: string;

beforeAll(async () => {
  console.log(`report-soak seed ${seed} (replay: OMENDB_SEED=${seed})`);
  dir = await mkdtemp(join(tmpdir(), 'omendb-report-soak-'));
  finished = join(dir, 'finished');
  const { result } = await runScenario(soak, {
    adapterFactory: () => new ModelAdapter(),
    outDir: finished,
    seed,
    clock: new ManualClock(),
    params: { duration: '2h', rate: 1, intervalMs: 600_000, warmupMs: 600_000, retentionKeys: 200 },
    output: { write: () => true },
    gitCommit: null,
  });
  expect(result.status).toBe('passed');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(
    ['report-soak', ...args],
    {},
    {
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: (t: string) => (err += t) },
      cwd: dir,
    },
  );
  return { code, out, err };
}

async function intervalLines(path: string): Promise<number> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l.startsWith('{"type":"interval"')).length;
}

describe('omendb-harness report-soak', () => {
  it('reports a finished run from its output directory: every verdict passes, exit 0', async () => {
    const { code, out } = await cli(['finished']);
    expect(code).toBe(0);
    expect(out).toMatch(/duration asked 2h, covered 2h in 12 intervals \(11 after a warm-up of 10m\)/);
    expect(out).toMatch(/^verification +\d+ keys checked, 0 violations +set-full passes +pass$/m);
    expect(out).toMatch(/^PASS: 0 of 10 verdicts failed$/m);
    const report = JSON.parse(
      await readFile(join(finished, 'soak', 'soak-report.json'), 'utf8'),
    ) as SoakReport;
    expect(report).toMatchObject({ pass: true, partial: false, seed, durationAskedMs: 7_200_000 });
  });

  it('reads the evidence directory too, prints JSON, and takes threshold overrides', async () => {
    const { code, out } = await cli([join(finished, 'soak'), '--json']);
    expect(code).toBe(0);
    expect((JSON.parse(out) as SoakReport).figures.intervals).toBe(12);
    // With the whole run called warm-up, the leak verdicts have no evidence: they fail.
    const strict = await cli(['finished', '--param', 'warmupMs=86400000']);
    expect(strict.code).toBe(1);
    expect(strict.out).toMatch(/^leak-rss +no evidence: 0 intervals after warm-up with a sample .* FAIL$/m);
  });

  it('exits 64 for bad usage', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage: omendb-harness report-soak DIR/);
    expect((await cli([])).code).toBe(64);
    expect((await cli(['a', 'b'])).code).toBe(64);
    const empty = await cli(['.']);
    expect(empty.code).toBe(64);
    expect(empty.err).toMatch(/no soak interval file in/);
    expect((await cli(['finished', '--param', 'rate=5'])).err).toMatch(/takes a verdict threshold/);
    expect((await cli(['finished', '--param', 'leakR2Min=2'])).code).toBe(64);
    expect((await cli(['finished', '--no-such-option'])).code).toBe(64);
  });

  it('reports a soak killed with SIGKILL: the intervals it wrote, verification failed as not verified', async () => {
    const out = join(dir, 'killed');
    const intervals = join(out, 'soak', 'intervals.jsonl');
    const child = spawn(
      process.execPath,
      [bin, 'run', 'soak', '--engine', 'embedded', '--duration', '60s', '--seed', String(seed)].concat([
        '--param',
        'intervalMs=1000',
        '--param',
        'warmupMs=0',
        '--out',
        out,
      ]),
      { cwd: repoRoot, stdio: 'ignore' },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    const started = performance.now();
    // Bounded: 30 s for the harness to start and write 4 intervals.
    while ((await intervalLines(intervals)) < 4 && performance.now() - started < 30_000)
      await new Promise((resolve) => setTimeout(resolve, 100));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const written = await intervalLines(intervals);
    expect(written).toBeGreaterThanOrEqual(4);
    const { code, out: text } = await cli(['killed']);
    console.log(text);
    expect(code).toBe(1);
    const report = JSON.parse(await readFile(join(out, 'soak', 'soak-report.json'), 'utf8')) as SoakReport;
    expect(report.partial).toBe(true);
    expect(report.figures.intervals).toBe(written);
    const by = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    expect(by.verification).toMatchObject({ pass: false, value: 'not verified: run ended early' });
    // The other verdicts are computed over the intervals that were written.
    for (const name of [
      'leak-rss',
      'leak-heap',
      'latency-drift',
      'error-rate',
      'achieved-rate-share',
      'read-mismatches',
    ])
      expect(typeof by[name]?.value).toBe('number');
    expect(report.figures.opsCompleted).toBeGreaterThan(0);

    // The same file with a torn last line, as a kill during an append leaves it.
    const torn = join(dir, 'torn');
    await mkdir(torn);
    await copyFile(intervals, join(torn, 'intervals.jsonl'));
    await appendFile(join(torn, 'intervals.jsonl'), '{"type":"interval","index":99,"tSta');
    const tornReport = await cli(['torn', '--json']);
    expect(tornReport.code).toBe(1);
    expect(JSON.parse(tornReport.out)).toMatchObject({
      tornLines: 1,
      partial: true,
      figures: { intervals: written },
    });
  });
});
