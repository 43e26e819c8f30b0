import * as esmArrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { arrowStreamBytes, pointsTable } from '../../src/query/arrow-io.ts';
import { arrowNow, arrowOf, loadArrow, loadedArrow } from '../../src/query/arrow-module.ts';

// One module state per test file: the tests run in order, before and after loadArrow.
describe('apache-arrow loaded on first use', () => {
  it('before loadArrow, the synchronous path takes the CommonJS build, which the ESM tableToIPC refuses', async () => {
    expect(loadedArrow()).toBeUndefined();
    const commonJs = arrowNow();
    expect(commonJs).not.toBe(esmArrow);
    expect(commonJs.Table.prototype).not.toBe(esmArrow.Table.prototype);
    expect(arrowNow()).toBe(commonJs);
    const table = pointsTable(BigInt64Array.of(1n, 5n), Float64Array.of(0.5, 2));
    expect(arrowOf(table)).toBe(commonJs);
    // Why arrowStreamBytes picks each Table's own build: the other build encodes it into bytes
    // that no reader accepts (its visitors do not recognise the other build's types).
    expect(() => esmArrow.tableFromIPC(esmArrow.tableToIPC(table, 'stream'))).toThrow();
    const decoded = esmArrow.tableFromIPC(await arrowStreamBytes(table));
    expect(Array.from(decoded.getChild('key')!.toArray() as BigInt64Array)).toEqual([1n, 5n]);
    expect(Array.from(decoded.getChild('value')!.toArray() as Float64Array)).toEqual([0.5, 2]);
  });

  it('loadArrow imports the ESM build once, and Tables are built with it from then on', async () => {
    const loading = loadArrow();
    expect(loadArrow()).toBe(loading);
    expect(await loading).toBe(esmArrow);
    expect(loadedArrow()).toBe(esmArrow);
    expect(arrowNow()).toBe(esmArrow);
    const table = pointsTable(BigInt64Array.of(3n), Float64Array.of(4));
    expect(arrowOf(table)).toBe(esmArrow);
    const viaCaller = esmArrow.tableFromIPC(esmArrow.tableToIPC(table, 'stream'));
    expect(Array.from(viaCaller.getChild('key')!.toArray() as BigInt64Array)).toEqual([3n]);
    const decoded = esmArrow.tableFromIPC(await arrowStreamBytes(table));
    expect(Array.from(decoded.getChild('value')!.toArray() as Float64Array)).toEqual([4]);
  });

  it('a Table of neither build is encoded with the ESM build', async () => {
    expect(arrowOf({})).toBeUndefined();
    // A subclass has its own prototype: arrowOf does not claim it, arrowStreamBytes still encodes it.
    class Derived extends esmArrow.Table {}
    const base = pointsTable(BigInt64Array.of(7n), Float64Array.of(8));
    const derived = new Derived(base.schema, base.batches);
    expect(arrowOf(derived)).toBeUndefined();
    const decoded = esmArrow.tableFromIPC(await arrowStreamBytes(derived));
    expect(decoded.numRows).toBe(1);
  });
});
