/**
 * Schema migrations: numbered TypeScript (or JavaScript) files in a folder, each exporting
 * `up(db, context)` and optionally `down(db, context)`, applied in order, each in its own
 * transaction together with its row in the `phial_migrations` table, so a migration is either
 * applied and recorded or neither.
 *
 * Concurrency. Two migrators (two deploy hooks, `--workers N` applying migrations on start in
 * development) must not apply a migration twice:
 * - PostgreSQL: the whole run holds a session-level `pg_advisory_lock` on one connection; the second
 *   migrator waits for it (up to `lockTimeout`), then finds nothing pending.
 * - SQLite: every step is one `BEGIN IMMEDIATE` transaction (the database's exclusive write lock) that
 *   re-reads the table, picks the next pending migration, applies and records it. Another process
 *   waits on the lock (up to `lockTimeout`) and sees the row when it gets in. No lock file, so
 *   nothing is left behind when a migrator is killed.
 *
 * Order. Files sort by their number. An applied migration whose file is gone, or a pending one
 * numbered below the last applied, stops the run: both mean the folder and the database disagree,
 * and guessing would run migrations against a schema they were not written for.
 *
 * Limits. A migration runs inside a transaction, so statements that refuse one cannot be used:
 * PostgreSQL's `CREATE INDEX CONCURRENTLY`, SQLite's `VACUUM`. SQLite ignores
 * `PRAGMA foreign_keys` inside a transaction; a table rebuild uses `PRAGMA defer_foreign_keys = ON`.
 *
 * @module
 */
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import { DatabaseError, messageOf } from './errors.ts';
import { quote } from '../util/quote.ts';
import { sql } from './sql.ts';

/** The SQL dialect of a database. */
export type DialectName = 'sqlite' | 'postgres';

/** The second argument of `up` and `down`: what a migration needs to write portable DDL. */
export interface MigrationContext {
  /** `'sqlite'` or `'postgres'`, e.g. to choose `autoIncrement()` or an identity column. */
  readonly dialect: DialectName;
}

/**
 * The exports of a migration module. `db` is the migration's transaction: everything it does
 * commits with the `phial_migrations` row or not at all.
 */
export interface Migration {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration predates the DB type it creates
  up(db: Kysely<any>, context: MigrationContext): Promise<void> | void;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
  down?(db: Kysely<any>, context: MigrationContext): Promise<void> | void;
}

/** A migration file found in the folder. */
export interface MigrationFile {
  /** File name without its extension, e.g. `0001_create_notes`: the key recorded when applied. */
  readonly name: string;
  /** The leading number, e.g. 1. */
  readonly number: number;
  /** Absolute path. */
  readonly path: string;
}

/** One line of `phial db status`. */
export interface MigrationStatus {
  readonly name: string;
  /** `applied`, `pending`, or `missing` (recorded as applied, but no file has that name). */
  readonly state: 'applied' | 'pending' | 'missing';
  /** ISO 8601 time of application (UTC), for applied and missing migrations. */
  readonly appliedAt?: string;
}

/** The table recording applied migrations. */
export const MIGRATIONS_TABLE = 'phial_migrations';

/** `NNNN_name.ts` (or `.mts`, `.js`, `.mjs`): a number of at least four digits, lower-case words. */
export const MIGRATION_FILE = /^(\d{4,9})_([a-z0-9][a-z0-9_]*)\.(ts|mts|js|mjs)$/;
const MIGRATION_NAME = /^[a-z][a-z0-9_]{0,62}$/;
// Files a migrations folder may hold besides migrations.
const IGNORED = /^\.|\.d\.[cm]?ts$|\.map$|\.md$|\.txt$/i;
// Any fixed 64-bit key works; this one is "phial:mg" in ASCII, unlikely to collide with an app's own.
const PG_LOCK_KEY = '8101802737620887399';

interface MigrationTables {
  phial_migrations: { name: string; applied_at: string };
}

type MigrationDb = Kysely<MigrationTables>;

/** Options of {@link Migrator}. */
export interface MigratorOptions {
  /** Absolute path of the migrations folder. */
  folder: string;
  dialect: DialectName;
  /** Whether a missing folder is an error (an explicitly configured one) or means "no migrations". */
  required?: boolean;
  /** ms a migrator waits for another one holding the lock. Default 60 000. */
  lockTimeout?: number;
  /** SQLite: the connection's normal `busy_timeout` (ms), restored after a run. Default 5000. */
  busyTimeout?: number;
}

let tsxRegistered = false;

