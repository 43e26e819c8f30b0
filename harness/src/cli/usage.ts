/** The help texts: `omendb-harness --help`, `run --help`, `list --help`. */

export const mainUsage = `omendb-harness: run scenarios against an engine and write their results

Usage:
  omendb-harness run <scenario...> [options]   run scenarios; write DIR/<scenario>.json
  omendb-harness list [--json]                 describe every scenario and its parameters
  omendb-harness compare A.json B.json         every shared metric of two results, side by side
  omendb-harness report-soak DIR               the soak report of a run directory, finished or not
  omendb-harness report --in DIR [--out DIR]   the readiness report of one or more run directories
  omendb-harness gate --report readiness.json  exit 1 when a category is below its required score
  omendb-harness <command> --help              help for a command

Exit codes: 0 every check passed (a skipped scenario counts as passed, and says so),
1 a check failed, 2 a scenario crashed, 64 bad usage.
`;

export const runUsage = `Usage: omendb-harness run <scenario...> [--engine E] [--profile P] [--seed N] [--out DIR] [--param k=v ...]
                           [--duration D] [--coverage] [--shard i/n]

Runs each scenario in turn and writes DIR/<scenario>.json (validated against the result schema)
with its evidence under DIR/<scenario>/. The seed is printed first: pass it back to replay.

Options:
  --engine E     embedded (default): OmenDB in process, on a temporary directory
                 embedded-sim: OmenDB in process over its simulated file system (power loss)
                 http: an OmenDB server spawned on a temporary directory (JSON bodies)
                 http-arrow: the same, with bodies and range pages as Arrow IPC streams
                 http://host:port, https://host:port: a server that is already running;
                   credentials from OMENDB_HARNESS_USER and OMENDB_HARNESS_PASSWORD, or
                   OMENDB_HARNESS_TOKEN; the CA of an https server from OMENDB_HARNESS_CA
                 sqlite: the SQLite reference engine (better-sqlite3, WAL, synchronous=FULL)
                 model: the in-memory model
                 broken:NAME: a canary, an honest engine with one defect put in on purpose
                   (drop-every-nth-write, zero-for-absent, stale-after-restart on embedded;
                   ack-before-fsync on embedded-sim; grant-everything: a proxy in front of a
                   spawned server that lets every caller act as the admin)
  --profile P    ci (default), nightly or release: the parameter defaults to use
  --seed N       an integer from 0 to 4294967295 (default OMENDB_SEED, else random)
  --out DIR      the output directory (default reports/harness)
  --param k=v    override a parameter (repeatable); \`omendb-harness list\` shows them
  --duration D   the same as --param duration=D (60s, 30m, 24h): how long a soak runs
  --coverage     run every process under NODE_V8_COVERAGE (the harness re-runs itself); writes
                 DIR/coverage/e2e/coverage-final.json and coverage-summary.json (engine/src)
  --shard i/n    run only the scenarios whose index in the list is i-1 modulo n
  -h, --help     this help
`;

export const listUsage = `Usage: omendb-harness list [--json]

Describes every scenario: name, category, required capabilities, and each parameter with its
description, bounds and default per profile (ci, nightly, release).

Options:
  --json         print the descriptions as JSON
  -h, --help     this help
`;

export const compareUsage = `Usage: omendb-harness compare A.json B.json [--fail-below R] [--only REGEX] [--json]

Every numeric metric two results share (dotted paths such as one.ingestPointsPerSec or
latencyMs.one.write.p99), side by side: A, B, A/B, and A's advantage, how many times better A
is in the direction the metric's name says is better (higher for ...PerSec and throughput; lower
for ...Ms, ...Seconds, ...Bytes, bytesPerPoint and latency percentiles; no direction otherwise,
and those are never gated). The header says which engine, profile and point count each was.

Options:
  --fail-below R  exit 1 when a directed metric's advantage is below R (e.g. 0.5: A may be at
                  most twice as bad as B), listing them
  --only REGEX    compare only the metrics whose path matches REGEX
  --json          print the comparison as JSON
  -h, --help      this help

Exit codes: 0 compared (and nothing below R), 1 a metric below R, 64 bad usage (a file that
cannot be read or is not a valid result).
`;

export const reportSoakUsage = `Usage: omendb-harness report-soak DIR [--json] [--param k=v ...]

The soak report of a run, finished or cut short (a run killed after 20 hours yields the report of
those 20 hours). DIR is a run output directory (its soak/intervals.jsonl) or the soak's evidence
directory. Prints the duration covered and the verdicts (value, threshold, pass), and writes
soak-report.json beside the interval file. A torn last line (the harness killed while writing it)
is skipped; a run without its final verification fails the verification verdict.

Options:
  --json         print the report as JSON
  --param k=v    override a verdict threshold (repeatable): warmupMs, leakMbPerHourMax,
                 diskMbPerHourMax, leakR2Min,
                 driftMax, driftWindowShare, errorRateMax, achievedRateShareMin; by default the
                 thresholds are those the run was started with
  -h, --help     this help

Exit codes: 0 every verdict passed, 1 a verdict failed, 64 bad usage (no interval file in DIR).
`;

export const gateUsage = `Usage: omendb-harness gate --report readiness.json [--policy FILE] [--min SCORE] [--baseline FILE] [--max-regression POINTS] [--junit FILE]

The CI gate over a readiness report (written by \`omendb-harness report\`). Passes when every
gating category scores at least its required score, every check with its own required score
reaches it, and, with --baseline, no category dropped more than the tolerance. Informational
categories are judged and shown but never fail the gate. A category the policy or the baseline has
and the report lacks fails (no evidence). Prints the category table, then each failing category and
check with its value and threshold.

Options:
  --report FILE          the readiness.json to judge (required)
  --policy FILE          take the required scores and informational flags from this policy instead
                         of those recorded in the report
  --min SCORE            every gating category must also score at least SCORE (0-100)
  --baseline FILE        a previous readiness.json: a category scoring lower than it did there fails
  --max-regression P     points a category may drop against --baseline (default 0: any drop fails)
  --junit FILE           also write the checks as JUnit XML: one testsuite per category, one
                         testcase per check, plus one per category-level gate
  -h, --help             this help

Exit codes: 0 the gate passed, 1 it failed, 64 bad usage (a report, baseline or policy that cannot
be read or has the wrong shape).
`;

export const reportUsage = `Usage: omendb-harness report --in DIR [--in DIR2 ...] [--baseline previous.json] [--policy FILE] [--out DIR]

The readiness report of one or more run directories, merged (a CI that shards scenarios over
machines gets one report): every scenario result found under them (any .json the result schema
accepts), the test runner's JSON results (tests/*.json), coverage (coverage/unit/, coverage/e2e/),
and the static facts the policy names, verified now. Each check of the policy gets a score from 0
to 100; a check whose evidence is missing scores 0 and says 'no evidence'. Writes readiness.json
(schema-validated), readiness.md and readiness.html to --out, prints the category table and the
path of the HTML report.

Options:
  --in DIR          a run directory (repeatable; at least one)
  --baseline FILE   a previous readiness.json: its scores become 'previous', and drops of more
                    than 1 point are flagged as regressions
  --policy FILE     the readiness policy (default scenarios/readiness.policy.json)
  --out DIR         the output directory (default reports/readiness)
  -h, --help        this help

Exit codes: 0 the report was written, whatever its scores (\`omendb-harness gate\` judges them),
64 bad usage (a missing directory, an invalid policy or baseline).
`;
