/**
 * `Database`: one configured connection (SQLite file or PostgreSQL pool) with its Kysely instance,
 * transactions, per-route transactions, migrations and backups, tied to a Phial app the way
 * Flask-SQLAlchemy's `init_app` is: created at import time, opened when the app starts, closed on
 * graceful shutdown.
 *
 * @module
 */
import { join, resolve } from 'node:path';
import { CompiledQuery, Kysely, PostgresDialect, type IsolationLevel, type Transaction } from 'kysely';
import type BetterSqlite3 from 'better-sqlite3';
import { envValue, type EnvSource } from '../util/env.ts';
import { readSecretFile } from '../util/secret-file.ts';
import type { Request } from '../http/request.ts';
import type { View, ViewReturn } from '../http/view.ts';
import { backupSqlite, type BackupOptions, type BackupResult } from './backup.ts';
import { DatabaseError, quote } from './errors.ts';
import { Migrator, type DialectName } from './migrations.ts';
import { checkTransport, connectError, createPool, type PostgresOptions, type ResolvedPostgresOptions } from './postgres.ts';
import { cliMigrates, registerDatabase } from './registry.ts';
import { openSqlite, PhialSqliteDialect, type ResolvedSqliteOptions, type SqliteOptions } from './sqlite.ts';
import { describeTarget, parseDatabaseUrl, type DatabaseTarget } from './url.ts';
import type { Logger } from '../util/logger.ts';

/** The logger calls the database makes (pino's `Logger` fits): a slice of Phial's one logger type. */
export type DatabaseLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/** What {@link Database.initApp} needs of an app (a `Phial` fits). */
export interface DatabaseApp {
  readonly config: {
    readonly name: string;
    readonly env: 'development' | 'production';
    readonly rootPath: string;
    readonly instancePath: string;
  };
  readonly logger: DatabaseLogger;
  onShutdown(hook: () => void | Promise<void>): unknown;
}

/** Options of {@link createDatabase}. All optional. */
export interface DatabaseOptions {
  /**
   * The database URL (see `parseDatabaseUrl` for the forms). Default: the file named by
   * `DATABASE_URL_FILE` (a mounted secret; preferred, since the URL holds a password), else
   * `DATABASE_URL`, else `sqlite://<app name>.sqlite`, i.e. a file in the instance folder. A URL
   * given here wins over the environment: set it only in tests and scripts.
   */
  url?: string;
  /** Where `DATABASE_URL`, `DATABASE_URL_FILE`, `PHIAL_DB_ALLOW_UNENCRYPTED` and (without an app) `PHIAL_ENV` are read. Default `process.env`. */
  env?: EnvSource;
  /**
   * The migrations folder, relative to the app's `rootPath` (without an app: the working directory),
   * or `false` for none. Default `'migrations'`, which may be absent (no migrations); a folder named
   * explicitly must exist.
   */
  migrations?: string | false;
  /**
   * Apply pending migrations when the database opens: `'development'` (the default) only when the
   * app is not in production, `true` always, `false` never. Production deploys run
   * `phial db migrate` instead, as the owner role, before the new code starts; a production app
   * that finds pending migrations logs a warning.
   */
  autoMigrate?: boolean | 'development';
  /** Without an app: whether production rules apply. Default: `PHIAL_ENV=production`. `initApp` uses the app's `env`. */
  production?: boolean;
  /** Without an app: the folder relative SQLite URLs and the default file live in. Default `<cwd>/instance`. */
  instancePath?: string;
  /** Without an app: the default file name stem and PostgreSQL `application_name`. Default `'app'`. */
  name?: string;
  sqlite?: SqliteOptions;
  postgres?: PostgresOptions;
  /** Without an app: where to log. Default: nowhere. `initApp` uses the app's logger. */
  logger?: DatabaseLogger;
}

