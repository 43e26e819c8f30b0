import type { Check } from '../../runner/scenario.ts';
import type { RssCrossCheck } from '../resource-probe.ts';
import type { ShapeReport } from './run-shape.ts';

/**
 * The checks of one scale shape: the full verification (count, checksum, series), every query
 * answered as the generator says, the engine's own points-written counter agreeing with what was
 * acknowledged (when it has metrics), and its RSS metric agreeing with /proc (when both exist).
 */

/** The engine's process_resident_memory_bytes may differ from /proc/<pid>/status VmRSS by this share. */
export const rssCrossCheckShareMax = 0.1;

function zero(name: string, mismatches: number): Check {
  return { name, pass: mismatches === 0, value: mismatches, threshold: '== 0' };
}

function crossCheck(name: string, measured: RssCrossCheck | null): Check[] {
  if (measured === null) return [];
  return [
    {
      name,
      pass: measured.differenceShare <= rssCrossCheckShareMax,
      value: Math.round(measured.differenceShare * 10_000) / 10_000,
      threshold: `<= ${rssCrossCheckShareMax}`,
    },
  ];
}

export function shapeChecks(report: ShapeReport): Check[] {
  const { shape } = report;
  const checks: Check[] = [
    {
      name: `${shape}: points read back`,
      pass: report.verifiedPoints === report.points,
      value: report.verifiedPoints,
      threshold: `== ${report.points} acknowledged`,
    },
    {
      name: `${shape}: checksum read back`,
      pass: report.verified,
      value: report.verifiedChecksum,
      threshold: `== ${report.acknowledgedChecksum} acknowledged`,
    },
    {
      name: `${shape}: series listed`,
      pass: report.seriesListed === report.series,
      value: report.seriesListed,
      threshold: `== ${report.series}`,
    },
    zero(`${shape}: present-key lookup mismatches`, report.lookups.present.mismatches),
    zero(`${shape}: absent-key lookup mismatches`, report.lookups.absent.mismatches),
    zero(`${shape}: range scan mismatches`, report.ranges.mismatches),
  ];
  if ('mismatches' in report.aggregates)
    checks.push(zero(`${shape}: aggregate mismatches`, report.aggregates.mismatches));
  if (report.pointsWrittenMetric !== null)
    checks.push({
      name: `${shape}: engine's points-written counter growth`,
      pass: report.pointsWrittenMetric.growth === report.points,
      value: report.pointsWrittenMetric.growth,
      threshold: `== ${report.points} acknowledged`,
    });
  checks.push(
    ...crossCheck(`${shape}: RSS metric vs /proc after ingest (share)`, report.rssCrossCheck.afterIngest),
    ...crossCheck(`${shape}: RSS metric vs /proc at end (share)`, report.rssCrossCheck.atEnd),
  );
  return checks;
}
