#!/usr/bin/env node
// The omendb command. The engine is TypeScript run through tsx's loader: no build step, and what
// runs is exactly what the tests test.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
// Exit explicitly: a stopped server may leave timers (metrics, keep-alive) that would hold the process.
process.exit(await main(process.argv.slice(2), process.env));
