/** The help texts: `omendb-harness --help`, `run --help`, `list --help`. */

export const mainUsage = `omendb-harness: run scenarios against an engine and write their results

Usage:
  omendb-harness run <scenario...> [options]   run scenarios; write DIR/<scenario>.json
  omendb-harness list [--json]                 describe every scenario and its parameters
  omendb-harness <command> --help              help for a command

Exit codes: 0 every check passed (a skipped scenario counts as passed, and says so),
1 a check failed, 2 a scenario crashed, 64 bad usage.
`;

export const runUsage = `Usage: omendb-harness run <scenario...> [--engine E] [--profile P] [--seed N] [--out DIR] [--param k=v ...]

Runs each scenario in turn and writes DIR/<scenario>.json (validated against the result schema)
with its evidence under DIR/<scenario>/. The seed is printed first: pass it back to replay.

Options:
  --engine E     embedded (default): OmenDB in process, on a temporary directory
                 embedded-sim: OmenDB in process over its simulated file system (power loss)
                 http: an OmenDB server spawned on a temporary directory
                 http://host:port, https://host:port: a server that is already running;
                   credentials from OMENDB_HARNESS_USER and OMENDB_HARNESS_PASSWORD, or
                   OMENDB_HARNESS_TOKEN; the CA of an https server from OMENDB_HARNESS_CA
                 sqlite: the SQLite reference engine (better-sqlite3, WAL, synchronous=FULL)
                 model: the in-memory model
  --profile P    ci (default), nightly or release: the parameter defaults to use
  --seed N       an integer from 0 to 4294967295 (default OMENDB_SEED, else random)
  --out DIR      the output directory (default reports/harness)
  --param k=v    override a parameter (repeatable); \`omendb-harness list\` shows them
  -h, --help     this help
`;

export const listUsage = `Usage: omendb-harness list [--json]

Describes every scenario: name, category, required capabilities, and each parameter with its
description, bounds and default per profile (ci, nightly, release).

Options:
  --json         print the descriptions as JSON
  -h, --help     this help
`;
