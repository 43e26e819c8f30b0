import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SoakLog } from '../../../src/scenario-support/soak/interval-log.ts';
import {
  buildSoakReport,
  formatSoakReport,
  reportFileName,
  writeSoakReport,
} from '../../../src/scenario-support/soak/soak-report.ts';
import { header, intervals, thresholds } from './intervals-fixture.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'omendb-soak-report-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const partialLog: SoakLog = {
  header: header({ duration: '30m' }),
  intervals: intervals(10, (i) => ({ rssMb: 100 + i })),
  tornLines: 1,
};

describe('the soak report', () => {
  it('says what a partial run covered, and fails its verification', async () => {
    const report = buildSoakReport('/runs/x/soak/intervals.jsonl', partialLog, undefined, thresholds);
    expect(report).toMatchObject({
      seed: 42,
      durationAskedMs: 1_800_000,
      partial: true,
      tornLines: 1,
      pass: false,
    });
    const failed = report.checks.filter((c) => !c.pass).map((c) => c.name);
    expect(failed).toEqual(['leak-rss', 'verification']);
    const text = formatSoakReport(report);
    console.log(text);
    expect(text).toMatch(/PARTIAL: no end line/);
    expect(text).toMatch(
      /duration asked 30m, covered 10m in 10 intervals \(9 after a warm-up of 1m\), 1 torn line skipped/,
    );
    expect(text).toMatch(/^leak-rss +60 +<= 20 MB\/h, or R² < 0\.5 +FAIL$/m);
    expect(text).toMatch(/^verification +not verified: run ended early +set-full passes +FAIL$/m);
    expect(text).toMatch(/leak: rss \+60\.00 MB\/h \(R² 1\.000, 9 samples\)/);
    expect(text).toMatch(/^FAIL: 2 of 8 verdicts failed$/m);
    const path = await writeSoakReport(dir, report);
    expect(path).toBe(join(dir, reportFileName));
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(JSON.parse(JSON.stringify(report)));
  });

  it('passes a finished, flat, verified run, and says when a figure could not be measured', () => {
    const log: SoakLog = {
      header: { ...header(), params: { ...header().params, duration: 'forever' } },
      intervals: intervals(10, () => ({ rssMb: null, heapMb: null })),
      end: {
        type: 'end',
        durationRunMs: 600_000,
        planned: 1_000,
        sent: 1_000,
        completed: 1_000,
        drained: 0,
        abandoned: 0,
        drainMs: 0,
        intervals: 10,
        backlogMax: 0,
        verified: true,
      },
      tornLines: 0,
    };
    const report = buildSoakReport('f', log, { verified: false, reason: 'nothing to check' }, thresholds);
    expect(report.durationAskedMs).toBeNull();
    const text = formatSoakReport(report);
    expect(text).toMatch(/duration asked unknown/);
    expect(text).toMatch(/leak: rss no evidence; heap no evidence/);
    expect(text).toMatch(/peak RSS n\/a/);
    expect(text).not.toMatch(/PARTIAL/);
    const drifting = buildSoakReport('f', { ...log, intervals: intervals(1) }, undefined, thresholds);
    expect(formatSoakReport(drifting)).toMatch(/drift: no evidence/);
    const clean = buildSoakReport(
      'f',
      { ...log, intervals: intervals(10) },
      {
        verified: true,
        result: { checker: 'set-full', counts: { checked: 9 }, mustBeZero: [], examples: [], pass: true },
      },
      thresholds,
    );
    expect(clean.pass).toBe(true);
    expect(formatSoakReport(clean)).toMatch(/^PASS: 0 of 8 verdicts failed$/m);
  });
});
