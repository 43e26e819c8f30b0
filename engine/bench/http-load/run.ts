/**
 * `npm run bench:http`: the standalone server under load on loopback, side by side with a bare
 * fastify route measured in the same run. Prints the seed first.
 */
import { parseHttpLoadArgs } from './http-load-config.ts';
import { formatHttpLoadReport, writeHttpLoadJson } from './http-load-report.ts';
import { runHttpLoad } from './http-load-suite.ts';

const config = parseHttpLoadArgs(process.argv.slice(2));
console.log(`seed ${config.seed} (replay: npm run bench:http -- --seed ${config.seed})`);
const report = await runHttpLoad(config, (line) => process.stderr.write(`${line}\n`));
console.log(formatHttpLoadReport(report));
if (config.json !== undefined) {
  await writeHttpLoadJson(config.json, report);
  console.log(`JSON written to ${config.json}`);
}
