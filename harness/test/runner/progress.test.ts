import { describe, expect, it } from 'vitest';
import { progressLineIntervalMs } from '../../src/limits.ts';
import { ManualClock } from '../../src/runner/clock.ts';
import { ProgressReporter } from '../../src/runner/progress.ts';

function sink(isTTY: boolean): { text: string[]; write(t: string): void; isTTY: boolean } {
  const text: string[] = [];
  return { text, write: (t) => text.push(t), isTTY };
}

describe('ProgressReporter', () => {
  it('prints a plain line at most every few seconds when not on a terminal', () => {
    const clock = new ManualClock();
    const out = sink(false);
    const progress = new ProgressReporter('demo', out, clock);
    progress.update(1, 10, 'starting');
    progress.update(2, 10);
    clock.advance(progressLineIntervalMs);
    progress.update(5, 10, 'x'.repeat(500));
    progress.finish();
    expect(out.text).toHaveLength(2);
    expect(out.text[0]).toBe('demo  10% (1/10) starting\n');
    expect(out.text[1]?.length).toBeLessThan(120);
  });

  it('redraws a bar in place on a terminal, always drawing the end, and ends its line', () => {
    const clock = new ManualClock();
    const out = sink(true);
    const progress = new ProgressReporter('demo', out, clock);
    progress.update(0, 0);
    progress.update(3, 10);
    progress.update(10, 10);
    progress.finish();
    progress.finish();
    const erase = '\r\u001b[2K';
    expect(out.text[0]?.startsWith(erase)).toBe(true);
    expect(out.text[0]?.slice(erase.length)).toMatch(/^demo \[\.+\] {3}0% 0\/0$/);
    expect(out.text[1]?.startsWith(erase)).toBe(true);
    expect(out.text[1]).toMatch(/demo \[#+\] 100% 10\/10$/);
    expect(out.text.slice(2)).toEqual(['\n']);
  });
});
