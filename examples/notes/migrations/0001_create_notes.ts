/** The notes table. `ifNotExists`: databases created before migrations existed already have it. */
import { sql, type Migration } from 'phial/db';

export const up: Migration['up'] = async (db, { dialect }) => {
  await db.schema
    .createTable('notes')
    .ifNotExists()
    .addColumn('id', 'integer', (c) => (dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement()))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    // The same 'YYYY-MM-DD HH:MM:SS' UTC text on both databases.
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(dialect === 'postgres'
      ? sql`to_char(now() at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS')`
      : sql`CURRENT_TIMESTAMP`))
    .execute();
};

export const down: Migration['down'] = async (db) => {
  await db.schema.dropTable('notes').execute();
};
