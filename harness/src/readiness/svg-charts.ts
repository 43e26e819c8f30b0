import { reportChartPointsMax } from '../limits.ts';

/**
 * Line and bar charts as inline SVG strings for the self-contained readiness.html: no script, no
 * external resource, explicit width/height and viewBox so each chart has a size before any CSS
 * applies (the browser test asserts a non-zero box). Every chart carries data-chart="<name>"; a
 * chart without data still draws its frame and says 'no data', so a missing series is visible
 * instead of silently absent.
 */

export interface ChartPoint {
  readonly x: number;
  /** null (or a non-finite number) leaves a gap in the line. */
  readonly y: number | null;
}

export interface LineSeries {
  readonly label: string;
  readonly points: readonly ChartPoint[];
}

export interface LineChartSpec {
  /** The data-chart attribute. */
  readonly name: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly LineSeries[];
  readonly width?: number;
  readonly height?: number;
}

export interface BarSeries {
  readonly label: string;
  /** One value per category; null draws 'n/a' instead of a bar. */
  readonly values: readonly (number | null)[];
}

export interface BarChartSpec {
  readonly name: string;
  readonly title: string;
  readonly valueLabel: string;
  readonly categories: readonly string[];
  readonly series: readonly BarSeries[];
  /** A fixed end of the value axis (100 for percentages); else from the data. */
  readonly max?: number;
  /** Appended to each bar's value label, e.g. ' %'. */
  readonly unit?: string;
  readonly width?: number;
}

const palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const font = 'font-family="sans-serif"';
/** Legend labels longer than this are cut (the full text is in the label's <title>). */
const legendLabelChars = 26;
/** Category labels of a bar chart longer than this are cut the same way. */
const categoryLabelChars = 24;

/** Text and attribute values: the five characters that can end or open markup. */
export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Deterministic (locale-free) number text: thousands grouped, at most two decimals below 1000. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000 || Number.isInteger(value)) {
    const rounded = Math.round(value);
    const digits = String(Math.abs(rounded)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    return rounded < 0 ? `-${digits}` : digits;
  }
  return String(Number(value.toFixed(2)));
}

/**
 * Round tick values covering [min, max] (1, 2 or 5 times a power of ten apart), about `count` of
 * them; the first tick is <= min and the last >= max, so the axis spans the data.
 */
export function niceTicks(min: number, max: number, count: number): number[] {
  if (!(Number.isFinite(min) && Number.isFinite(max)) || count < 1) {
    throw new Error(`OmenDB harness invariant violated: niceTicks(${min}, ${max}, ${count})`);
  }
  let lo = Math.min(min, max);
  let hi = Math.max(min, max);
  if (lo === hi) {
    // A constant series still gets an axis around its value.
    const pad = lo === 0 ? 1 : Math.abs(lo) / 2;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) as number;
  const first = Math.floor(lo / step) * step;
  const steps = Math.round((Math.ceil(hi / step) * step - first) / step);
  // (hi - lo) / step <= count, and rounding each end outwards adds at most one step per side.
  if (steps > count + 2) throw new Error(`OmenDB harness invariant violated: ${steps} ticks for ${count}`);
  const ticks: number[] = [];
  for (let i = 0; i <= steps; i++) ticks.push(Number((first + i * step).toPrecision(12)));
  return ticks;
}

/** Every k-th point (at most reportChartPointsMax of them) and always the last, so a long soak stays small. */
export function thinPoints<T>(points: readonly T[]): { points: readonly T[]; stride: number } {
  if (points.length <= reportChartPointsMax) return { points, stride: 1 };
  const stride = Math.ceil(points.length / reportChartPointsMax);
  const kept = points.filter((_, i) => i % stride === 0);
  if ((points.length - 1) % stride !== 0) kept.push(points[points.length - 1] as T);
  return { points: kept, stride };
}

function colour(index: number): string {
  return palette[index % palette.length] as string;
}

function cut(text: string, chars: number): string {
  return text.length <= chars ? text : `${text.slice(0, chars - 1)}…`;
}

function svgOpen(name: string, title: string, width: number, height: number, empty: boolean): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="${escapeXml(name)}"` +
    `${empty ? ' data-empty="true"' : ''} width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"` +
    ` role="img" aria-label="${escapeXml(title)}"><title>${escapeXml(title)}</title>` +
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff" stroke="#cccccc"/>` +
    `<text x="${width / 2}" y="20" text-anchor="middle" ${font} font-size="14" font-weight="bold">${escapeXml(title)}</text>`
  );
}