/** Transaction settings. */
export interface TransactionOptions {
  /** PostgreSQL isolation level. SQLite is always serializable and accepts any value. Default: the server's (`read committed`). */
  isolationLevel?: IsolationLevel;
  /** `'read only'` lets PostgreSQL refuse writes and SQLite skip the write lock. Default `'read write'`. */
  accessMode?: 'read only' | 'read write';
}

/** A view that runs inside a transaction (see {@link Database.transactional}). */
export type TransactionalView<DB, P> = (req: Request<P>, trx: Transaction<DB>) => ViewReturn | Promise<ViewReturn>;

const SILENT: DatabaseLogger = { debug() {}, info() {}, warn() {}, error() {} };

function integer(setting: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new DatabaseError('PHIAL_E_DB_OPTION', setting, `expected an integer from ${min} to ${max}, got ${typeof value === 'number' ? value : quote(value)}`);
  }
  return value;
}

function sqliteOptions(o: SqliteOptions = {}): ResolvedSqliteOptions {
  if (o.synchronous !== undefined && o.synchronous !== 'full' && o.synchronous !== 'normal') {
    throw new DatabaseError('PHIAL_E_DB_OPTION', 'sqlite.synchronous', `expected 'full' or 'normal', got ${quote(o.synchronous)}`);
  }
  return Object.freeze({
    busyTimeout: integer('sqlite.busyTimeout', o.busyTimeout, 5000, 0, 600_000),
    synchronous: o.synchronous ?? 'full',
    statementCacheSize: integer('sqlite.statementCacheSize', o.statementCacheSize, 200, 0, 10_000),
  });
}

function postgresOptions(o: PostgresOptions = {}, env: EnvSource): ResolvedPostgresOptions {
  const envAllow = envValue(env, 'PHIAL_DB_ALLOW_UNENCRYPTED');
  if (envAllow !== undefined && !['1', 'true', '0', 'false'].includes(envAllow.toLowerCase())) {
    throw new DatabaseError('PHIAL_E_DB_OPTION', 'PHIAL_DB_ALLOW_UNENCRYPTED', `expected 1/true or 0/false, got ${quote(envAllow)}`);
  }
  return Object.freeze({
    poolMax: integer('postgres.poolMax', o.poolMax, 10, 1, 1000),
    statementTimeout: integer('postgres.statementTimeout', o.statementTimeout, 30_000, 0, 2_147_483_647),
    idleInTransactionTimeout: integer('postgres.idleInTransactionTimeout', o.idleInTransactionTimeout, 60_000, 0, 2_147_483_647),
    connectionTimeout: integer('postgres.connectionTimeout', o.connectionTimeout, 5000, 1, 600_000),
    idleTimeout: integer('postgres.idleTimeout', o.idleTimeout, 10_000, 1, 2_147_483_647),
    allowUnencrypted: o.allowUnencrypted === true || envAllow === '1' || envAllow?.toLowerCase() === 'true',
  });
}

/** Where the URL came from: the option, `DATABASE_URL_FILE`, `DATABASE_URL`, or the default file. */
function resolveUrl(options: DatabaseOptions, env: EnvSource, name: string): { url: string; setting: string } {
  if (options.url !== undefined) return { url: options.url, setting: 'url' };
  const file = envValue(env, 'DATABASE_URL_FILE');
  const plain = envValue(env, 'DATABASE_URL');
  if (file !== undefined && plain !== undefined) {
    throw new DatabaseError('PHIAL_E_DB_URL', 'DATABASE_URL_FILE', 'both DATABASE_URL and DATABASE_URL_FILE are set; keep one');
  }
  if (file !== undefined) return { url: readSecretFile('DATABASE_URL_FILE', file), setting: 'DATABASE_URL_FILE' };
  if (plain !== undefined) return { url: plain, setting: 'DATABASE_URL' };
  const stem = /^[A-Za-z0-9_-]{1,64}$/.test(name) ? name : 'app';
  return { url: `sqlite://${stem}.sqlite`, setting: 'default database' };
}

type State = 'new' | 'open' | 'closed';

