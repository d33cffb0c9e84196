// Several `phial db migrate` processes started at once on one database: every migration is applied
// exactly once and every process succeeds (SQLite: BEGIN IMMEDIATE per step; PostgreSQL:
// pg_advisory_lock for the run).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase, sql } from 'phial/db';
import { spawnNode } from '../server/helpers.ts';
import { DIALECTS, migrationsFolder, type TestDatabase } from './helpers.ts';

// Each migration records itself in `runs`; 0001 creates tables without IF NOT EXISTS, so applying
// it twice would fail, and the slow 0002 keeps the lock long enough for the others to queue.
const FILES = {
  '0001_create.ts': `
export async function up(db) {
  await db.schema.createTable('runs').addColumn('migration', 'text', (c) => c.notNull()).addColumn('pid', 'integer').execute();
  await db.schema.createTable('counters').addColumn('name', 'text', (c) => c.primaryKey()).execute();
  await db.insertInto('runs').values({ migration: '0001', pid: process.pid }).execute();
}`,
  '0002_slow.ts': `
export async function up(db) {
  await db.insertInto('runs').values({ migration: '0002', pid: process.pid }).execute();
  await new Promise((r) => setTimeout(r, 1500));
  await db.insertInto('counters').values({ name: 'slow' }).execute();
}`,
  '0003_more.ts': `
export async function up(db) {
  await db.insertInto('runs').values({ migration: '0003', pid: process.pid }).execute();
}`,
};

for (const dialect of DIALECTS) {
  describe(`${dialect.name}: concurrent migrators`, { skip: dialect.skip }, () => {
    let target: TestDatabase | undefined;
    after(async () => { await target?.drop(); });

    test('three processes migrate at once: each migration runs exactly once, all exit 0', async () => {
      target = await dialect.create();
      const folder = migrationsFolder(FILES);
      const children = Array.from({ length: 3 }, () =>
        spawnNode(['bin/phial.js', 'db', 'migrate', '--migrations', folder], { DATABASE_URL: target!.url, PHIAL_APP: '' }));
      const exits = await Promise.all(children.map((c) => c.exited));
      for (const [i, e] of exits.entries()) {
        assert.deepEqual(e, { code: 0, signal: null }, `child ${i}: ${children[i]!.stderr.join('\n')}`);
      }
      const applied = children.flatMap((c) => c.stdout.filter((l) => l.startsWith('applied ')));
      assert.deepEqual(applied.sort(), ['applied 0001_create', 'applied 0002_slow', 'applied 0003_more']);
      const db = await createDatabase({ url: target.url }).open();
      try {
        const runs = (await sql<{ migration: string }>`select migration from runs order by migration`.execute(db.kysely)).rows;
        assert.deepEqual(runs.map((r) => r.migration), ['0001', '0002', '0003']);
        const recorded = (await sql<{ name: string }>`select name from phial_migrations order by name`.execute(db.kysely)).rows;
        assert.deepEqual(recorded.map((r) => r.name), ['0001_create', '0002_slow', '0003_more']);
      } finally {
        await db.close();
      }
    });
  });
}
