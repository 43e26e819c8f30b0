import { seedFromEnv } from '../src/util/prng.ts';
import { allDistributionNames } from './distributions.ts';

/** The sections a run can measure; `--only` takes these and distribution names. */
export const sectionNames = ['ingest', 'memory', 'lookup', 'range', 'aggregate'] as const;
export type SectionName = (typeof sectionNames)[number];

export const pointsDefault = 1_000_000;
/** Point-lookup probes per pass; fewer when the data has fewer keys (then every key, shuffled). */
export const probesDefault = 1_000_000;
/** Passes per measurement; the tables quote the median pass (these machines are noisy). */
export const repeatsDefault = 5;
/** Range scans per pass. */
export const rangeScansDefault = 1000;
/**
 * Timed work per aggregate pass: a pass repeats its query until this much time is spent (at least
 * once), since one query takes from microseconds (block summaries) to half a second (SQL).
 */
export const aggregatePassMsDefault = 250;
/** Lookups per timed batch: see measure.ts for why lookups are timed in batches. */
export const lookupBatchOpsDefault = 64;
/** Untimed lookups before the first pass, so every contender is measured with optimized code. */
export const warmupOpsDefault = 20_000;

export interface BenchConfig {
  readonly points: number;
  readonly seed: number;
  readonly probes: number;
  readonly repeats: number;
  readonly rangeScans: number;
  readonly aggregatePassMs: number;
  readonly lookupBatchOps: number;
  readonly warmupOps: number;
  /** Sections and distributions to run; undefined runs everything. */
  readonly only: ReadonlySet<string> | undefined;
  readonly json: string | undefined;
  /** Progress lines (the tables are returned, not logged). */
  readonly log: (line: string) => void;
}

const numericOptions = {
  points: 'points',
  seed: 'seed',
  probes: 'probes',
  repeats: 'repeats',
  'range-scans': 'rangeScans',
  'aggregate-pass-ms': 'aggregatePassMs',
  'batch-ops': 'lookupBatchOps',
  'warmup-ops': 'warmupOps',
} as const;

export const usage = `Usage: npm run bench -- [--points N] [--seed S] [--json FILE] [--only NAME[,NAME...]]
  [--probes N] [--repeats N] [--range-scans N] [--aggregate-pass-ms N] [--batch-ops N] [--warmup-ops N]
NAME: a section (${sectionNames.join(', ')}) or a distribution (${allDistributionNames.join(', ')})`;

/** Parses the command line; throws a RangeError with the usage on anything it does not know. */
export function parseArgs(argv: readonly string[], log: (line: string) => void): BenchConfig {
  const numbers: Record<string, number> = {};
  let json: string | undefined;
  let only: Set<string> | undefined;
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    if (value === undefined) throw new RangeError(`${flag} needs a value\n${usage}`);
    const name = flag.replace(/^--/, '');
    if (name === 'json') {
      json = value;
    } else if (name === 'only') {
      only = new Set(value.split(',').filter((part) => part.length > 0));
      const known = new Set<string>([...sectionNames, ...allDistributionNames]);
      for (const part of only) if (!known.has(part)) throw new RangeError(`unknown --only ${part}\n${usage}`);
    } else if (name in numericOptions) {
      const parsed = Number(value.replaceAll('_', ''));
      const minimum = name === 'seed' || name === 'warmup-ops' ? 0 : 1;
      if (!Number.isSafeInteger(parsed) || parsed < minimum)
        throw new RangeError(`${flag} needs an integer >= ${minimum}\n${usage}`);
      numbers[numericOptions[name as keyof typeof numericOptions]] = parsed;
    } else {
      throw new RangeError(`unknown option ${flag}\n${usage}`);
    }
  }
  return {
    points: numbers.points ?? pointsDefault,
    seed: numbers.seed !== undefined ? numbers.seed >>> 0 : seedFromEnv(),
    probes: numbers.probes ?? probesDefault,
    repeats: numbers.repeats ?? repeatsDefault,
    rangeScans: numbers.rangeScans ?? rangeScansDefault,
    aggregatePassMs: numbers.aggregatePassMs ?? aggregatePassMsDefault,
    lookupBatchOps: numbers.lookupBatchOps ?? lookupBatchOpsDefault,
    warmupOps: numbers.warmupOps ?? warmupOpsDefault,
    only,
    json,
    log,
  };
}

/** Whether a section runs for a distribution under `--only`. */
export function selected(config: BenchConfig, section: SectionName, distribution: string): boolean {
  const only = config.only;
  if (only === undefined) return true;
  const sectionsNamed = sectionNames.some((name) => only.has(name));
  const distributionsNamed = allDistributionNames.some((name) => only.has(name));
  return (!sectionsNamed || only.has(section)) && (!distributionsNamed || only.has(distribution));
}