/**
 * A database: SQLite or PostgreSQL behind one typed Kysely instance. Create it with
 * {@link createDatabase}, open it with {@link Database.initApp} (or {@link Database.open} without
 * an app), query through {@link Database.kysely}.
 *
 * @typeParam DB the tables, as Kysely interfaces (`{ notes: { id: Generated<number>; … } }`)
 */
export class Database<DB> {
  readonly #options: DatabaseOptions;
  readonly #env: EnvSource;
  readonly #sqliteOptions: ResolvedSqliteOptions;
  readonly #postgresOptions: ResolvedPostgresOptions;
  #state: State = 'new';
  #kysely: Kysely<DB> | undefined;
  #target: DatabaseTarget | undefined;
  #sqlite: BetterSqlite3.Database | undefined;
  #migrator: Migrator | undefined;
  #logger: DatabaseLogger;
  #production: boolean;
  #instancePath: string;
  #rootPath: string;
  #name: string;

  /** @throws DatabaseError PHIAL_E_DB_OPTION for an option out of range */
  constructor(options: DatabaseOptions = {}) {
    this.#options = { ...options };
    this.#env = options.env ?? process.env;
    this.#sqliteOptions = sqliteOptions(options.sqlite);
    this.#postgresOptions = postgresOptions(options.postgres, this.#env);
    if (options.autoMigrate !== undefined && typeof options.autoMigrate !== 'boolean' && options.autoMigrate !== 'development') {
      throw new DatabaseError('PHIAL_E_DB_OPTION', 'autoMigrate', `expected true, false or 'development', got ${quote(options.autoMigrate)}`);
    }
    this.#logger = options.logger ?? SILENT;
    this.#production = options.production ?? envValue(this.#env, 'PHIAL_ENV') === 'production';
    this.#rootPath = process.cwd();
    this.#instancePath = resolve(options.instancePath ?? join(this.#rootPath, 'instance'));
    this.#name = options.name ?? 'app';
  }

