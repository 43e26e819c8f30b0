import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CapabilityName, EngineAdapter } from '../adapter.ts';
import { rejectsWithCode } from './assertions.ts';
import type { ConformanceCase } from './conformance-case.ts';

// These cases get the adapter unopened: the state machine is what they test.

const series = 'conf.lifecycle';

/** The operations that need an open adapter, with the capability each needs (if any). */
const stateful: readonly {
  name: string;
  needs?: CapabilityName;
  call: (a: EngineAdapter) => Promise<unknown>;
}[] = [
  { name: 'write', call: (a) => a.write(series, [[1n, 1]]) },
  { name: 'get', call: (a) => a.get(series, 1n) },
  { name: 'range', call: (a) => a.range(series) },
  { name: 'deleteRange', call: (a) => a.deleteRange(series) },
  { name: 'listSeries', call: (a) => a.listSeries() },
  { name: 'dropSeries', call: (a) => a.dropSeries(series) },
  { name: 'aggregate', needs: 'aggregates', call: (a) => a.aggregate(series) },
  { name: 'checkpoint', needs: 'checkpoint', call: (a) => a.checkpoint() },
  { name: 'restart', needs: 'restartable', call: (a) => a.restart() },
  { name: 'metrics', needs: 'metrics', call: (a) => a.metrics() },
  { name: 'dataDirectory', needs: 'dataDirectory', call: async (a) => a.dataDirectory() },
];

/** One call per capability that has a method: without the capability it must be refused. */
const capabilityCalls: readonly { needs: CapabilityName; call: (a: EngineAdapter) => unknown }[] = [
  { needs: 'restartable', call: (a) => a.restart() },
  { needs: 'killable', call: (a) => a.kill() },
  { needs: 'pausable', call: (a) => a.pause() },
  { needs: 'pausable', call: (a) => a.resume() },
  { needs: 'simulatedPowerLoss', call: (a) => a.powerLoss(1) },
  { needs: 'aggregates', call: (a) => a.aggregate(series) },
  { needs: 'checkpoint', call: (a) => a.checkpoint() },
  { needs: 'process', call: (a) => a.processInfo() },
  { needs: 'http', call: (a) => a.httpEndpoint() },
  { needs: 'metrics', call: (a) => a.metrics() },
  { needs: 'dataDirectory', call: (a) => a.dataDirectory() },
];

async function assertRefusedWhenNotOpen(adapter: EngineAdapter, when: string): Promise<void> {
  assert.equal(adapter.isOpen, false);
  for (const operation of stateful) {
    if (operation.needs !== undefined && !adapter.capabilities[operation.needs]) continue;
    await rejectsWithCode(
      () => operation.call(adapter),
      'OMENDB_ERR_HARNESS_ADAPTER_STATE',
      `${operation.name} ${when}`,
    );
  }
}

export const lifecycleCases: readonly ConformanceCase[] = [
  {
    name: 'lifecycle: every operation before open is OMENDB_ERR_HARNESS_ADAPTER_STATE',
    opens: false,
    async run(adapter) {
      await assertRefusedWhenNotOpen(adapter, 'before open');
    },
  },
  {
    name: 'lifecycle: every operation after close is OMENDB_ERR_HARNESS_ADAPTER_STATE',
    opens: false,
    async run(adapter) {
      await adapter.open();
      await adapter.write(series, [[1n, 1]]);
      await adapter.close();
      await assertRefusedWhenNotOpen(adapter, 'after close');
    },
  },
  {
    name: 'lifecycle: close is idempotent, also before open',
    opens: false,
    async run(adapter) {
      await adapter.close();
      await adapter.open();
      assert.equal(adapter.isOpen, true);
      await adapter.close();
      await adapter.close();
      assert.equal(adapter.isOpen, false);
    },
  },
  {
    name: 'lifecycle: open twice is OMENDB_ERR_HARNESS_ADAPTER_STATE and leaves it open',
    opens: false,
    async run(adapter) {
      await adapter.open();
      await rejectsWithCode(() => adapter.open(), 'OMENDB_ERR_HARNESS_ADAPTER_STATE', 'second open');
      await adapter.write(series, [[1n, 1]]);
      assert.equal(await adapter.get(series, 1n), 1);
    },
  },
  {
    name: 'lifecycle: describe names the engine, its version and the adapter',
    async run(adapter) {
      const description = await adapter.describe();
      for (const field of ['engine', 'version', 'adapter'] as const) {
        assert.equal(typeof description[field], 'string', field);
        assert.ok(description[field].length > 0, `${field} is empty`);
      }
    },
  },
  {
    name: 'lifecycle: dataDirectory names a directory that holds the data written',
    requires: ['dataDirectory'],
    async run(adapter) {
      await adapter.write(series, [[1n, 1]]);
      if (adapter.capabilities.checkpoint) await adapter.checkpoint();
      const dir = adapter.dataDirectory();
      assert.ok((await stat(dir)).isDirectory(), `${dir} is a directory`);
      const files = await readdir(dir, { recursive: true, withFileTypes: true });
      const sizes = await Promise.all(
        files.filter((f) => f.isFile()).map(async (f) => (await stat(join(f.parentPath, f.name))).size),
      );
      assert.ok(
        sizes.some((size) => size > 0),
        `${dir} holds no file with data`,
      );
    },
  },
  {
    name: 'lifecycle: a call needing a capability the adapter lacks is OMENDB_ERR_HARNESS_CAPABILITY',
    async run(adapter) {
      for (const { needs, call } of capabilityCalls) {
        if (adapter.capabilities[needs]) continue;
        await rejectsWithCode(() => call(adapter), 'OMENDB_ERR_HARNESS_CAPABILITY', `without ${needs}`);
      }
    },
  },
];
