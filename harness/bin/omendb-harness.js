#!/usr/bin/env node
// The omendb-harness command. It runs the compiled harness in ../dist (built with the scenarios
// by `npm ci` through the root `prepare` script, or `npm run build`) with plain Node, and drives
// `@omendb/engine` as a user gets it: the compiled engine/dist, the same code the `omendb` servers
// it spawns run. The TypeScript sources (harness/src, scenarios/, through tsx's loader) run
// instead under the `source` condition (the tests set NODE_OPTIONS=--conditions=source, so a test
// spawning this command tests the sources it just edited; engine/src then too), or when the
// harness has not been built yet: the harness then adds that condition itself for
// `@omendb/harness` (the scenarios import it), and for `@omendb/engine` if the engine is not built
// either, rather than fail.
import { existsSync } from 'node:fs';
import { register as registerHooks } from 'node:module';

const compiled = new URL('../dist/harness/src/cli/main.js', import.meta.url);

// Node 20 resolves an exports target without checking that the file is there.
function resolvesToFile(specifier) {
  try {
    return existsSync(new URL(import.meta.resolve(specifier)));
  } catch {
    return false;
  }
}

function sourceConditionOn() {
  try {
    return import.meta.resolve('@omendb/harness').endsWith('.ts');
  } catch {
    return false;
  }
}

let main;
if (existsSync(compiled) && !sourceConditionOn()) ({ main } = await import(compiled.href));
else {
  const toSource = ['@omendb/harness', '@omendb/engine'].filter((name) => !resolvesToFile(name));
  if (toSource.length > 0) {
    const addSource =
      `const names = ${JSON.stringify(toSource)};` +
      'export function resolve(specifier, context, next) {' +
      'if (!names.includes(specifier)) return next(specifier, context);' +
      "return next(specifier, { ...context, conditions: [...context.conditions, 'source'] }); }";
    registerHooks(`data:text/javascript,${encodeURIComponent(addSource)}`);
  }
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2), process.env);
