import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { reportChartPointsMax } from '../../src/limits.ts';
import {
  barChart,
  escapeXml,
  formatNumber,
  lineChart,
  niceTicks,
  noDataChart,
  thinPoints,
} from '../../src/readiness/svg-charts.ts';

/** The numbers of every `<polyline points="...">`, as [x, y] pairs per polyline. */
function polylines(svg: string): [number, number][][] {
  return [...svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map((m) =>
    (m[1] as string).split(' ').map((pair) => pair.split(',').map(Number) as [number, number]),
  );
}

function attr(svg: string, name: string): string | undefined {
  return new RegExp(`<svg [^>]*\\b${name}="([^"]*)"`).exec(svg)?.[1];
}

/** Widths of the bars (rect with data-bar), by their data-bar label. */
function bars(svg: string): Map<string, number> {
  return new Map(
    [...svg.matchAll(/<rect data-bar="([^"]*)" [^>]*width="([^"]*)"/g)].map((m) => [
      m[1] as string,
      Number(m[2]),
    ]),
  );
}

const line = {
  name: 'soak-p99',
  title: 'p99 over time',
  xLabel: 'time (s)',
  yLabel: 'p99 (ms)',
  series: [
    {
      label: 'embedded',
      points: [
        { x: 0, y: 1 },
        { x: 10, y: 2 },
        { x: 20, y: 4 },
      ],
    },
    {
      label: 'http',
      points: [
        { x: 0, y: 3 },
        { x: 20, y: 8 },
      ],
    },
  ],
};

describe('escapeXml and formatNumber', () => {
  it('escapes the characters that open or end markup', () => {
    expect(escapeXml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('formats numbers without depending on the locale', () => {
    expect(formatNumber(1234567)).toBe('1,234,567');
    expect(formatNumber(-1234.6)).toBe('-1,235');
    expect(formatNumber(12.345)).toBe('12.35');
    expect(formatNumber(0.5)).toBe('0.5');
    expect(formatNumber(7)).toBe('7');
    expect(formatNumber(Number.NaN)).toBe('NaN');
  });
});

describe('niceTicks', () => {
  it('covers the range with round steps', () => {
    expect(niceTicks(0, 97, 5)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(3, 47, 5)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(niceTicks(0, 0.37, 4)).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    expect(niceTicks(0, 1_000_000, 5)).toEqual([0, 200_000, 400_000, 600_000, 800_000, 1_000_000]);
  });

  it('gives a constant or reversed range an axis around it', () => {
    const constant = niceTicks(5, 5, 5);
    expect(constant[0]).toBeLessThan(5);
    expect(constant[constant.length - 1]).toBeGreaterThan(5);
    expect(niceTicks(0, 0, 4)).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(niceTicks(10, 0, 5)).toEqual(niceTicks(0, 10, 5));
  });

  it('refuses a non-finite range', () => {
    expect(() => niceTicks(0, Number.POSITIVE_INFINITY, 5)).toThrow(/invariant violated/);
    expect(() => niceTicks(0, 1, 0)).toThrow(/invariant violated/);
  });
});

describe('thinPoints', () => {
  it('keeps a short series whole', () => {
    const points = [1, 2, 3];
    expect(thinPoints(points)).toEqual({ points, stride: 1 });
  });

  it('thins a long series to at most the limit, keeping the first and the last point', () => {
    const long = Array.from({ length: reportChartPointsMax * 3 + 2 }, (_, i) => i);
    const { points, stride } = thinPoints(long);
    expect(stride).toBe(4);
    expect(points.length).toBeLessThanOrEqual(reportChartPointsMax + 1);
    expect(points[0]).toBe(0);
    expect(points[points.length - 1]).toBe(long.length - 1);
  });
});

describe('lineChart', () => {
  const svg = lineChart(line);

  it('is well-formed SVG with an explicit size, a viewBox and its name', () => {
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(attr(svg, 'data-chart')).toBe('soak-p99');
    expect(attr(svg, 'width')).toBe('720');
    expect(attr(svg, 'height')).toBe('320');
    expect(attr(svg, 'viewBox')).toBe('0 0 720 320');
    expect(svg).not.toContain('data-empty');
  });

  it('draws axes, tick labels, axis titles and a legend entry per series', () => {
    expect(svg).toContain('>time (s)</text>');
    expect(svg).toContain('>p99 (ms)</text>');
    expect(svg).toContain('>p99 over time</text>');
    // y from 0 (the axis starts at zero for these quantities) to 8, x from 0 to 20.
    for (const tick of ['0', '2', '4', '6', '8', '20']) expect(svg).toContain(`>${tick}</text>`);
    expect(svg).toContain('data-legend="embedded"');
    expect(svg).toContain('data-legend="http"');
  });

  it('places the points on the scales: later x is further right, higher y is further up', () => {
    const [embedded, http] = polylines(svg);
    expect(embedded).toHaveLength(3);
    expect(http).toHaveLength(2);
    const [a, b, c] = embedded as [[number, number], [number, number], [number, number]];
    expect(a[0]).toBeLessThan(b[0]);
    expect(b[0]).toBeLessThan(c[0]);
    expect(a[1]).toBeGreaterThan(b[1]);
    expect(b[1]).toBeGreaterThan(c[1]);
    // Same x means the same pixel column in both series; y=8 (the top tick) is the plot's top.
    expect(http![0]![0]).toBe(a[0]);
    expect(http![1]![0]).toBe(c[0]);
    expect(http![1]![1]).toBe(40);
  });

  it('leaves a gap for a null or non-finite value and a dot for a lone point', () => {
    const gapped = lineChart({
      ...line,
      series: [
        {
          label: 'rss',
          points: [
            { x: 0, y: 1 },
            { x: 1, y: 2 },
            { x: 2, y: null },
            { x: 3, y: 3 },
            { x: 4, y: Number.NaN },
            { x: 5, y: 4 },
            { x: 6, y: 5 },
          ],
        },
      ],
    });
    expect(XMLValidator.validate(gapped)).toBe(true);
    expect(polylines(gapped).map((p) => p.length)).toEqual([2, 2]);
    expect(gapped.match(/<circle /g)).toHaveLength(1);
  });

  it('draws a constant single point instead of dividing by a zero range', () => {
    const single = lineChart({ ...line, series: [{ label: 'one', points: [{ x: 5, y: 5 }] }] });
    expect(single).not.toMatch(/NaN|Infinity/);
    expect(single.match(/<circle /g)).toHaveLength(1);
  });

  it('says no data, visibly and at full size, when no series has a point', () => {
    for (const series of [
      [],
      [{ label: 'empty', points: [] }],
      [{ label: 'nulls', points: [{ x: 1, y: null }] }],
    ]) {
      const empty = lineChart({ ...line, series });
      expect(XMLValidator.validate(empty)).toBe(true);
      expect(attr(empty, 'data-chart')).toBe('soak-p99');
      expect(attr(empty, 'data-empty')).toBe('true');
      expect(attr(empty, 'width')).toBe('720');
      expect(empty).toContain('>no data</text>');
      expect(empty).not.toContain('<polyline');
    }
  });

  it('thins a long series and says so in its title', () => {
    const n = reportChartPointsMax * 2 + 1;
    const long = lineChart({
      ...line,
      series: [{ label: 'long', points: Array.from({ length: n }, (_, i) => ({ x: i, y: i % 7 })) }],
    });
    const [drawn] = polylines(long);
    expect(drawn!.length).toBeLessThanOrEqual(reportChartPointsMax + 1);
    expect(long).toContain('long (1 point in 3 drawn)');
  });

  it('escapes every label it draws', () => {
    const hostile = lineChart({
      name: 'a"b',
      title: '<script>alert(1)</script>',
      xLabel: '<x>',
      yLabel: '&y',
      series: [
        {
          label: '<img src=x onerror=alert(1)>',
          points: [
            { x: 0, y: 1 },
            { x: 1, y: 2 },
          ],
        },
      ],
    });
    expect(XMLValidator.validate(hostile)).toBe(true);
    expect(hostile).not.toContain('<script');
    expect(hostile).not.toContain('<img');
    expect(hostile).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(attr(hostile, 'data-chart')).toBe('a&quot;b');
  });
});

describe('barChart', () => {
  const spec = {
    name: 'coverage-statements',
    title: 'Coverage',
    valueLabel: 'statements covered (%)',
    categories: ['engine/src/storage', 'engine/src/a-module-with-a-very-long-name'],
    series: [
      { label: 'unit', values: [80, 40] },
      { label: 'e2e', values: [20, null] },
    ],
    max: 100,
    unit: ' %',
  };
  const svg = barChart(spec);

  it('is well-formed SVG with an explicit size and its name', () => {
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(attr(svg, 'data-chart')).toBe('coverage-statements');
    const height = Number(attr(svg, 'height'));
    expect(height).toBeGreaterThan(0);
    expect(attr(svg, 'viewBox')).toBe(`0 0 720 ${height}`);
  });

  it('draws bars proportional to their values on a fixed axis, and n/a for a missing value', () => {
    const widths = bars(svg);
    const unitStorage = widths.get('engine/src/storage, unit')!;
    expect(widths.get('engine/src/storage, e2e')).toBeCloseTo(unitStorage / 4, 0);
    expect(widths.get('engine/src/a-module-with-a-very-long-name, unit')).toBeCloseTo(unitStorage / 2, 0);
    expect(svg).toContain('data-bar="engine/src/a-module-with-a-very-long-name, e2e"');
    expect(svg).toContain('>n/a</text>');
    expect(svg).toContain('>80 %</text>');
    expect(svg).toContain('>100</text>');
    // A long category label is cut, with the full name kept in its title.
    expect(svg).toContain('<title>engine/src/a-module-with-a-very-long-name</title>');
    expect(svg).toContain('engine/src/a-module-wit…');
  });

  it('scales to the data when no maximum is given', () => {
    const counts = barChart({
      name: 'crash-counts',
      title: 'Crashes',
      valueLabel: 'count',
      categories: ['kills', 'power losses'],
      series: [{ label: 'count', values: [50, 25] }],
    });
    const widths = bars(counts);
    expect(widths.get('kills, count')).toBeCloseTo(2 * widths.get('power losses, count')!, 0);
    expect(counts).toContain('>50</text>');
  });

  it('says no data when there is no category or no value', () => {
    for (const empty of [
      barChart({ ...spec, categories: [], series: [] }),
      barChart({ ...spec, series: [{ label: 'unit', values: [null, null] }] }),
    ]) {
      expect(XMLValidator.validate(empty)).toBe(true);
      expect(attr(empty, 'data-empty')).toBe('true');
      expect(Number(attr(empty, 'height'))).toBeGreaterThan(0);
      expect(empty).toContain('>no data</text>');
      expect(empty).not.toContain('data-bar');
    }
  });

  it('noDataChart keeps the name and size it is given', () => {
    const empty = noDataChart('x', 'X', 300, 100);
    expect(attr(empty, 'viewBox')).toBe('0 0 300 100');
    expect(empty).toContain('>no data</text>');
  });
});
