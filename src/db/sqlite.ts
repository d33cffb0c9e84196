/**
 * SQLite through better-sqlite3: opening a file with Phial's pragmas, and a Kysely dialect whose
 * driver caches prepared statements and starts write transactions with `BEGIN IMMEDIATE`.
 *
 * Why a driver of our own rather than Kysely's `SqliteDialect`:
 * - `BEGIN IMMEDIATE` takes the write lock up front. A deferred `BEGIN` that reads and then
 *   writes fails with `SQLITE_BUSY` at once (no `busy_timeout` wait) when another process
 *   committed in between, which is what `--workers N` or a CLI migrator beside the app does
 *   (SQLite docs, "Transaction", §2.2, and "Write-Ahead Logging", §2.2).
 * - Kysely's driver prepares every statement anew; caching them is most of the cost of a point
 *   query.
 * - Booleans are bound as 0/1 (better-sqlite3 refuses them).
 *
 * @module
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler,
  type DatabaseConnection, type DatabaseIntrospector, type Dialect, type DialectAdapter, type Driver, type Kysely,
  type QueryCompiler, type QueryResult, type TransactionSettings,
} from 'kysely';
import { DatabaseError, messageOf } from './errors.ts';
import { quote } from '../util/quote.ts';
import { SQL_NAME } from '../util/identifier.ts';
import type { SqliteTarget } from './url.ts';

/** SQLite settings of {@link createDatabase}. */
export interface SqliteOptions {
  /**
   * ms a statement waits for another connection's lock before failing with `SQLITE_BUSY`
   * (`PRAGMA busy_timeout`). Default 5000. better-sqlite3 is synchronous, so the wait blocks the
   * event loop: keep write transactions short when several processes share the file.
   */
  busyTimeout?: number;
  /**
   * `PRAGMA synchronous`. Default `'full'`: WAL is fsynced at every commit, so a committed
   * transaction survives power loss and OS crashes. `'normal'` skips that fsync (WAL is synced only
   * at checkpoints): commits are several times faster on slow disks, still never corrupt the file
   * and still survive a crash of the process (SIGKILL), but the last transactions before a power
   * loss may roll back (SQLite docs, "PRAGMA synchronous").
   */
  synchronous?: 'full' | 'normal';
  /** Prepared statements kept per connection, oldest evicted first. Default 200; 0 disables the cache. */
  statementCacheSize?: number;
}

/** The resolved settings. */
export interface ResolvedSqliteOptions {
  readonly busyTimeout: number;
  readonly synchronous: 'full' | 'normal';
  readonly statementCacheSize: number;
}

/**
 * Opens (creating if needed) the database file with WAL, `foreign_keys=ON`, `busy_timeout`,
 * `synchronous` and `trusted_schema=OFF` (SQLite's advice for apps: functions with side effects
 * cannot be smuggled in through views or triggers of an untrusted file). A new file and its folder
 * are created owner-only (0600 / 0700); SQLite gives the `-wal` and `-shm` files the same mode.
 *
 * @throws DatabaseError PHIAL_E_DB_CONNECT naming the path when the file cannot be created or opened,
 *   is not an SQLite database, or refuses WAL mode
 */
