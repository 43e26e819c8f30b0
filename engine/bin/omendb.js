#!/usr/bin/env node
// The omendb command. It runs the compiled JavaScript in ../dist (built by `npm ci` through the
// root `prepare` script, or `npm run build`) with plain Node: no TypeScript is transpiled at start.
// The TypeScript sources run instead, through tsx's loader, when Node resolves this package under
// the `source` condition (the tests set NODE_OPTIONS=--conditions=source, so a test spawning this
// command tests the sources it just edited), or when there is no build yet.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);

function sourceConditionOn() {
  try {
    return import.meta.resolve('@omendb/engine').endsWith('.ts');
  } catch {
    return false;
  }
}

let main;
if (existsSync(compiled) && !sourceConditionOn()) ({ main } = await import(compiled.href));
else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
// Exit explicitly: a stopped server may leave timers (metrics, keep-alive) that would hold the process.
process.exit(await main(process.argv.slice(2), process.env));
