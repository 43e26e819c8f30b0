/** Writes M points durably (sync 'commit') to an existing directory, then SIGKILLs itself. */
import { openEngine } from '../engine/src/storage/engine.ts';

const [dir, pointsArg] = process.argv.slice(2);
const points = Number(pointsArg);
const engine = await openEngine({ dir: dir!, autoMaintenance: false });
const batch = 10_000;
for (let first = 0; first < points; first += batch) {
  const count = Math.min(batch, points - first);
  const keys = new BigInt64Array(count);
  const values = new Float64Array(count);
  // Keys after the existing ones: 2e12 and up, so nothing overlaps.
  for (let i = 0; i < count; i++) keys[i] = 2_000_000_000_000n + BigInt(first + i);
  await engine.writeColumns('one', keys, values);
}
process.kill(process.pid, 'SIGKILL');
