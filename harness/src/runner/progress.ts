import {
  progressBarRedrawMs,
  progressBarWidthChars,
  progressLineIntervalMs,
  progressNoteCharsMax,
} from '../limits.ts';
import type { Clock } from './scenario.ts';

/**
 * Progress of a running scenario: a live bar redrawn in place on a terminal (at most every
 * progressBarRedrawMs), otherwise a plain line at most every progressLineIntervalMs, so a CI log
 * shows the run is alive without drowning in lines.
 */

export interface ProgressOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export class ProgressReporter {
  private lastAt = Number.NEGATIVE_INFINITY;
  private drawn = false;

  constructor(
    private readonly label: string,
    private readonly output: ProgressOutput,
    private readonly clock: Clock,
  ) {}

  update(done: number, total: number, note?: string): void {
    const now = this.clock.now();
    const tty = this.output.isTTY === true;
    const finished = total > 0 && done >= total;
    if (now - this.lastAt < (tty ? progressBarRedrawMs : progressLineIntervalMs) && !(tty && finished))
      return;
    this.lastAt = now;
    const line = describe(this.label, done, total, note, tty);
    if (tty) {
      this.output.write(`\r\x1b[2K${line}`);
      this.drawn = true;
    } else this.output.write(`${line}\n`);
  }

  /** Ends the bar's line, so what follows starts on a fresh one. */
  finish(): void {
    if (this.drawn) this.output.write('\n');
    this.drawn = false;
  }
}

function describe(
  label: string,
  done: number,
  total: number,
  note: string | undefined,
  bar: boolean,
): string {
  const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const percent = `${(fraction * 100).toFixed(0).padStart(3)}%`;
  const shown = note === undefined ? '' : ` ${note.slice(0, progressNoteCharsMax)}`;
  if (!bar) return `${label} ${percent} (${done}/${total})${shown}`;
  const filled = Math.round(fraction * progressBarWidthChars);
  return `${label} [${'#'.repeat(filled)}${'.'.repeat(progressBarWidthChars - filled)}] ${percent} ${done}/${total}${shown}`;
}