async function importMigration(file: MigrationFile): Promise<Migration> {
  // From a compiled build (dist/), Node cannot import .ts by itself: bring in tsx, as `phial run` does.
  if (/\.m?ts$/.test(file.path) && !import.meta.url.endsWith('.ts') && !tsxRegistered) {
    const { register } = await import('tsx/esm/api');
    register();
    tsxRegistered = true;
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file.path).href)) as Record<string, unknown>;
  } catch (err) {
    throw new DatabaseError('PHIAL_E_DB_MIGRATION', file.name, `cannot import ${quote(file.path)}: ${messageOf(err)}`, { cause: err });
  }
  if (typeof mod.up !== 'function') throw new DatabaseError('PHIAL_E_DB_MIGRATION', file.name, 'exports no up() function');
  if (mod.down !== undefined && typeof mod.down !== 'function') {
    throw new DatabaseError('PHIAL_E_DB_MIGRATION', file.name, 'exports down, but it is not a function');
  }
  return mod as unknown as Migration;
}

/**
 * Lists the migration files of `folder`, sorted by number. Dotfiles, `.d.ts`, `.map`, `.md` and
 * `.txt` files are skipped; anything else must match `NNNN_name.ts`.
 *
 * @returns [] when the folder does not exist and `required` is false
 * @throws DatabaseError PHIAL_E_DB_MIGRATION for a missing required folder, a file name that does
 *   not match, or two files with the same number
 */
export function listMigrationFiles(folder: string, required = true): MigrationFile[] {
  if (!existsSync(folder)) {
    if (!required) return [];
    throw new DatabaseError('PHIAL_E_DB_MIGRATION', 'migrations', `folder ${quote(folder)} does not exist`);
  }
  if (!statSync(folder).isDirectory()) throw new DatabaseError('PHIAL_E_DB_MIGRATION', 'migrations', `${quote(folder)} is not a folder`);
  const files: MigrationFile[] = [];
  const numbers = new Map<number, string>();
  for (const entry of readdirSync(folder).sort()) {
    if (IGNORED.test(entry)) continue;
    const m = MIGRATION_FILE.exec(entry);
    if (m === null) {
      throw new DatabaseError('PHIAL_E_DB_MIGRATION', entry,
        `in ${quote(folder)}: migration files are named NNNN_name.ts (four or more digits, lower-case letters, digits and _)`);
    }
    const number = Number(m[1]);
    const seen = numbers.get(number);
    if (seen !== undefined) throw new DatabaseError('PHIAL_E_DB_MIGRATION', entry, `has the same number as ${quote(seen)}`);
    numbers.set(number, entry);
    files.push({ name: `${m[1]}_${m[2]}`, number, path: join(folder, entry) });
  }
  return files.sort((a, b) => a.number - b.number);
}

/**
 * Writes a new migration file `NNNN_name.ts` numbered after the highest existing one, creating the
 * folder if needed.
 *
 * @param name lower-case letters, digits and `_`, starting with a letter, e.g. `add_tags`
 * @returns the absolute path of the new file
 * @throws DatabaseError PHIAL_E_DB_MIGRATION naming a bad name or a malformed folder
 */
export function createMigrationFile(folder: string, name: string): string {
  if (!MIGRATION_NAME.test(name)) {
    throw new DatabaseError('PHIAL_E_DB_MIGRATION', 'name',
      `invalid migration name ${quote(name)}: use lower-case letters, digits and _, starting with a letter (e.g. add_tags)`);
  }
  const existing = listMigrationFiles(folder, false);
  const next = (existing.at(-1)?.number ?? 0) + 1;
  const path = resolve(folder, `${String(next).padStart(4, '0')}_${name}.ts`);
  mkdirSync(folder, { recursive: true });
  writeFileSync(path, TEMPLATE, { flag: 'wx' });
  return path;
}

const TEMPLATE = `import type { Migration } from 'phial/db';

// Runs in its own transaction, recorded in phial_migrations with it. Use db.schema for DDL and
// context.dialect ('sqlite' | 'postgres') where the two differ.
export const up: Migration['up'] = async (db, context) => {
};

export const down: Migration['down'] = async (db, context) => {
};
`;

interface Loaded extends MigrationFile {
  readonly module: Migration;
}

/**
 * Applies, rolls back and reports migrations of one folder on one database. See the module
 * comment for locking and ordering.
 */
export class Migrator {
  readonly #db: MigrationDb;
  readonly #options: Required<MigratorOptions>;
  readonly #context: MigrationContext;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- works on any database type
  constructor(db: Kysely<any>, options: MigratorOptions) {
    this.#db = db as MigrationDb;
    this.#options = { required: true, lockTimeout: 60_000, busyTimeout: 5000, ...options };
    for (const key of ['lockTimeout', 'busyTimeout'] as const) {
      const v = this.#options[key];
      // Both end up in a SET/PRAGMA statement, which takes no parameters: integers only.
      if (!Number.isSafeInteger(v) || v < 0 || v > 2_147_483_647) {
        throw new DatabaseError('PHIAL_E_DB_OPTION', key, `expected an integer number of ms from 0 to 2147483647, got ${quote(v)}`);
      }
    }
    this.#context = Object.freeze({ dialect: options.dialect });
  }

