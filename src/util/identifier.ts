/**
 * The name grammars Phial accepts in setup calls and generated SQL, defined once so a converter,
 * a filter and an endpoint name follow the same rule everywhere.
 *
 * Each is ASCII only: a name reaches rule syntax, template syntax or SQL text, where a look-alike
 * letter or an invisible character would make two names that read the same differ.
 *
 * @module
 */

/** An identifier: an ASCII letter or `_`, then letters, digits and `_` (converter, filter names). */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * An endpoint or blueprint name: an {@link IDENTIFIER} that may also hold `-`. Never a dot: dots
 * join a blueprint's name to its endpoints' (`api.users`).
 */
export const ENDPOINT_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

const SQL_PART = '[A-Za-z_][A-Za-z0-9_]{0,62}';

/**
 * An SQL identifier used unquoted: an {@link IDENTIFIER} of at most 63 characters (PostgreSQL
 * truncates longer names silently, so two long names could become one).
 */
export const SQL_NAME = new RegExp(`^${SQL_PART}$`);

/** An {@link SQL_NAME}, optionally schema-qualified (`schema.table`). */
export const SQL_QUALIFIED_NAME = new RegExp(`^(?:${SQL_PART}\\.)?${SQL_PART}$`);
