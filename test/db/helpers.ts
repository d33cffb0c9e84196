// Shared helpers of the data-layer tests: a fresh PostgreSQL database (or SQLite file) per test
// run, dropped afterwards, and the skip rule for PostgreSQL.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { sql, type Kysely } from 'phial/db';
import { tempDir } from '../helpers.ts';

/**
 * `false` when PostgreSQL tests run, else the reason they are skipped. scripts/test.mjs sets
 * PHIAL_TEST_PG=1 when 127.0.0.1:5432 answers, and fails under CI=true when it does not, so a
 * missing server is never a silent pass in CI.
 */
export const PG_SKIP: string | false = process.env.PHIAL_TEST_PG
  ? false
  : 'PostgreSQL tests need PHIAL_TEST_PG=1 and a server on 127.0.0.1:5432 (user postgres, db test); scripts/test.mjs sets it when the port answers';

/** The administrator connection of the test server (trust authentication). */
export const PG_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** A name unique to this run: `prefix_<pid>_<random>`, a valid unquoted identifier. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** Runs one statement as the administrator on `database` (default `test`). */
export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(
  text: string, values: unknown[] = [], database = 'test',
): Promise<R[]> {
  const client = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** A database of one test: its URL, and `drop()` to remove it (and anything it made). */
export interface TestDatabase {
  readonly dialect: 'sqlite' | 'postgres';
  readonly url: string;
  /** The PostgreSQL database name, or the SQLite file path. */
  readonly name: string;
  drop(): Promise<void>;
}

/** A new, empty PostgreSQL database on the test server. */
export async function createPgDatabase(prefix = 'phial_t'): Promise<TestDatabase> {
  const name = uniqueName(prefix);
  await adminQuery(`CREATE DATABASE ${name}`);
  return {
    dialect: 'postgres',
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    name,
    drop: async () => { await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); },
  };
}

/** A new SQLite file URL in a temporary folder. */
export async function createSqliteDatabase(): Promise<TestDatabase> {
  const path = join(tempDir('phial-db-'), 'test.sqlite');
  return { dialect: 'sqlite', url: `sqlite://${path}`, name: path, drop: async () => {} };
}

/** Both dialects, for `for (const d of DIALECTS) describe(d.name, { skip: d.skip }, …)`. */
export const DIALECTS = [
  { name: 'sqlite' as const, skip: false as string | false, create: createSqliteDatabase },
  { name: 'postgres' as const, skip: PG_SKIP, create: () => createPgDatabase() },
];

/**
 * A temporary migrations folder holding `files` (name → source). A `package.json` with
 * `"type": "module"` makes the `.ts` files ES modules, as in an app.
 */
export function migrationsFolder(files: Record<string, string>): string {
  const root = tempDir('phial-mig-');
  writeFileSync(join(root, 'package.json'), '{"type":"module"}\n');
  const folder = join(root, 'migrations');
  mkdirSync(folder);
  for (const [name, source] of Object.entries(files)) writeFileSync(join(folder, name), source);
  return folder;
}

/** The tables of `fixtures/pair-writer.ts`: `pairs (tx, part)` and `totals (id = 1, n)`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- schema setup for any test database
export async function createPairTables(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('pairs')
    .addColumn('tx', 'integer', (c) => c.notNull())
    .addColumn('part', 'integer', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('pairs_pk', ['tx', 'part'])
    .execute();
  await db.schema.createTable('totals').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('n', 'integer', (c) => c.notNull()).execute();
  await db.insertInto('totals').values({ id: 1, n: 0 }).execute();
}

/** What the pair tables hold: every transaction id, the ones with other than 2 rows, and `totals.n`. */
export interface PairState {
  txs: number[];
  partial: number[];
  total: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- reads any test database
export async function pairState(db: Kysely<any>): Promise<PairState> {
  const rows = (await sql<{ tx: number; n: number }>`select tx, count(*) as n from pairs group by tx order by tx`.execute(db)).rows;
  const total = (await sql<{ n: number }>`select n from totals where id = 1`.execute(db)).rows[0]?.n;
  return {
    txs: rows.map((r) => Number(r.tx)),
    partial: rows.filter((r) => Number(r.n) !== 2).map((r) => Number(r.tx)),
    total: Number(total),
  };
}

/** Adds transactions 1..n to empty pair tables in one go (a database big enough to copy in many steps). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- schema setup for any test database
export async function prefillPairs(db: Kysely<any>, n: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (let start = 1; start <= n; start += 500) {
      const rows = [];
      for (let tx = start; tx < Math.min(start + 500, n + 1); tx++) {
        rows.push({ tx, part: 1, payload: 'x'.repeat(200) }, { tx, part: 2, payload: 'y'.repeat(200) });
      }
      await trx.insertInto('pairs').values(rows).execute();
    }
    await trx.updateTable('totals').set({ n }).where('id', '=', 1).execute();
  });
}
