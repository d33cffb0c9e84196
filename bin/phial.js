#!/usr/bin/env node
// The `phial` executable. An installed package (dist/ only) runs the compiled CLI. A source checkout
// (src/ present, dist/ or not) runs src/ through tsx, adding the `phial-source` export condition so
// that `import 'phial'` in an app resolves to src/ too: one copy of the framework per process, never
// a stale dist/ beside fresh sources.
// Cluster workers re-run this file with the same argv, so they take the same path.
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const dist = new URL('../dist/cli/main.js', import.meta.url);
const source = new URL('../src/cli/main.ts', import.meta.url);
let cli;
if (existsSync(dist) && !existsSync(source)) {
  cli = await import(dist.href);
} else {
  const { register: registerTsx } = await import('tsx/esm/api');
  registerTsx();
  // Registered after tsx, so it resolves first and hands tsx a context that carries the condition.
  register('./source-conditions.js', import.meta.url);
  cli = await import(source.href);
}
await cli.main();
