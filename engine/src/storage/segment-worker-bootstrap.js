// The segment worker's entry point. A worker thread starts as plain Node, without the tsx loader
// that bin/omendb.js (or vitest) installed in the main thread, so this small JavaScript file
// installs it first and then loads the TypeScript worker. Once a compiled segment-worker.js sits
// beside this file, that one is loaded instead and tsx is never touched.
import { existsSync } from 'node:fs';

const compiled = new URL('./segment-worker.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('./segment-worker.ts', import.meta.url).href);
}
