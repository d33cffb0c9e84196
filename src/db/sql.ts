/**
 * Raw SQL for what the query builder cannot say, with every interpolated value sent as a bound
 * parameter. This is Kysely's `sql` tag with its string-splicing helpers left out:
 *
 * - `sql.raw(text)` and `CompiledQuery.raw(text)` paste text into the statement;
 * - `sql.lit(value)` / `sql.literal` inline a value as a literal (escaped, but still spliced, and
 *   escaping rules differ between servers and settings such as `standard_conforming_strings`);
 * - `sql.id`, `sql.ref` and `sql.table` turn a string into an identifier: quoted, so not an
 *   injection, but a request that chooses the identifier chooses which column or table is read
 *   (CWE-89's "dynamic identifiers"; OWASP SQL Injection Prevention Cheat Sheet, defense option 3:
 *   map user choices to identifiers through an allow-list in code instead).
 *
 * Mission document §2.1 (Flask-SQLAlchemy): "Never construct SQL queries by concatenating strings
 * with user input." With only the tag, `val` and `join`, no string from a request can become SQL
 * text through `phial/db`. Kysely itself still exports those helpers; a lint rule forbidding them
 * in application code closes that door (see docs/database.md).
 *
 * @module
 */
import { sql as kyselySql, type RawBuilder } from 'kysely';

/** The safe subset of Kysely's `sql` (see the module comment for what is left out and why). */
export interface SafeSql {
  /**
   * A raw SQL fragment; each `${value}` becomes a bound parameter (`?` / `$1`), and a Kysely
   * expression or query interpolated is compiled in place.
   *
   * @example sql<number>`length(${title})`
   * @throws TypeError when called as a function instead of as a tagged template
   */
  <T = unknown>(strings: TemplateStringsArray, ...values: unknown[]): RawBuilder<T>;
  /** One value as a bound parameter, e.g. to use a JS value where an expression is expected. */
  val<V>(value: V): RawBuilder<V>;
  /** Values (or expressions) separated by `, ` or a given `sql` fragment, e.g. for `IN (…)`. */
  join<T = unknown>(values: readonly unknown[], separator?: RawBuilder<unknown>): RawBuilder<T>;
}

function tag<T = unknown>(strings: TemplateStringsArray, ...values: unknown[]): RawBuilder<T> {
  // A template's strings array is frozen and carries `raw`; `sql(userText)` or `sql([text])` is not.
  if (!Array.isArray(strings) || !Array.isArray((strings as { raw?: unknown }).raw) || !Object.isFrozen(strings)) {
    throw new TypeError('sql must be used as a tagged template (sql`... ${value}`); values go in ${}, never into the SQL text');
  }
  return kyselySql<T>(strings, ...values);
}

/**
 * Kysely's `sql` tag without `raw`, `lit`, `id`, `ref` and `table`.
 *
 * @example
 * import { sql } from 'phial/db';
 * const rows = await sql<{ n: number }>`select count(*) as n from notes where title = ${title}`.execute(db.kysely);
 */
export const sql: SafeSql = Object.freeze(Object.assign(tag, {
  val: <V>(value: V): RawBuilder<V> => kyselySql.val(value),
  join: <T = unknown>(values: readonly unknown[], separator?: RawBuilder<unknown>): RawBuilder<T> =>
    separator === undefined ? kyselySql.join<T>(values) : kyselySql.join<T>(values, separator),
}));

/**
 * Escapes the `LIKE` wildcards `%` and `_` (and the escape character itself) in `text`, so a search
 * for `100%` matches the characters `100%`, not every row starting with `100`. Use the result with
 * an explicit `ESCAPE '\'` clause: SQLite has no default escape character.
 *
 * @example
 * const pattern = `%${escapeLike(q)}%`;
 * db.kysely.selectFrom('notes').where(sql<boolean>`title like ${pattern} escape '\\'`)
 */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
