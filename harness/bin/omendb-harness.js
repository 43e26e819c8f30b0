#!/usr/bin/env node
// The omendb-harness command: the TypeScript sources run through tsx's loader, as the engine's
// command does, so what runs is exactly what the tests test.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2), process.env);