export function openSqlite(target: SqliteTarget, options: ResolvedSqliteOptions, setting = 'DATABASE_URL'): BetterSqlite3.Database {
  const memory = target.path === ':memory:';
  const fail = (why: string, cause?: unknown): DatabaseError =>
    new DatabaseError('PHIAL_E_DB_CONNECT', setting, `cannot open SQLite database ${quote(target.path)}: ${why}`, { cause });
  if (!memory) {
    try {
      mkdirSync(dirname(target.path), { recursive: true, mode: 0o700 });
      closeSync(openSync(target.path, 'wx', 0o600));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw fail(messageOf(err), err);
    }
  }
  let db: BetterSqlite3.Database | undefined;
  try {
    db = new BetterSqlite3(target.path, { timeout: options.busyTimeout });
    if (!memory) {
      const mode = String(db.pragma('journal_mode = WAL', { simple: true }));
      if (mode.toLowerCase() !== 'wal') throw fail(`the file system refused WAL mode (journal_mode is ${quote(mode)})`);
    }
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${options.busyTimeout}`);
    db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('trusted_schema = OFF');
    // Reading the schema now turns "not a database" into an error here, not on the first request.
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    return db;
  } catch (err) {
    db?.close();
    if (err instanceof DatabaseError) throw err;
    throw fail(messageOf(err), err);
  }
}


function savepointName(name: string): string {
  if (!SQL_NAME.test(name)) throw new TypeError(`invalid savepoint name ${quote(name)}: expected an identifier`);
  return name;
}

type Statement = BetterSqlite3.Statement<unknown[], unknown>;

class SqliteConnection implements DatabaseConnection {
  readonly #db: BetterSqlite3.Database;
  readonly #cache = new Map<string, Statement>();
  readonly #cacheSize: number;

  constructor(db: BetterSqlite3.Database, cacheSize: number) {
    this.#db = db;
    this.#cacheSize = cacheSize;
  }

  #prepare(sql: string): Statement {
    let stmt = this.#cache.get(sql);
    if (stmt !== undefined) return stmt;
    stmt = this.#db.prepare(sql);
    if (this.#cacheSize > 0) {
      if (this.#cache.size >= this.#cacheSize) this.#cache.delete(this.#cache.keys().next().value as string);
      this.#cache.set(sql, stmt);
    }
    return stmt;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const stmt = this.#prepare(query.sql);
    const params = bindable(query.parameters);
    if (stmt.reader) return { rows: stmt.all(params) as R[] };
    const { changes, lastInsertRowid } = stmt.run(params);
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const stmt = this.#prepare(query.sql);
    if (!stmt.reader) throw new TypeError('only queries that return rows can be streamed');
    // Leaving the loop early closes better-sqlite3's iterator, which resets the statement.
    for (const row of stmt.iterate(bindable(query.parameters))) yield { rows: [row as R] };
  }

  clear(): void { this.#cache.clear(); }
}

/** better-sqlite3 binds numbers, bigints, strings, buffers and null; booleans become 0/1. */
function bindable(params: readonly unknown[]): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < params.length; i++) {
    const v = params[i];
    if (typeof v === 'boolean') (out ??= [...params])[i] = v ? 1 : 0;
  }
  return out ?? (params as unknown[]);
}

/**
 * One connection shared in turn: better-sqlite3 is synchronous, so queries never overlap anyway.
 * A wait longer than `busy_timeout` fails like SQLite's own lock wait would, rather than hang:
 * the usual cause is a query on `db.kysely` inside `db.transaction()`, which waits for the
 * transaction that waits for it.
 */
class Mutex {
  #locked = false;
  readonly #waiters: Array<{ grant: () => void }> = [];

  lock(timeoutMs: number): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        grant: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new DatabaseError('PHIAL_E_DB_STATE', 'database',
          `waited more than ${timeoutMs} ms (busy_timeout) for the SQLite connection, held by a transaction of this process; ` +
          'inside db.transaction(), query through its trx, not db.kysely'));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  unlock(): void {
    const next = this.#waiters.shift();
    if (next) next.grant();
    else this.#locked = false;
  }
}

class SqliteDriver implements Driver {
  readonly #db: BetterSqlite3.Database;
  readonly #connection: SqliteConnection;
  readonly #mutex = new Mutex();
  readonly #waitMs: number;

  constructor(db: BetterSqlite3.Database, cacheSize: number, waitMs: number) {
    this.#db = db;
    this.#connection = new SqliteConnection(db, cacheSize);
    this.#waitMs = waitMs;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#mutex.lock(this.#waitMs);
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    // SQLite is always serializable, stronger than any isolation level asked for (as PostgreSQL
    // runs `read uncommitted` as `read committed`), so the level is accepted and needs no statement.
    const begin = settings.accessMode === 'read only' ? 'BEGIN DEFERRED' : 'BEGIN IMMEDIATE';
    await connection.executeQuery(CompiledQuery.raw(begin));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('COMMIT'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    // After some errors (SQLITE_FULL, SQLITE_IOERR…) SQLite has already rolled back.
    if (this.#db.inTransaction) await connection.executeQuery(CompiledQuery.raw('ROLLBACK'));
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`SAVEPOINT ${savepointName(name)}`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`ROLLBACK TO SAVEPOINT ${savepointName(name)}`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`RELEASE SAVEPOINT ${savepointName(name)}`));
  }

  async releaseConnection(): Promise<void> {
    this.#mutex.unlock();
  }

  async destroy(): Promise<void> {
    this.#connection.clear();
    if (!this.#db.open) return;
    try {
      // SQLite's advice before closing a long-lived connection: refresh the planner's statistics.
      this.#db.pragma('optimize');
    } finally {
      this.#db.close();
    }
  }
}

/** A Kysely dialect over an open better-sqlite3 database (see the module comment for why). */
export class PhialSqliteDialect implements Dialect {
  readonly #db: BetterSqlite3.Database;
  readonly #options: ResolvedSqliteOptions;

  constructor(db: BetterSqlite3.Database, options: ResolvedSqliteOptions) {
    this.#db = db;
    this.#options = options;
  }

  // The in-process wait is bounded like the cross-process one, with a floor so that a zero
  // busy_timeout does not fail every concurrent query.
  createDriver(): Driver { return new SqliteDriver(this.#db, this.#options.statementCacheSize, Math.max(this.#options.busyTimeout, 1000)); }
  createQueryCompiler(): QueryCompiler { return new SqliteQueryCompiler(); }
  createAdapter(): DialectAdapter { return new SqliteAdapter(); }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's Dialect signature
  createIntrospector(db: Kysely<any>): DatabaseIntrospector { return new SqliteIntrospector(db); }
}
