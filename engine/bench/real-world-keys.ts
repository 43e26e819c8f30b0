import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parquetRead } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { KeySet } from './distributions.ts';

/**
 * (d) A real-world irregular key set, from an npm package (installed by npm ci, nothing
 * downloaded at run time): `vega-datasets` ships data/flights-3m.parquet, the departures of
 * 3,000,000 US domestic flights from January to June 2001, at minute resolution. Each flight
 * becomes one key: its departure minute in epoch milliseconds plus its rank among the flights
 * of that minute (at most a few hundred, far below the 60,000 ms to the next minute), so keys
 * are unique and keep the data's own shape: busy days, quiet nights, bursts on the hour.
 * Values are the flights' delays in minutes.
 */
export const flightsSource = 'vega-datasets data/flights-3m.parquet (US flight departures, Jan-Jun 2001)';
export const flightsRowsMax = 3_000_000;

export async function loadFlightKeySet(points: number): Promise<KeySet> {
  // The package exports only its code; its data files sit beside it, in data/.
  const main = createRequire(import.meta.url).resolve('vega-datasets');
  const path = join(dirname(dirname(main)), 'data', 'flights-3m.parquet');
  const bytes = await readFile(path);
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const dates: Date[] = [];
  const delays: number[] = [];
  await parquetRead({
    file,
    columns: ['date', 'delay'],
    rowEnd: Math.min(points, flightsRowsMax),
    compressors,
    rowFormat: 'array',
    onComplete: (rows: unknown[][]) => {
      for (const [date, delay] of rows) {
        dates.push(date as Date);
        delays.push(Number(delay));
      }
    },
  });
  const order = dates.map((_, i) => i).sort((a, b) => dates[a]!.getTime() - dates[b]!.getTime() || a - b);
  const keys = new BigInt64Array(order.length);
  const values = new Float64Array(order.length);
  let previousMinute = Number.NaN;
  let rank = 0;
  for (let i = 0; i < order.length; i++) {
    const minute = dates[order[i]!]!.getTime();
    rank = minute === previousMinute ? rank + 1 : 0;
    previousMinute = minute;
    keys[i] = BigInt(minute + rank);
    values[i] = delays[order[i]!]!;
  }
  for (let i = 1; i < keys.length; i++) {
    if (keys[i]! <= keys[i - 1]!) throw new Error(`flight keys not strictly increasing at ${i}`);
  }
  return { distribution: 'flights', keys, values };
}
