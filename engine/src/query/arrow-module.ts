import { createRequire } from 'node:module';

/**
 * apache-arrow, loaded when it is first needed rather than at start: it is the largest import of
 * the engine (about 200 ms of a server start that has 600 ms), and a server on an empty directory
 * needs none of it to listen. OmenDB reads Arrow with its own bounded reader
 * (arrow-ipc-reader.ts); apache-arrow only builds Tables for callers and encodes IPC bytes.
 *
 * Two copies may be in play. The ESM build is the one callers import, so a Table handed to a
 * caller must come from it (apache-arrow's visitors use instanceof: its own tableToIPC refuses a
 * Table of the CommonJS build). It can only be loaded asynchronously (loadArrow). Code that must
 * stay synchronous and only produces bytes (encoding a segment, in the worker thread or in an
 * in-thread job) takes the ESM build if it is already loaded, otherwise the CommonJS build, which
 * `require` loads on the spot: the bytes are the same.
 */
export type ArrowModule = typeof import('apache-arrow');

let esm: ArrowModule | undefined;
let esmLoading: Promise<ArrowModule> | undefined;
let commonJs: ArrowModule | undefined;

/** The ESM build of apache-arrow, imported once; later calls share the same promise. */
export function loadArrow(): Promise<ArrowModule> {
  esmLoading ??= import('apache-arrow').then((module) => {
    esm = module;
    return module;
  });
  return esmLoading;
}

/** The ESM build if loadArrow has finished, else undefined. */
export function loadedArrow(): ArrowModule | undefined {
  return esm;
}

/** An apache-arrow build now, synchronously: the ESM one if loaded, else the CommonJS one. */
export function arrowNow(): ArrowModule {
  if (esm !== undefined) return esm;
  commonJs ??= createRequire(import.meta.url)('apache-arrow') as ArrowModule;
  return commonJs;
}

/** The build whose Table class made `table` (undefined for a Table of neither build). */
export function arrowOf(table: object): ArrowModule | undefined {
  const prototype = Object.getPrototypeOf(table);
  for (const module of [esm, commonJs])
    if (module !== undefined && prototype === module.Table.prototype) return module;
  return undefined;
}