  /** The migrations folder (absolute). */
  get folder(): string { return this.#options.folder; }

  /** The files of the folder, sorted. @throws DatabaseError PHIAL_E_DB_MIGRATION */
  files(): MigrationFile[] {
    return listMigrationFiles(this.#options.folder, this.#options.required);
  }

  /**
   * Every migration with its state, in file order, then `missing` ones. Read-only: does not
   * create the table.
   */
  async status(): Promise<MigrationStatus[]> {
    const files = this.files();
    const applied = await this.#appliedIfTable(this.#db);
    const byName = new Map(applied.map((r) => [r.name, r.applied_at]));
    const out: MigrationStatus[] = files.map((f) => {
      const at = byName.get(f.name);
      return at === undefined ? { name: f.name, state: 'pending' } : { name: f.name, state: 'applied', appliedAt: at };
    });
    const known = new Set(files.map((f) => f.name));
    for (const r of applied) if (!known.has(r.name)) out.push({ name: r.name, state: 'missing', appliedAt: r.applied_at });
    return out;
  }

  /** Names of the pending migrations (nothing is applied). */
  async pending(): Promise<string[]> {
    return (await this.status()).filter((s) => s.state === 'pending').map((s) => s.name);
  }

  /**
   * Applies every pending migration in order, each in its own transaction. Safe to run twice and
   * from several processes at once.
   *
   * @returns the names applied by this call (empty when none were pending)
   * @throws DatabaseError PHIAL_E_DB_MIGRATION for a malformed folder or module, a missing or
   *   out-of-order migration; PHIAL_E_DB_MIGRATION_FAILED for a failing `up()` (that migration is
   *   rolled back; earlier ones of the same run stay applied) or a lock wait over `lockTimeout`
   */
  async migrate(): Promise<string[]> {
    const loaded = await this.#load();
    return this.#locked(async (conn) => {
      const done: string[] = [];
      for (;;) {
        const name = await conn.transaction().execute(async (trx) => {
          const next = this.#nextPending(loaded, await this.#applied(trx));
          if (next === undefined) return undefined;
          await this.#run(next, 'up', trx);
          await trx.insertInto(MIGRATIONS_TABLE).values({ name: next.name, applied_at: new Date().toISOString() }).execute();
          return next.name;
        });
        if (name === undefined) return done;
        done.push(name);
      }
    });
  }

