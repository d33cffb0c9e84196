/**
 * The TechEmpower "single query" fixture shared by the database benchmark (`bench/db.ts`) and its
 * servers: a `world` table of 10 000 rows `(id, randomnumber)`, and the response shape
 * `{"id":n,"randomNumber":m}` for one row picked at random per request.
 */
import { randomInt } from 'node:crypto';

/** Rows in `world`, ids 1..WORLD_ROWS (TechEmpower's figure). */
export const WORLD_ROWS = 10_000;

/** The query every contestant runs, with one bound parameter. */
export const WORLD_SQL_SQLITE = 'SELECT id, randomnumber AS "randomNumber" FROM world WHERE id = ?';
export const WORLD_SQL_PG = 'SELECT id, randomnumber AS "randomNumber" FROM world WHERE id = $1';

/** A random row id, uniform over 1..WORLD_ROWS. */
export function randomWorldId(): number {
  return 1 + Math.floor(Math.random() * WORLD_ROWS);
}

/** The table's content: random numbers 1..10 000, as TechEmpower fills it. */
export function worldRows(): Array<{ id: number; randomnumber: number }> {
  return Array.from({ length: WORLD_ROWS }, (_, i) => ({ id: i + 1, randomnumber: randomInt(1, WORLD_ROWS + 1) }));
}

/** The `DATABASE_URL` a server must use, from the environment. @throws {Error} when unset */
export function worldUrl(): string {
  const url = process.env.DATABASE_URL;
  if (url === undefined || url === '') throw new Error('DATABASE_URL must name the benchmark database');
  return url;
}
