#!/usr/bin/env node
// The whole test suite: type check (type tests live in test/types), lint, then every
// test/**/*.test.ts under node's test runner with the tsx loader. Suites that need
// PostgreSQL or Redis are skipped with a printed reason when the service is absent,
// except under CI=true, where a missing service is a failure.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';

const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith('--'));
const quick = args.includes('--quick');

function probe(port) {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    const done = (ok) => { s.destroy(); resolve(ok); };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(1000, () => done(false));
  });
}

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

function run(cmd, argv, env = process.env) {
  console.log(`$ ${cmd} ${argv.join(' ')}`);
  const r = spawnSync(cmd, argv, { stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (!quick && only.length === 0) {
  run('npx', ['tsc', '--noEmit']);
  run('npx', ['eslint', '.']);
}

const services = { PHIAL_TEST_PG: 5432, PHIAL_TEST_REDIS: 6379 };
const env = { ...process.env };
for (const [name, port] of Object.entries(services)) {
  const up = await probe(port);
  if (up) env[name] = '1';
  else if (process.env.CI === 'true') {
    console.error(`${name}: nothing listens on 127.0.0.1:${port}; CI requires it.`);
    process.exit(1);
  } else {
    console.log(`note: suites needing 127.0.0.1:${port} (${name}) are skipped: the service is not running.`);
  }
}

const files = only.length ? only : walk('test');
run(process.execPath, ['--conditions=phial-source', '--import', 'tsx', '--test', '--test-reporter=spec', ...files], env);
