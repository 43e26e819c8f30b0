import { OmenDbError } from '@omendb/engine';

/**
 * Durations as people type them on a command line: a positive number and a unit, e.g. `500ms`,
 * `60s`, `30m`, `24h`, `1.5h`, or `2d`. A bare number is refused: a unit is always explicit, so
 * `--duration 60` cannot silently mean minutes to one reader and seconds to another.
 */

const unitMs: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** The longest duration accepted: a week (a soak longer than that is a mistake, not a plan). */
export const durationMsMax = 7 * 86_400_000;

export function parseDurationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  const ms = match === null ? Number.NaN : Number(match[1]) * (unitMs[match[2] as string] as number);
  if (!(ms > 0) || ms > durationMsMax)
    throw new OmenDbError(
      'OMENDB_ERR_HARNESS_USAGE',
      `a duration is a positive number with a unit (ms, s, m, h, d), at most 7d: got ${text}`,
    );
  return Math.round(ms);
}

/** 86400000 -> '24h', 90000 -> '1m30s': for progress lines and reports. */
export function formatDuration(ms: number): string {
  let rest = Math.max(0, Math.round(ms / 1000));
  const parts: string[] = [];
  for (const [unit, seconds] of [
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (rest >= seconds) {
      parts.push(`${Math.floor(rest / seconds)}${unit}`);
      rest %= seconds;
    }
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest}s`);
  return parts.join('');
}
