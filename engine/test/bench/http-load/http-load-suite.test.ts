import { describe, expect, it } from 'vitest';
import { eventLoopMonitoringPrecisionMs } from '../../../src/limits.ts';
import { parseHttpLoadArgs } from '../../../bench/http-load/http-load-config.ts';
import { formatHttpLoadReport, targetLines } from '../../../bench/http-load/http-load-report.ts';
import { runHttpLoad } from '../../../bench/http-load/http-load-suite.ts';

describe('HTTP load benchmark', () => {
  it('parses its options, with bounds', () => {
    expect(parseHttpLoadArgs(['--points', '500', '--seed', '7']).points).toBe(500);
    expect(parseHttpLoadArgs(['--quick']).passes).toBe(1);
    expect(() => parseHttpLoadArgs(['--passes', '0'])).toThrow(RangeError);
    expect(() => parseHttpLoadArgs(['--bogus', '1'])).toThrow(RangeError);
    expect(() => parseHttpLoadArgs(['stray'])).toThrow(RangeError);
  });

  it('measures both servers end to end in quick mode, with no failed requests', async () => {
    const config = { ...parseHttpLoadArgs(['--quick', '--points', '1000']), connections: 4 };
    console.log(`http load seed ${config.seed}`);
    const report = await runHttpLoad(config, () => undefined);
    expect(report.figures.map((f) => `${f.name}/${f.contender}`)).toEqual([
      'point GET/bare',
      'point GET/omendb',
      'POST 1000 points/bare',
      'POST 1000 points/omendb',
      'POST 1000 points at 100/s/bare',
      'POST 1000 points at 100/s/omendb',
      'point GET at 20/s beside them/bare',
      'point GET at 20/s beside them/omendb',
    ]);
    for (const figure of report.figures) {
      expect(figure.failures).toBe(0);
      expect(figure.ops_per_s).toBeGreaterThan(0);
      expect(Number.isFinite(figure.p99_ns)).toBe(true);
      expect(figure.p99_ns).toBeGreaterThanOrEqual(figure.p50_ns);
    }
    const omendbPost = report.figures[3]!;
    expect(omendbPost.records_per_s).toBeCloseTo(omendbPost.ops_per_s * 1000, 6);
    expect(omendbPost.ratio_vs_bare).toBeGreaterThan(0);
    // The open-loop rows held their rates: every planned request was sent and answered.
    for (const f of report.figures.slice(4)) {
      const rate = f.name.startsWith('POST') ? config.sustainedPostsPerS : config.sustainedGetsPerS;
      expect(f.ops_per_s).toBe(rate);
    }
    expect(report.figures[5]!.records_per_s).toBe(config.sustainedPostsPerS * 1000);
    // The server's own event-loop figure, scraped around each omendb pass; none for bare.
    for (const f of [report.figures[1]!, omendbPost, report.figures[5]!, report.figures[7]!])
      expect(f.event_loop_p99_ms).toBeGreaterThan(0);
    expect(report.figures[0]!.event_loop_p99_ms).toBeUndefined();
    // The resting floor, measured in the same run: never below the period of the monitor's timer.
    expect(report.idle_event_loop_p99_ms).toBeGreaterThanOrEqual(eventLoopMonitoringPrecisionMs * 0.9);
    expect(formatHttpLoadReport(report)).toContain('at rest');
    expect(targetLines(report)).toHaveLength(7);
    expect(formatHttpLoadReport(report)).toContain('vs bare');
  });
});
