import { describe, expect, it } from 'vitest';
import { durationMsMax, formatDuration, parseDurationMs } from '../../src/runner/duration.ts';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('parseDurationMs', () => {
  it('reads a number and a unit', () => {
    expect(parseDurationMs('500ms')).toBe(500);
    expect(parseDurationMs('60s')).toBe(60_000);
    expect(parseDurationMs('30m')).toBe(1_800_000);
    expect(parseDurationMs('24h')).toBe(86_400_000);
    expect(parseDurationMs('1.5h')).toBe(5_400_000);
    expect(parseDurationMs(' 2d ')).toBe(172_800_000);
    expect(parseDurationMs('7d')).toBe(durationMsMax);
  });

  it('refuses a bare number, an unknown unit, zero, and more than a week', () => {
    for (const text of ['60', '10 s', '5w', '0s', '-1s', '8d', '', 's', '1e3s'])
      expect(
        codeOf(() => parseDurationMs(text)),
        text,
      ).toBe('OMENDB_ERR_HARNESS_USAGE');
  });
});

describe('formatDuration', () => {
  it('writes hours, minutes and seconds, leaving out empty parts', () => {
    expect(formatDuration(86_400_000)).toBe('24h');
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(3_661_000)).toBe('1h1m1s');
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(-5)).toBe('0s');
  });
});