/** The frame of a chart with nothing to draw, saying so where the plot would be. */
export function noDataChart(name: string, title: string, width: number, height: number): string {
  return (
    svgOpen(name, title, width, height, true) +
    `<text x="${width / 2}" y="${height / 2}" text-anchor="middle" ${font} font-size="16" fill="#888888">no data</text></svg>`
  );
}

function legend(labels: readonly string[], x: number, y: number): string {
  return labels
    .map((label, i) => {
      const ly = y + i * 18;
      return (
        `<g data-legend="${escapeXml(label)}"><title>${escapeXml(label)}</title>` +
        `<rect x="${x}" y="${ly - 9}" width="14" height="10" fill="${colour(i)}"/>` +
        `<text x="${x + 20}" y="${ly}" ${font} font-size="12">${escapeXml(cut(label, legendLabelChars))}</text></g>`
      );
    })
    .join('');
}

type Scale = (value: number) => number;

function linearScale(d0: number, d1: number, r0: number, r1: number): Scale {
  return (value) => round1(r0 + ((value - d0) / (d1 - d0)) * (r1 - r0));
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

function finitePoints(series: LineSeries): ChartPoint[] {
  return series.points.filter((p) => Number.isFinite(p.x) && p.y !== null && Number.isFinite(p.y));
}

/** Runs of consecutive drawable points: a null or non-finite value ends a run (a gap in the line). */
function segments(points: readonly ChartPoint[]): ChartPoint[][] {
  const runs: ChartPoint[][] = [[]];
  for (const p of points) {
    const drawable = Number.isFinite(p.x) && p.y !== null && Number.isFinite(p.y);
    if (drawable) (runs[runs.length - 1] as ChartPoint[]).push(p);
    else if ((runs[runs.length - 1] as ChartPoint[]).length > 0) runs.push([]);
  }
  return runs.filter((run) => run.length > 0);
}

function extent(values: readonly number[]): [number, number] {
  return [Math.min(...values), Math.max(...values)];
}

export function lineChart(spec: LineChartSpec): string {
  const width = spec.width ?? 720;
  const height = spec.height ?? 320;
  const drawn = spec.series.map((s) => ({ label: s.label, thinned: thinPoints(s.points) }));
  const all = spec.series.flatMap(finitePoints);
  if (all.length === 0) return noDataChart(spec.name, spec.title, width, height);
  const left = 72;
  const right = width - 200;
  const top = 40;
  const bottom = height - 50;
  const [xMin, xMax] = extent(all.map((p) => p.x));
  const [yMin, yMax] = extent(all.map((p) => p.y as number));
  const xTicks = niceTicks(xMin, xMax, 6);
  const yTicks = niceTicks(Math.min(0, yMin), yMax, 5);
  const x = linearScale(xTicks[0] as number, xTicks[xTicks.length - 1] as number, left, right);
  const y = linearScale(yTicks[0] as number, yTicks[yTicks.length - 1] as number, bottom, top);
  const parts = [svgOpen(spec.name, spec.title, width, height, false)];
  parts.push(axes(left, right, top, bottom));
  for (const t of yTicks) {
    parts.push(
      `<line x1="${left}" y1="${y(t)}" x2="${right}" y2="${y(t)}" stroke="#eeeeee"/>` +
        `<text x="${left - 6}" y="${y(t) + 4}" text-anchor="end" ${font} font-size="11">${formatNumber(t)}</text>`,
    );
  }
  for (const t of xTicks) {
    parts.push(
      `<line x1="${x(t)}" y1="${bottom}" x2="${x(t)}" y2="${bottom + 4}" stroke="#333333"/>` +
        `<text x="${x(t)}" y="${bottom + 16}" text-anchor="middle" ${font} font-size="11">${formatNumber(t)}</text>`,
    );
  }
  parts.push(axisTitles(spec.xLabel, spec.yLabel, (left + right) / 2, height - 12, (top + bottom) / 2));
  drawn.forEach((s, i) => {
    parts.push(seriesPath(s.label, s.thinned.points, s.thinned.stride, i, x, y));
  });
  parts.push(
    legend(
      drawn.map((s) => s.label),
      right + 16,
      top + 10,
    ),
  );
  parts.push('</svg>');
  return parts.join('');
}

function axes(left: number, right: number, top: number, bottom: number): string {
  return (
    `<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#333333"/>` +
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#333333"/>`
  );
}

function axisTitles(xLabel: string, yLabel: string, xMid: number, xBase: number, yMid: number): string {
  return (
    `<text x="${xMid}" y="${xBase}" text-anchor="middle" ${font} font-size="12">${escapeXml(xLabel)}</text>` +
    `<text x="16" y="${yMid}" text-anchor="middle" ${font} font-size="12" transform="rotate(-90 16 ${yMid})">${escapeXml(yLabel)}</text>`
  );
}

function seriesPath(
  label: string,
  points: readonly ChartPoint[],
  stride: number,
  index: number,
  x: Scale,
  y: Scale,
): string {
  const note = stride > 1 ? ` (1 point in ${stride} drawn)` : '';
  const body = segments(points)
    .map((run) =>
      run.length === 1
        ? // A lone point has no line to draw: a dot keeps it visible.
          `<circle cx="${x(run[0]!.x)}" cy="${y(run[0]!.y as number)}" r="3" fill="${colour(index)}"/>`
        : `<polyline fill="none" stroke="${colour(index)}" stroke-width="1.5" points="${run
            .map((p) => `${x(p.x)},${y(p.y as number)}`)
            .join(' ')}"/>`,
    )
    .join('');
  return `<g data-series="${escapeXml(label)}"><title>${escapeXml(label + note)}</title>${body}</g>`;
}

export function barChart(spec: BarChartSpec): string {
  const width = spec.width ?? 720;
  const barHeight = 14;
  const groupGap = 12;
  const groupHeight = spec.series.length * barHeight + groupGap;
  const top = 40 + spec.series.length * 18;
  const plotHeight = Math.max(1, spec.categories.length) * groupHeight;
  const height = top + plotHeight + 50;
  const values = spec.series
    .flatMap((s) => s.values)
    .filter((v): v is number => v !== null && Number.isFinite(v));
  if (spec.categories.length === 0 || values.length === 0) {
    return noDataChart(spec.name, spec.title, width, Math.max(height, 160));
  }
  const left = 180;
  const right = width - 70;
  const bottom = top + plotHeight;
  const ticks = niceTicks(0, Math.max(spec.max ?? 0, ...values), 5);
  const x = linearScale(0, ticks[ticks.length - 1] as number, left, right);
  const parts = [svgOpen(spec.name, spec.title, width, height, false)];
  parts.push(
    legend(
      spec.series.map((s) => s.label),
      left,
      40,
    ),
  );
  for (const t of ticks) {
    parts.push(
      `<line x1="${x(t)}" y1="${top}" x2="${x(t)}" y2="${bottom}" stroke="#eeeeee"/>` +
        `<text x="${x(t)}" y="${bottom + 16}" text-anchor="middle" ${font} font-size="11">${formatNumber(t)}</text>`,
    );
  }
  parts.push(axes(left, right, top, bottom));
  spec.categories.forEach((category, c) => {
    const groupTop = top + c * groupHeight + groupGap / 2;
    parts.push(
      `<text x="${left - 8}" y="${groupTop + (spec.series.length * barHeight) / 2 + 4}" text-anchor="end" ${font} font-size="12">` +
        `<title>${escapeXml(category)}</title>${escapeXml(cut(category, categoryLabelChars))}</text>`,
    );
    spec.series.forEach((s, i) => {
      parts.push(
        bar(s.values[c] ?? null, s.label, category, i, left, groupTop + i * barHeight, barHeight, x, spec),
      );
    });
  });
  parts.push(
    `<text x="${(left + right) / 2}" y="${height - 12}" text-anchor="middle" ${font} font-size="12">${escapeXml(spec.valueLabel)}</text>`,
  );
  parts.push('</svg>');
  return parts.join('');
}

function bar(
  value: number | null,
  series: string,
  category: string,
  index: number,
  left: number,
  top: number,
  barHeight: number,
  x: Scale,
  spec: BarChartSpec,
): string {
  const label = `${escapeXml(category)}, ${escapeXml(series)}`;
  if (value === null || !Number.isFinite(value)) {
    return `<text data-bar="${label}" x="${left + 4}" y="${top + barHeight - 3}" ${font} font-size="11" fill="#888888">n/a</text>`;
  }
  const end = Math.max(left, x(value));
  return (
    `<rect data-bar="${label}" x="${left}" y="${top + 1}" width="${round1(end - left)}" height="${barHeight - 2}" fill="${colour(index)}"/>` +
    `<text x="${end + 4}" y="${top + barHeight - 3}" ${font} font-size="11">${formatNumber(value)}${escapeXml(spec.unit ?? '')}</text>`
  );
}
