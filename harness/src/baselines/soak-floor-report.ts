import type { SoakFloorFigures, SoakFloorReport } from './soak-floor.ts';

/** The targets for a soak at a sustained 1M points/s: shown, not asserted. */
export const soakFloorTargets = { writeP99Ms: 50, getP99Ms: 5, eventLoopP99Ms: 20 } as const;

const ms = (value: number | null): string => (value === null ? 'n/a' : `${value.toFixed(1)} ms`);

function ratio(omendb: number | null, floor: number | null): string {
  return omendb === null || floor === null || floor === 0 ? 'n/a' : `${(omendb / floor).toFixed(2)}x`;
}

function row(name: string, pick: (f: SoakFloorFigures) => number | null, report: SoakFloorReport): string {
  const { omendb, floor } = report.median;
  return `${name.padEnd(22)}${ms(pick(omendb)).padStart(12)}${ms(pick(floor)).padStart(12)}${ratio(pick(omendb), pick(floor)).padStart(10)}`;
}

/**
 * A target line: met or MISSED by OmenDB's median, and, when the floor server's own median is
 * over the target too, that no server can meet it on this machine with this load generator.
 */
function target(name: string, limitMs: number, omendb: number | null, floor: number | null): string {
  if (omendb === null) return `${name} <= ${limitMs} ms: not measured`;
  const verdict = omendb <= limitMs ? 'met' : 'MISSED';
  const belowFloor =
    floor !== null && floor > limitMs
      ? `; the floor server itself reads ${ms(floor)}: the target is below what this machine and load generator allow`
      : '';
  return `${name} <= ${limitMs} ms: ${ms(omendb)} ${verdict}${belowFloor}`;
}

export function formatSoakFloorReport(report: SoakFloorReport): string {
  const { omendb, floor } = report.median;
  const rounds = report.rounds.map(
    (r, i) =>
      `round ${i + 1}: omendb write ${ms(r.omendb.writeP99Ms)}, get ${ms(r.omendb.getP99Ms)}, event loop ${ms(r.omendb.eventLoopP99Ms)} | floor write ${ms(r.floor.writeP99Ms)}, get ${ms(r.floor.getP99Ms)}, event loop ${ms(r.floor.eventLoopP99Ms)}`,
  );
  return [
    `soak floor: seed ${report.seed}, ${report.rounds.length} alternating rounds; p99 after the warm-up, from intended send time; medians of the rounds.`,
    `omendb: ${report.omendbDescription}; floor: a node:http server that decodes each write to count it and stores nothing. Loopback only.`,
    '',
    ...rounds,
    '',
    `${'p99 (median)'.padEnd(22)}${'omendb'.padStart(12)}${'floor'.padStart(12)}${'vs floor'.padStart(10)}`,
    row('write', (f) => f.writeP99Ms, report),
    row('point GET', (f) => f.getP99Ms, report),
    row('server event loop', (f) => f.eventLoopP99Ms, report),
    '',
    '## Targets (shown, not asserted)',
    target('write p99', soakFloorTargets.writeP99Ms, omendb.writeP99Ms, floor.writeP99Ms),
    target('point GET p99', soakFloorTargets.getP99Ms, omendb.getP99Ms, floor.getP99Ms),
    target(
      'server event-loop p99',
      soakFloorTargets.eventLoopP99Ms,
      omendb.eventLoopP99Ms,
      floor.eventLoopP99Ms,
    ),
  ].join('\n');
}