  /**
   * Reverts the last `steps` applied migrations, newest first, each with its `down()` in its own
   * transaction.
   *
   * @param steps 1 or more; default 1
   * @returns the names reverted (fewer than `steps` when fewer were applied)
   * @throws DatabaseError PHIAL_E_DB_MIGRATION when the migration's file is missing or it has no
   *   `down()`; PHIAL_E_DB_MIGRATION_FAILED when `down()` fails (then nothing of it is reverted)
   * @throws RangeError for `steps` that is not a positive integer
   */
  async rollback(steps = 1): Promise<string[]> {
    if (!Number.isSafeInteger(steps) || steps < 1) throw new RangeError(`rollback steps must be a positive integer, got ${String(steps)}`);
    const loaded = await this.#load();
    const byName = new Map(loaded.map((l) => [l.name, l]));
    return this.#locked(async (conn) => {
      const done: string[] = [];
      while (done.length < steps) {
        const name = await conn.transaction().execute(async (trx) => {
          const last = (await this.#applied(trx)).at(-1);
          if (last === undefined) return undefined;
          const file = byName.get(last.name);
          if (file === undefined) {
            throw new DatabaseError('PHIAL_E_DB_MIGRATION', last.name, `is the last applied migration but has no file in ${quote(this.folder)}`);
          }
          if (file.module.down === undefined) throw new DatabaseError('PHIAL_E_DB_MIGRATION', file.name, 'has no down(): it cannot be rolled back');
          await this.#run(file, 'down', trx);
          await trx.deleteFrom(MIGRATIONS_TABLE).where('name', '=', file.name).execute();
          return file.name;
        });
        if (name === undefined) break;
        done.push(name);
      }
      return done;
    });
  }

  async #load(): Promise<Loaded[]> {
    const out: Loaded[] = [];
    for (const f of this.files()) out.push({ ...f, module: await importMigration(f) });
    return out;
  }

  async #run(file: Loaded, direction: 'up' | 'down', trx: Transaction<MigrationTables>): Promise<void> {
    try {
      await file.module[direction]!(trx, this.#context);
    } catch (err) {
      throw new DatabaseError('PHIAL_E_DB_MIGRATION_FAILED', file.name, `${direction}() failed and was rolled back: ${messageOf(err)}`, { cause: err });
    }
  }

  /** The first pending migration, after checking the folder and the table agree. */
  #nextPending(loaded: readonly Loaded[], applied: ReadonlyArray<{ name: string }>): Loaded | undefined {
    const files = new Map(loaded.map((l) => [l.name, l]));
    for (const r of applied) {
      if (!files.has(r.name)) {
        throw new DatabaseError('PHIAL_E_DB_MIGRATION', r.name,
          `is recorded as applied but has no file in ${quote(this.folder)}; restore the file (or roll it back with the code that has it)`);
      }
    }
    const done = new Set(applied.map((r) => r.name));
    const last = loaded.filter((l) => done.has(l.name)).at(-1);
    const next = loaded.find((l) => !done.has(l.name));
    if (next !== undefined && last !== undefined && next.number < last.number) {
      throw new DatabaseError('PHIAL_E_DB_MIGRATION', next.name,
        `is pending but the later ${quote(last.name)} is already applied; renumber it after ${String(last.number).padStart(4, '0')}`);
    }
    return next;
  }

  async #applied(db: MigrationDb): Promise<Array<{ name: string; applied_at: string }>> {
    const rows = await db.selectFrom(MIGRATIONS_TABLE).select(['name', 'applied_at']).execute();
    return rows.sort((a, b) => migrationNumber(a.name) - migrationNumber(b.name) || (a.name < b.name ? -1 : 1));
  }

  async #appliedIfTable(db: MigrationDb): Promise<Array<{ name: string; applied_at: string }>> {
    const present = this.#options.dialect === 'postgres'
      ? (await sql<{ t: string | null }>`select to_regclass(${MIGRATIONS_TABLE})::text as t`.execute(db)).rows[0]?.t != null
      : (await sql`select name from sqlite_schema where type = 'table' and name = ${MIGRATIONS_TABLE}`.execute(db)).rows.length > 0;
    return present ? this.#applied(db) : [];
  }

  /** Runs `fn` on one connection holding the migration lock (see the module comment). */
  async #locked<T>(fn: (conn: MigrationDb) => Promise<T>): Promise<T> {
    const ms = this.#options.lockTimeout;
    return this.#db.connection().execute(async (conn) => {
      if (this.#options.dialect === 'postgres') {
        // Migrations may legitimately run for minutes; the lock wait alone is bounded.
        await conn.executeQuery(CompiledQuery.raw('set statement_timeout = 0'));
        await conn.executeQuery(CompiledQuery.raw(`set lock_timeout = ${ms}`));
        try {
          await sql`select pg_advisory_lock(${PG_LOCK_KEY}::bigint)`.execute(conn);
        } catch (err) {
          await resetTimeouts(conn);
          throw new DatabaseError('PHIAL_E_DB_MIGRATION_FAILED', 'lock', `another migrator held the lock for more than ${ms} ms: ${messageOf(err)}`, { cause: err });
        }
        try {
          await conn.schema.createTable(MIGRATIONS_TABLE).ifNotExists()
            .addColumn('name', 'varchar(255)', (c) => c.primaryKey())
            .addColumn('applied_at', 'varchar(32)', (c) => c.notNull())
            .execute();
          return await fn(conn);
        } finally {
          try {
            await sql`select pg_advisory_unlock(${PG_LOCK_KEY}::bigint)`.execute(conn);
            await resetTimeouts(conn);
          } catch {
            // Only a broken session fails here, and the server drops its lock with it; the error
            // that broke it is the one worth reporting.
          }
        }
      }
      await conn.executeQuery(CompiledQuery.raw(`pragma busy_timeout = ${ms}`));
      try {
        await conn.transaction().execute((trx) => trx.schema.createTable(MIGRATIONS_TABLE).ifNotExists()
          .addColumn('name', 'varchar(255)', (c) => c.primaryKey())
          .addColumn('applied_at', 'varchar(32)', (c) => c.notNull())
          .execute());
        return await fn(conn);
      } finally {
        await conn.executeQuery(CompiledQuery.raw(`pragma busy_timeout = ${this.#options.busyTimeout}`));
      }
    });
  }
}

async function resetTimeouts(conn: MigrationDb): Promise<void> {
  await conn.executeQuery(CompiledQuery.raw('reset statement_timeout'));
  await conn.executeQuery(CompiledQuery.raw('reset lock_timeout'));
}

function migrationNumber(name: string): number {
  return Number(/^\d+/.exec(name)?.[0] ?? Number.MAX_SAFE_INTEGER);
}
