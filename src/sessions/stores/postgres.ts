/**
 * Server-side sessions in PostgreSQL (pg), for apps whose data already lives there.
 *
 * - The table is created if missing on first use: `id text PRIMARY KEY, data text,
 *   created_at bigint, last_seen_at bigint` (epoch ms, the app's clock) and
 *   `expires_at timestamptz` (the database's clock), with an index on `expires_at`.
 * - Expiry is computed and checked by the database (`now() + ttl`, `expires_at > now()` in every
 *   read and update), so app servers with skewed clocks agree on it.
 * - Expired rows are deleted periodically (default every 5 minutes) by whichever process runs
 *   the purge; they are never returned in between.
 * - node-postgres is imported when a pool the store owns is first needed, so a module that
 *   imports this store without using it (one back-end picked by configuration) loads no driver.
 *
 * @module
 */
import type pg from 'pg';
import {
  SessionStoreError, checkRecord, checkStoreId, checkTableName, purgeIntervalMs, ttlMs,
  type SessionRecord, type SessionSetOptions, type SessionStore,
} from './types.ts';

/** Options of {@link PostgresSessionStore}. */
export interface PostgresSessionStoreOptions {
  /** A pool you own (not ended by `close()`). */
  pool?: pg.Pool;
  /** Connection string for a pool the store owns, e.g. `postgres://user@127.0.0.1/app`. */
  connectionString?: string;
  /** pg pool options for a pool the store owns. */
  config?: pg.PoolConfig;
  /** Table name, `[A-Za-z_][A-Za-z0-9_]*` or `schema.table`. Default `'phial_sessions'`. */
  table?: string;
  /** Seconds between purges of expired rows; 0 disables. Default 300. */
  purgeInterval?: number;
}

// Two processes creating the table at once: one wins, the other sees a duplicate.
const ALREADY_EXISTS = new Set(['42P07', '23505']);

/**
 * A {@link SessionStore} on PostgreSQL.
 *
 * @throws {TypeError} for a bad table name
 * @example const store = new PostgresSessionStore({ connectionString: process.env.DATABASE_URL });
 */
export class PostgresSessionStore implements SessionStore {
  /** The table in use, as given. */
  readonly table: string;
  /** The pool, created on first use when the store owns it. */
  #pool: Promise<pg.Pool> | undefined;
  readonly #poolConfig: pg.PoolConfig | undefined;
  readonly #owned: boolean;
  readonly #q: string;
  #ready: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: PostgresSessionStoreOptions = {}) {
    this.table = checkTableName(options.table ?? 'phial_sessions');
    this.#q = this.table.split('.').map((p) => `"${p}"`).join('.');
    const every = purgeIntervalMs(options.purgeInterval ?? 300);
    if (options.pool) {
      this.#pool = Promise.resolve(options.pool);
      this.#owned = false;
    } else {
      this.#poolConfig = { ...options.config, ...(options.connectionString ? { connectionString: options.connectionString } : {}) };
      this.#owned = true;
    }
    if (every > 0) {
      this.#timer = setInterval(() => { this.purge().catch(() => { /* retried next interval; reads filter anyway */ }); }, every);
      this.#timer.unref();
    }
  }

  #pooled(): Promise<pg.Pool> {
    // One promise, so concurrent first calls share one pool.
    return (this.#pool ??= import('pg').then(({ default: driver }) => new driver.Pool(this.#poolConfig)));
  }

  /** Creates the table once; a failure is retried by the next call. */
  #init(): Promise<void> {
    if (this.#closed) return Promise.reject(new SessionStoreError('session store is closed'));
    this.#ready ??= (async () => {
      const index = `"${this.table.split('.').pop()}_expires_at"`;
      for (const sql of [
        `CREATE TABLE IF NOT EXISTS ${this.#q} (id text PRIMARY KEY, data text NOT NULL,
          created_at bigint NOT NULL, last_seen_at bigint NOT NULL, expires_at timestamptz NOT NULL)`,
        `CREATE INDEX IF NOT EXISTS ${index} ON ${this.#q} (expires_at)`,
      ]) {
        try { await (await this.#pooled()).query(sql); } catch (err) {
          if (!ALREADY_EXISTS.has((err as { code?: string }).code ?? '')) throw err;
        }
      }
    })().catch((err: unknown) => { this.#ready = undefined; throw err; });
    return this.#ready;
  }

  async #query(sql: string, values: unknown[]): Promise<pg.QueryResult> {
    await this.#init();
    return (await this.#pooled()).query(sql, values);
  }

  async get(id: string): Promise<SessionRecord | null> {
    const r = await this.#query(`SELECT data, created_at, last_seen_at FROM ${this.#q} WHERE id = $1 AND expires_at > now()`, [checkStoreId(id)]);
    const row = r.rows[0] as { data: string; created_at: string; last_seen_at: string } | undefined;
    return row === undefined ? null : { data: row.data, createdAt: Number(row.created_at), lastSeenAt: Number(row.last_seen_at) };
  }

  async set(id: string, record: SessionRecord, ttlSeconds: number, options: SessionSetOptions = {}): Promise<boolean> {
    checkStoreId(id);
    checkRecord(record);
    const values = [id, record.data, record.createdAt, record.lastSeenAt, ttlMs(ttlSeconds)];
    const r = options.ifExists
      ? await this.#query(`UPDATE ${this.#q} SET data = $2, created_at = $3, last_seen_at = $4,
          expires_at = now() + $5 * interval '1 millisecond' WHERE id = $1 AND expires_at > now()`, values)
      : await this.#query(`INSERT INTO ${this.#q} (id, data, created_at, last_seen_at, expires_at)
          VALUES ($1, $2, $3, $4, now() + $5 * interval '1 millisecond')
          ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data, created_at = EXCLUDED.created_at,
          last_seen_at = EXCLUDED.last_seen_at, expires_at = EXCLUDED.expires_at`, values);
    return (r.rowCount ?? 0) > 0;
  }

  async touch(id: string, lastSeenAt: number, ttlSeconds: number): Promise<boolean> {
    if (!Number.isSafeInteger(lastSeenAt) || lastSeenAt < 0) throw new TypeError('lastSeenAt must be a non-negative integer (epoch ms)');
    const r = await this.#query(`UPDATE ${this.#q} SET last_seen_at = $2, expires_at = now() + $3 * interval '1 millisecond'
      WHERE id = $1 AND expires_at > now()`, [checkStoreId(id), lastSeenAt, ttlMs(ttlSeconds)]);
    return (r.rowCount ?? 0) > 0;
  }

  async destroy(id: string): Promise<void> {
    await this.#query(`DELETE FROM ${this.#q} WHERE id = $1`, [checkStoreId(id)]);
  }

  /** Deletes expired rows now; resolves to how many. */
  async purge(): Promise<number> {
    const r = await this.#query(`DELETE FROM ${this.#q} WHERE expires_at <= now()`, []);
    return r.rowCount ?? 0;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    // A table creation still running would use the pool after end(): let it settle first.
    await this.#ready?.catch(() => undefined);
    // A pool never created has nothing to end.
    if (this.#owned && this.#pool !== undefined) await (await this.#pool).end();
  }
}
