/**
 * `npm run bench:soak-floor`: the soak at a sustained 1M points/s of 1,000-point Arrow writes
 * against `omendb serve` and against the floor server (harness/src/baselines/floor-server.ts),
 * in alternating rounds, side by side. Prints the seed first.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HttpAdapter } from '../harness/src/adapters/http/adapter.ts';
import { selectAdapter } from '../harness/src/adapters/select-adapter.ts';
import { formatSoakFloorReport } from '../harness/src/baselines/soak-floor-report.ts';
import { runSoakFloor } from '../harness/src/baselines/soak-floor.ts';
import { parseParamArgument } from '../harness/src/runner/params.ts';
import { soak } from '../scenarios/soak.ts';

/** The soak of issue 12's acceptance: 1,111 operations/s, 90% 1,000-point writes, 9% point GETs. */
const sustainedIngestParams: Readonly<Record<string, string>> = {
  duration: '60s',
  rate: '1111',
  batchPoints: '1000',
  writeWeight: '90',
  getWeight: '9',
  rangeWeight: '0',
  aggregateWeight: '0',
  deleteWeight: '1',
  retentionKeys: '100000',
  inFlightMax: '256',
  intervalMs: '5000',
  warmupMs: '10000',
};

const usage =
  'Usage: npm run bench:soak-floor -- [--seed N] [--rounds N] [--duration 60s] [--param name=value]... [--omendb-url URL] [--out DIR]';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string' },
    param: { type: 'string', multiple: true, default: [] },
    out: { type: 'string' },
    // A running server instead of one spawned here (any build of it): credentials from
    // OMENDB_HARNESS_USER and OMENDB_HARNESS_PASSWORD, or OMENDB_HARNESS_TOKEN, as for the harness.
    'omendb-url': { type: 'string' },
  },
});
const omendbUrl = values['omendb-url'];
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 32) : Number(values.seed);
if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32)
  throw new RangeError(`--seed must be a uint32\n${usage}`);
console.log(`seed ${seed} (replay: npm run bench:soak-floor -- --seed ${seed})`);
const params = {
  ...sustainedIngestParams,
  ...Object.fromEntries(values.param.map(parseParamArgument)),
  ...(values.duration === undefined ? {} : { duration: values.duration }),
};
const outDir = values.out ?? (await mkdtemp(join(tmpdir(), 'omendb-soak-floor-')));
const report = await runSoakFloor({
  scenario: soak,
  omendb:
    omendbUrl === undefined
      ? selectAdapter('http-arrow', process.env)
      : () => new HttpAdapter({ url: omendbUrl, arrow: true }),
  omendbDescription:
    omendbUrl === undefined
      ? '`omendb serve` spawned by the http-arrow adapter (auth on, sync commit)'
      : `the server at ${omendbUrl}, as it was started`,
  seed,
  rounds: Number(values.rounds),
  params,
  outDir,
  log: (line) => process.stderr.write(`${line}\n`),
});
console.log(formatSoakFloorReport(report));
console.log(`results under ${outDir}`);
