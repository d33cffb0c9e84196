/**
 * The notes database: SQLite in the app's instance folder, through Kysely (parameterized queries
 * only). Created and seeded on first start.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type Generated, type Selectable } from 'kysely';

/** Tables. */
export interface DB {
  notes: {
    id: Generated<number>;
    title: string;
    body: string;
    created_at: Generated<string>;
  };
}

/** A note row. */
export type Note = Selectable<DB['notes']>;

const SEED: Array<{ title: string; body: string }> = [
  { title: 'Welcome to Phial', body: 'This app is served by Phial: typed routes, auto-escaped templates and security headers on every response.' },
  { title: 'Try to break it', body: 'Visit /notes/abc, /notes/99999999999999999999 or //notes/1 and watch the framework answer safely. <script>alert("this is escaped")</script>' },
  { title: 'The JSON API', body: 'GET /api/notes and /api/notes/1 return JSON with the same headers.' },
];

/** Opens (and if needed creates and seeds) the database under `instancePath`. */
export async function openDatabase(instancePath: string): Promise<Kysely<DB>> {
  mkdirSync(instancePath, { recursive: true, mode: 0o700 });
  const sqlite = new Database(join(instancePath, 'notes.sqlite'));
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) });
  await db.schema
    .createTable('notes')
    .ifNotExists()
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(sql`CURRENT_TIMESTAMP`))
    .execute();
  const { count } = await db.selectFrom('notes').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
  if (Number(count) === 0) await db.insertInto('notes').values(SEED).execute();
  return db;
}
