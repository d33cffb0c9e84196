/**
 * The notes database through `phial/db`: SQLite in the app's instance folder by default, PostgreSQL
 * when `DATABASE_URL` says so, with no code change. The schema lives in `migrations/`, applied on
 * start in development and by `phial db migrate --app examples/notes/app.ts` in production.
 */
import { createDatabase, escapeLike, sql, type Database, type Generated, type Kysely, type Selectable } from 'phial/db';

/** Tables. */
export interface DB {
  notes: {
    id: Generated<number>;
    title: string;
    body: string;
    created_at: Generated<string>;
    /** Sanitised display name of the attachment, or null. */
    attachment_name: string | null;
    /** Random stored file name in `<instance>/uploads/`, or null. */
    attachment_file: string | null;
    attachment_type: string | null;
    /** Bytes. */
    attachment_size: number | null;
  };
}

/** A note row. */
export type Note = Selectable<DB['notes']>;

/** Longest accepted search query, characters: a search box needs no more, and LIKE cost grows with it. */
export const MAX_QUERY_LENGTH = 200;

/** A new (not yet open) notes database reading `DATABASE_URL` from `env`. */
export function notesDatabase(env: NodeJS.ProcessEnv = process.env): Database<DB> {
  return createDatabase<DB>({ env });
}

/**
 * Notes whose title or body contains `q`, case-insensitively, in id order. `q` is a bound
 * parameter; `%` and `_` in it are escaped, so they match themselves, not any text.
 */
export function searchNotes(db: Kysely<DB>, q: string): Promise<Note[]> {
  return searchQuery(db, q).execute();
}

/** The query of {@link searchNotes}, not yet run (tests compile it to see the SQL and parameters). */
export function searchQuery(db: Kysely<DB>, q: string) {
  const pattern = `%${escapeLike(q)}%`;
  return db.selectFrom('notes').selectAll()
    .where(sql<boolean>`(lower(title) like lower(${pattern}) escape '\\' or lower(body) like lower(${pattern}) escape '\\')`)
    .orderBy('id');
}
