#!/usr/bin/env node
// The `phial` executable. An installed package runs the compiled CLI in dist/. A source checkout (no
// dist/) runs src/ through tsx, adding the `phial-source` export condition so that `import 'phial'` in
// an app resolves to src/ as it does under `node --conditions=phial-source --import tsx`.
// Cluster workers re-run this file with the same argv, so they take the same path.
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const dist = new URL('../dist/cli/main.js', import.meta.url);
let cli;
if (existsSync(dist)) {
  cli = await import(dist.href);
} else {
  const { register: registerTsx } = await import('tsx/esm/api');
  registerTsx();
  // Registered after tsx, so it resolves first and hands tsx a context that carries the condition.
  register('./source-conditions.js', import.meta.url);
  cli = await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
await cli.main();
