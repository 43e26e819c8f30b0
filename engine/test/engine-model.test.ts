import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimFileSystem } from '../src/fs/sim-file-system.ts';
import { type Engine, openEngine } from '../src/engine.ts';
import { keyMax, keyMin } from '../src/storage/keys.ts';
import { silentLogger } from '../src/storage/logger.ts';
import { createPrng } from '../src/util/prng.ts';
import { engineFingerprint, MapModel } from '../src/testing/map-model.ts';
import { fcSeed } from './support/seeds.ts';

/**
 * Model-based test: fast-check generates command sequences (writes, deletes, drops, reads,
 * checkpoints, compactions, clean reopen, simulated crash) run against the engine and a Map
 * model side by side. Under sync 'commit' a crash after an awaited command loses nothing, so
 * the model is unchanged by it.
 */
const numRuns = Number(process.env.OMENDB_MODEL_RUNS ?? 200);
const dir = '/db';

interface Real {
  fs: SimFileSystem;
  engine: Engine;
}

type Command = fc.AsyncCommand<MapModel, Real>;

const seriesArb = fc.constantFrom('a', 'b', 'c.d');
const keyArb = fc.oneof(
  { weight: 8, arbitrary: fc.bigInt(-20n, 40n) },
  { weight: 1, arbitrary: fc.constantFrom(keyMin, keyMin + 1n, keyMax - 1n, keyMax) },
  { weight: 1, arbitrary: fc.bigInt(keyMin, keyMax) },
);
const valueArb = fc.double({ noNaN: true, noDefaultInfinity: true });

const open = (fs: SimFileSystem): Promise<Engine> =>
  openEngine({ dir, fs, logger: silentLogger, memtableBytesMax: 4096, compactionSegmentsTrigger: 3 });

class WriteCommand implements Command {
  constructor(
    readonly series: string,
    readonly points: [bigint, number][],
  ) {}
  check = () => true;
  async run(model: MapModel, real: Real) {
    await real.engine.write(this.series, this.points);
    model.apply({ kind: 'put', series: this.series, points: this.points });
  }
  toString = () => `write(${this.series}, ${this.points.length} points)`;
}

class DeleteRangeCommand implements Command {
  constructor(
    readonly series: string,
    readonly from: bigint,
    readonly to: bigint,
  ) {}
  check = () => true;
  async run(model: MapModel, real: Real) {
    await real.engine.deleteRange(this.series, this.from, this.to);
    model.apply({ kind: 'deleteRange', series: this.series, from: this.from, to: this.to });
  }
  toString = () => `deleteRange(${this.series}, ${this.from}, ${this.to})`;
}

class DropCommand implements Command {
  constructor(readonly series: string) {}
  check = () => true;
  async run(model: MapModel, real: Real) {
    await real.engine.dropSeries(this.series);
    model.apply({ kind: 'dropSeries', series: this.series });
  }
  toString = () => `dropSeries(${this.series})`;
}

class GetCommand implements Command {
  constructor(
    readonly series: string,
    readonly key: bigint,
  ) {}
  check = () => true;
  async run(model: MapModel, real: Real) {
    expect(await real.engine.get(this.series, this.key)).toBe(model.get(this.series, this.key));
  }
  toString = () => `get(${this.series}, ${this.key})`;
}

class RangeCommand implements Command {
  constructor(
    readonly series: string,
    readonly from: bigint,
    readonly to: bigint,
    readonly limit: number,
  ) {}
  check = () => true;
  async run(model: MapModel, real: Real) {
    const expected = model.range(this.series, this.from, this.to);
    const actual: [bigint, number][] = [];
    let after: bigint | undefined;
    for (let page = 0; page <= expected.length + 1; page++) {
      const result = await real.engine.range(this.series, this.from, this.to, {
        limit: this.limit,
        ...(after === undefined ? {} : { after }),
      });
      expect(result.points.length).toBeLessThanOrEqual(this.limit);
      actual.push(...result.points);
      if (result.next === null) break;
      after = result.next;
    }
    expect(actual).toEqual(expected);
  }
  toString = () => `range(${this.series}, ${this.from}, ${this.to}, limit ${this.limit})`;
}

class ListCommand implements Command {
  check = () => true;
  async run(model: MapModel, real: Real) {
    expect(await real.engine.listSeries()).toEqual(model.listSeries());
  }
  toString = () => 'listSeries()';
}

class CheckpointCommand implements Command {
  check = () => true;
  async run(_model: MapModel, real: Real) {
    await real.engine.checkpoint();
  }
  toString = () => 'checkpoint()';
}

class CompactCommand implements Command {
  check = () => true;
  async run(_model: MapModel, real: Real) {
    await real.engine.compact();
  }
  toString = () => 'compact()';
}

class ReopenCommand implements Command {
  check = () => true;
  async run(model: MapModel, real: Real) {
    await real.engine.close();
    real.engine = await open(real.fs);
    expect(await engineFingerprint(real.engine)).toBe(model.fingerprint());
  }
  toString = () => 'close(); open()';
}

class CrashCommand implements Command {
  constructor(readonly seed: number) {}
  check = () => true;
  async run(model: MapModel, real: Real) {
    // Every command before this one was acknowledged under sync 'commit': nothing may be lost.
    real.fs = real.fs.crash(createPrng(this.seed));
    real.engine = await open(real.fs);
    expect(await engineFingerprint(real.engine)).toBe(model.fingerprint());
  }
  toString = () => `crash(${this.seed})`;
}

const commands = [
  fc
    .tuple(seriesArb, fc.array(fc.tuple(keyArb, valueArb), { minLength: 1, maxLength: 30 }))
    .map(([s, points]) => new WriteCommand(s, points)),
  fc
    .tuple(seriesArb, keyArb, fc.bigInt(0n, 30n))
    .map(
      ([s, from, width]) => new DeleteRangeCommand(s, from, from + width > keyMax ? keyMax : from + width),
    ),
  seriesArb.map((s) => new DropCommand(s)),
  fc.tuple(seriesArb, keyArb).map(([s, k]) => new GetCommand(s, k)),
  fc
    .tuple(seriesArb, keyArb, keyArb, fc.integer({ min: 1, max: 20 }))
    .map(([s, a, b, limit]) => new RangeCommand(s, a < b ? a : b, a < b ? b : a, limit)),
  fc.constant(new ListCommand()),
  fc.constant(new CheckpointCommand()),
  fc.constant(new CompactCommand()),
  fc.constant(new ReopenCommand()),
  fc.integer({ min: 0, max: 2 ** 31 }).map((seed) => new CrashCommand(seed)),
];

describe('engine against a Map model', () => {
  it(`agrees with the model over ${numRuns} runs of up to 100 commands`, async () => {
    const seed = fcSeed();
    const lengths: number[] = [];
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 100, size: 'max' }), async (cmds) => {
        lengths.push([...cmds].length);
        const fs = new SimFileSystem();
        await fs.mkdir(dir);
        const real: Real = { fs, engine: await open(fs) };
        try {
          await fc.asyncModelRun(() => ({ model: new MapModel(), real }), cmds);
        } finally {
          await real.engine.close().catch(() => undefined);
        }
      }),
      { numRuns, seed, ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}) },
    );
    const mean = lengths.reduce((a, b) => a + b, 0) / lengths.length;
    console.log(
      `model test: ${lengths.length} runs, commands per run mean ${mean.toFixed(1)}, max ${Math.max(...lengths)}`,
    );
    expect(Math.max(...lengths)).toBeGreaterThan(50);
  });
});
