/** Options of `npm run bench:http`, with the defaults the closing figures use. */
export interface HttpLoadConfig {
  readonly seed: number;
  /** Points preloaded into the series that the GET test reads. */
  readonly points: number;
  readonly passes: number;
  readonly durationS: number;
  readonly connections: number;
  readonly pointsPerPost: number;
  /** The open-loop pass (sustained.ts): POSTs per second, and point GETs per second beside them. */
  readonly sustainedPostsPerS: number;
  readonly sustainedGetsPerS: number;
  readonly json: string | undefined;
}

export const httpLoadDefaults = {
  points: 100_000,
  passes: 3,
  durationS: 5,
  connections: 50,
  pointsPerPost: 1000,
  // 1,000 POSTs of 1,000 points: the sustained 1M points/s.
  sustainedPostsPerS: 1000,
  sustainedGetsPerS: 100,
} as const;

/** Bounds that keep a typo from running for hours. */
const limits = {
  points: 10_000_000,
  passes: 20,
  durationS: 120,
  connections: 1000,
  pointsPerPost: 100_000,
  sustainedPostsPerS: 10_000,
  sustainedGetsPerS: 10_000,
};

export const httpLoadUsage =
  'Usage: npm run bench:http -- [--points N] [--passes N] [--duration S] [--connections N] [--points-per-post N] [--sustained-posts-per-s N] [--sustained-gets-per-s N] [--seed S] [--json FILE] [--quick]';

export function parseHttpLoadArgs(argv: readonly string[]): HttpLoadConfig {
  const values = new Map<string, string>();
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') quick = true;
    else if (arg.startsWith('--') && argv[i + 1] !== undefined) values.set(arg.slice(2), argv[++i]!);
    else throw new RangeError(`unknown argument ${arg}\n${httpLoadUsage}`);
  }
  const number = (name: string, fallback: number, max: number): number => {
    const text = values.get(name);
    values.delete(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1 || value > max)
      throw new RangeError(`--${name} must be 1..${max}`);
    return value;
  };
  const base = quick
    ? {
        points: 2000,
        passes: 1,
        durationS: 1,
        connections: 10,
        pointsPerPost: 1000,
        sustainedPostsPerS: 100,
        sustainedGetsPerS: 20,
      }
    : httpLoadDefaults;
  const config = {
    seed: number('seed', Math.floor(Math.random() * 2 ** 32), 2 ** 32),
    points: number('points', base.points, limits.points),
    passes: number('passes', base.passes, limits.passes),
    durationS: number('duration', base.durationS, limits.durationS),
    connections: number('connections', base.connections, limits.connections),
    pointsPerPost: number('points-per-post', base.pointsPerPost, limits.pointsPerPost),
    sustainedPostsPerS: number('sustained-posts-per-s', base.sustainedPostsPerS, limits.sustainedPostsPerS),
    sustainedGetsPerS: number('sustained-gets-per-s', base.sustainedGetsPerS, limits.sustainedGetsPerS),
    json: values.get('json'),
  };
  values.delete('json');
  if (values.size > 0) throw new RangeError(`unknown option --${[...values.keys()][0]}\n${httpLoadUsage}`);
  return config;
}
