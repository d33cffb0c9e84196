// The PostgreSQL and Redis drivers load only when an app uses them: importing every entry point
// of Phial, and building (not using) a PostgreSQL database and both stores, loads neither.
// A resolve hook records every ES module the child resolves; require.cache covers CommonJS.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const repo = join(import.meta.dirname, '..', '..');
const fixtures = join(import.meta.dirname, 'fixtures');
const DRIVER = /[/\\]node_modules[/\\](pg|pg-[a-z]+|ioredis)[/\\]/;

describe('lazy drivers', () => {
  let dir = '';
  let resolved: string[] = [];
  let required: string[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'phial-lazy-'));
    const out = join(dir, 'resolved.txt');
    const child = spawnSync(process.execPath, [
      '--conditions=phial-source', '--import', 'tsx', '--import', join(fixtures, 'record-resolutions.mjs'), join(fixtures, 'import-entries.ts'),
    ], { cwd: repo, encoding: 'utf8', env: { ...process.env, PHIAL_RESOLUTIONS_OUT: out } });
    assert.equal(child.status, 0, child.stderr);
    resolved = readFileSync(out, 'utf8').split('\n').filter(Boolean);
    required = JSON.parse(child.stdout) as string[];
  });

  after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('records what the entry points load (the hook works)', () => {
    for (const url of ['/src/index.ts', '/src/db/index.ts', '/src/sessions/index.ts', '/src/sessions/stores/redis.ts', '/src/sessions/stores/postgres.ts']) {
      assert.ok(resolved.some((u) => u.endsWith(url)), url);
    }
    // The embedded default is loaded up front, through the same hook.
    assert.ok(resolved.some((u) => /[/\\]node_modules[/\\]better-sqlite3[/\\]/.test(u)), 'better-sqlite3');
  });

  it('loads neither pg nor ioredis, as ES modules or through require()', () => {
    assert.deepEqual(resolved.filter((u) => DRIVER.test(u)), []);
    assert.deepEqual(required.filter((p) => DRIVER.test(p)), []);
  });
});
