#!/usr/bin/env node
// The omendb-harness command: the harness's TypeScript sources run through tsx's loader (the
// harness lives with the repository: it reads scenarios/ and writes beside it, so it is not built).
// The engine it drives in-process is `@omendb/engine` as a user gets it: the compiled engine/dist,
// the same code the `omendb` servers it spawns run. Under the `source` condition (the tests set
// NODE_OPTIONS=--conditions=source) that is engine/src instead; and when the engine has not been
// built yet, the harness adds that condition itself rather than fail.
import { existsSync } from 'node:fs';
import { register as registerHooks } from 'node:module';
import { register } from 'tsx/esm/api';

// Node 20 resolves an exports target without checking that the file is there.
const engineResolves = () => existsSync(new URL(import.meta.resolve('@omendb/engine')));

if (!engineResolves()) {
  const addSource =
    'export function resolve(specifier, context, next) {' +
    "return next(specifier, { ...context, conditions: [...context.conditions, 'source'] }); }";
  registerHooks(`data:text/javascript,${encodeURIComponent(addSource)}`);
}
register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2), process.env);