  /**
   * The typed Kysely instance. Every query it builds is parameterized.
   * @throws DatabaseError PHIAL_E_DB_STATE before `open()`/`initApp()` or after `close()`
   */
  get kysely(): Kysely<DB> {
    if (this.#kysely === undefined || this.#state !== 'open') {
      throw new DatabaseError('PHIAL_E_DB_STATE', 'database',
        this.#state === 'closed' ? 'the database is closed' : 'the database is not open yet: await db.initApp(app) (or db.open()) at startup');
    }
    return this.#kysely;
  }

  /** `'sqlite'` or `'postgres'`. @throws DatabaseError PHIAL_E_DB_STATE before opening */
  get dialect(): DialectName { return this.#opened().dialect; }

  /** The URL for logs and messages, password hidden. @throws DatabaseError PHIAL_E_DB_STATE before opening */
  get url(): string { return describeTarget(this.#opened()); }

  /** The parsed URL (password included: never log it). @throws DatabaseError PHIAL_E_DB_STATE before opening */
  get target(): DatabaseTarget { return this.#opened(); }

  /** True between `open()` and `close()`. */
  get isOpen(): boolean { return this.#state === 'open'; }

  /**
   * The migrator of this database's migrations folder.
   * @throws DatabaseError PHIAL_E_DB_STATE before opening, or PHIAL_E_DB_MIGRATION with `migrations: false`
   */
  get migrations(): Migrator {
    const target = this.#opened();
    if (this.#options.migrations === false) throw new DatabaseError('PHIAL_E_DB_MIGRATION', 'migrations', 'this database was created with migrations: false');
    return (this.#migrator ??= new Migrator(this.kysely, {
      folder: resolve(this.#rootPath, this.#options.migrations ?? 'migrations'),
      required: this.#options.migrations !== undefined,
      dialect: target.dialect,
      busyTimeout: this.#sqliteOptions.busyTimeout,
    }));
  }

  /**
   * Binds the database to `app` (Flask-SQLAlchemy's `init_app`): relative SQLite paths and the
   * default file go to `app.config.instancePath`, production rules follow `app.config.env`, logs go
   * to `app.logger`. Opens the database now, so a wrong URL or an unreachable server stops the app
   * at startup with a clear error rather than at the first request; applies pending migrations
   * when `autoMigrate` says so (not when `phial db` loaded the app); closes on `app.onShutdown`.
   *
   * @returns this, open
   * @throws DatabaseError PHIAL_E_DB_URL, PHIAL_E_DB_INSECURE, PHIAL_E_DB_CONNECT, PHIAL_E_DB_MIGRATION, PHIAL_E_DB_STATE (called twice)
   */
  async initApp(app: DatabaseApp): Promise<this> {
    if (this.#state !== 'new') throw new DatabaseError('PHIAL_E_DB_STATE', 'database', 'initApp() was already called, or the database was opened without an app');
    registerDatabase(app, this);
    this.#rootPath = app.config.rootPath;
    this.#instancePath = app.config.instancePath;
    this.#production = app.config.env === 'production';
    this.#logger = app.logger;
    this.#name = this.#options.name ?? app.config.name;
    await this.open();
    app.onShutdown(() => this.close());
    const auto = this.#options.autoMigrate ?? 'development';
    if (this.#options.migrations === false) return this;
    if ((auto === true || (auto === 'development' && !this.#production)) && !cliMigrates()) {
      const applied = await this.migrations.migrate();
      if (applied.length > 0) this.#logger.info({ migrations: applied }, 'applied database migrations');
    } else if (this.#production && !cliMigrates()) {
      const pending = await this.migrations.pending();
      if (pending.length > 0) this.#logger.warn({ pending }, 'database migrations are pending: run `phial db migrate`');
    }
    return this;
  }

  /**
   * Opens the database without an app (scripts, tests, the CLI), then checks it answers.
   *
   * @returns this, open
   * @throws DatabaseError PHIAL_E_DB_URL (bad URL), PHIAL_E_DB_INSECURE (production, remote, no TLS),
   *   PHIAL_E_DB_CONNECT (cannot open the file, or the server does not answer within
   *   `postgres.connectionTimeout`), PHIAL_E_DB_STATE (already opened or closed)
   */
  async open(): Promise<this> {
    if (this.#state !== 'new') throw new DatabaseError('PHIAL_E_DB_STATE', 'database', `open() on a database that is ${this.#state === 'open' ? 'already open' : 'closed'}`);
    const { url, setting } = resolveUrl(this.#options, this.#env, this.#name);
    const target = parseDatabaseUrl(url, setting, this.#instancePath);
    let kysely: Kysely<DB>;
    if (target.dialect === 'sqlite') {
      this.#sqlite = openSqlite(target, this.#sqliteOptions, setting);
      kysely = new Kysely<DB>({ dialect: new PhialSqliteDialect(this.#sqlite, this.#sqliteOptions) });
    } else {
      const warning = checkTransport(target, this.#production, this.#postgresOptions.allowUnencrypted, setting);
      if (warning !== undefined) this.#logger.warn({ database: describeTarget(target) }, warning);
      const pool = createPool(target, this.#postgresOptions, this.#name,
        (err) => this.#logger.error({ err, database: describeTarget(target) }, 'idle database connection failed'));
      kysely = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
      try {
        await kysely.executeQuery(CompiledQuery.raw('select 1'));
      } catch (err) {
        await kysely.destroy().catch(() => undefined);
        throw connectError(target, err, setting);
      }
    }
    this.#target = target;
    this.#kysely = kysely;
    this.#state = 'open';
    this.#logger.debug({ database: describeTarget(target) }, 'database opened');
    return this;
  }

  /** Closes the SQLite file or drains the pool. Idempotent; `initApp` registers it as a shutdown hook. */
  async close(): Promise<void> {
    if (this.#state !== 'open') {
      this.#state = 'closed';
      return;
    }
    this.#state = 'closed';
    await this.#kysely?.destroy();
  }

  /**
   * Runs `fn` in a transaction: committed when `fn` resolves, rolled back when it throws (the error
   * is rethrown). SQLite write transactions start with `BEGIN IMMEDIATE` (see `sqlite.ts`).
   *
   * @example
   * await db.transaction(async (trx) => {
   *   const { id } = await trx.insertInto('notes').values(note).returning('id').executeTakeFirstOrThrow();
   *   await trx.insertInto('tags').values({ note_id: id, tag }).execute();
   * });
   */
  transaction<T>(fn: (trx: Transaction<DB>) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    let builder = this.kysely.transaction();
    if (options.isolationLevel !== undefined && this.dialect === 'postgres') builder = builder.setIsolationLevel(options.isolationLevel);
    if (options.accessMode !== undefined) builder = builder.setAccessMode(options.accessMode);
    return builder.execute(fn);
  }

  /**
   * Wraps a view so it runs in a transaction (an opt-in per-route transaction): the view gets the
   * request and the transaction; its return commits, its throw (including `abort()` and any
   * `HTTPException`) rolls back. The wrapper keeps the view's name, so the endpoint name is
   * unchanged.
   *
   * The transaction ends when the view returns: build the whole response inside (a stream or
   * generator that queries `trx` later fails with "Transaction is already committed"). To answer
   * an error *and* roll back, throw it (`abort(409)`) rather than return it.
   *
   * @example
   * app.post('/notes/<int:id>/copy', db.transactional(async function copy(req, trx) {
   *   const note = await trx.selectFrom('notes').selectAll().where('id', '=', req.params.id).executeTakeFirst();
   *   if (!note) abort(404);
   *   return trx.insertInto('notes').values({ title: note.title, body: note.body }).returning('id').executeTakeFirstOrThrow();
   * }));
   */
  transactional<P = Record<string, unknown>>(view: TransactionalView<DB, P>, options: TransactionOptions = {}): View<P> {
    const wrapped = (req: Request<P>): Promise<ViewReturn> => this.transaction(async (trx) => view(req, trx), options);
    Object.defineProperty(wrapped, 'name', { value: view.name });
    return wrapped;
  }

  /**
   * SQLite: an online, consistent copy of the database file (see `backup.ts`).
   * @throws DatabaseError PHIAL_E_DB_BACKUP (also for PostgreSQL: use `pg_dump`, see docs/database.md)
   */
  async backup(path: string, options: BackupOptions = {}): Promise<BackupResult> {
    const target = this.#opened();
    if (target.dialect !== 'sqlite' || this.#sqlite === undefined) {
      throw new DatabaseError('PHIAL_E_DB_BACKUP', 'database', 'backup() copies SQLite databases; back up PostgreSQL with pg_dump');
    }
    return backupSqlite(this.#sqlite, resolve(path), options);
  }

  #opened(): DatabaseTarget {
    if (this.#target === undefined || this.#state !== 'open') {
      throw new DatabaseError('PHIAL_E_DB_STATE', 'database', this.#state === 'closed' ? 'the database is closed' : 'the database is not open yet');
    }
    return this.#target;
  }
}

/**
 * Creates a (not yet open) database. Open it with `await db.initApp(app)` in the app factory, or
 * `await db.open()` without an app.
 *
 * @typeParam DB the tables, as Kysely interfaces
 * @throws DatabaseError PHIAL_E_DB_OPTION for an option out of range
 * @example
 * import { createDatabase, type Generated } from 'phial/db';
 * interface DB { notes: { id: Generated<number>; title: string; body: string } }
 * export const db = createDatabase<DB>();
 * // in createApp(): await db.initApp(app);
 * app.get('/api/notes', () => db.kysely.selectFrom('notes').selectAll().execute());
 */
export function createDatabase<DB>(options: DatabaseOptions = {}): Database<DB> {
  return new Database<DB>(options);
}
