import { parseArgs } from './config.ts';
import { formatReport, writeJsonReport } from './report.ts';
import { runBench } from './suite.ts';

/**
 * `npm run bench -- [options]`: prints the seed first (every key, value and probe derives from
 * it), progress on stderr while it runs, then the tables on stdout.
 */
export async function main(argv: readonly string[]): Promise<void> {
  const config = parseArgs(argv, (line) => process.stderr.write(`${line}\n`));
  console.log(
    `seed ${config.seed} (replay: npm run bench -- --seed ${config.seed} --points ${config.points})`,
  );
  const report = await runBench(config);
  console.log(formatReport(report));
  if (config.json !== undefined) {
    await writeJsonReport(config.json, report);
    console.log(`JSON written to ${config.json}`);
  }
}
