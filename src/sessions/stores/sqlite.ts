/**
 * Server-side sessions in SQLite (better-sqlite3): the embedded default, one file in the app's
 * instance folder, shared by cluster workers on one machine.
 *
 * - The table is created if missing: `id TEXT PRIMARY KEY, data TEXT, created_at, last_seen_at,
 *   expires_at INTEGER` (epoch ms), `WITHOUT ROWID`, with an index on `expires_at`.
 * - Every read filters on `expires_at > now`, so an expired row is never returned even before
 *   the periodic purge (default every 5 minutes) deletes it.
 * - WAL journal and a busy timeout, so several worker processes can write one file; SQLite's
 *   default `synchronous=FULL` keeps a logout (DELETE) durable across a crash.
 * - The file is created `0600` in a `0700` folder: it holds every session's data.
 *
 * better-sqlite3 is synchronous: each call blocks the event loop for one indexed lookup or write
 * (microseconds on a local disk), which is cheaper than a thread hop.
 *
 * @module
 */
import Database from 'better-sqlite3';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  SessionStoreError, checkRecord, checkStoreId, checkTableName, purgeIntervalMs, ttlMs,
  type SessionRecord, type SessionSetOptions, type SessionStore,
} from './types.ts';

/** File name used inside `instancePath`. */
export const SQLITE_SESSION_FILE = 'sessions.sqlite3';

/** Options of {@link SqliteSessionStore}; give `instancePath` or `path`. */
export interface SqliteSessionStoreOptions {
  /** The app's instance folder (`app.config.instancePath`); the file is `<instancePath>/sessions.sqlite3`. */
  instancePath?: string;
  /** Explicit database file; wins over `instancePath`. */
  path?: string;
  /** Table name, `[A-Za-z_][A-Za-z0-9_]*`. Default `'phial_sessions'`. */
  table?: string;
  /** Seconds between purges of expired rows; 0 disables. Default 300. */
  purgeInterval?: number;
  /** ms a writer waits for another process's lock before failing. Default 5000. */
  busyTimeout?: number;
  /** Clock, Unix epoch ms. Default `Date.now`. */
  now?: () => number;
}

interface Row { data: string; created_at: number; last_seen_at: number }

/**
 * A {@link SessionStore} on an SQLite file.
 *
 * @throws {TypeError} without `path`/`instancePath` or with a bad table name; better-sqlite3's
 *   `SqliteError` when the file cannot be opened
 * @example const store = new SqliteSessionStore({ instancePath: app.config.instancePath });
 */
export class SqliteSessionStore implements SessionStore {
  /** Absolute path of the database file. */
  readonly path: string;
  readonly #db: Database.Database;
  readonly #now: () => number;
  readonly #stmt: {
    get: Database.Statement<[string, number], Row>;
    upsert: Database.Statement<[string, string, number, number, number]>;
    update: Database.Statement<[string, number, number, number, string, number]>;
    touch: Database.Statement<[number, number, string, number]>;
    destroy: Database.Statement<[string]>;
    purge: Database.Statement<[number]>;
  };
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: SqliteSessionStoreOptions) {
    const given = options?.path ?? (options?.instancePath === undefined ? undefined : join(options.instancePath, SQLITE_SESSION_FILE));
    if (typeof given !== 'string' || given === '') throw new TypeError('SqliteSessionStore needs { instancePath } or { path }');
    const table = checkTableName(options.table ?? 'phial_sessions');
    const busyTimeout = options.busyTimeout ?? 5000;
    if (!Number.isSafeInteger(busyTimeout) || busyTimeout < 0) throw new RangeError(`busyTimeout must be a non-negative integer of ms, got ${busyTimeout}`);
    const every = purgeIntervalMs(options.purgeInterval ?? 300);
    this.path = resolve(given);
    this.#now = options.now ?? Date.now;

    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    closeSync(openSync(this.path, 'a', 0o600)); // create it private before SQLite does (0644)
    this.#db = new Database(this.path, { timeout: busyTimeout });
    try {
      this.#db.pragma('journal_mode = WAL');
      const q = table.split('.').map((p) => `"${p}"`).join('.');
      const index = `"${table.split('.').pop()}_expires_at"`;
      const schema = table.includes('.') ? `"${table.split('.')[0]}".` : '';
      this.#db.exec(`CREATE TABLE IF NOT EXISTS ${q} (
        id TEXT PRIMARY KEY NOT NULL, data TEXT NOT NULL, created_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS ${schema}${index} ON ${q.split('.').pop()} (expires_at);`);
      this.#stmt = {
        get: this.#db.prepare(`SELECT data, created_at, last_seen_at FROM ${q} WHERE id = ? AND expires_at > ?`),
        upsert: this.#db.prepare(`INSERT INTO ${q} (id, data, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)
          ON CONFLICT (id) DO UPDATE SET data = excluded.data, created_at = excluded.created_at,
          last_seen_at = excluded.last_seen_at, expires_at = excluded.expires_at`),
        update: this.#db.prepare(`UPDATE ${q} SET data = ?, created_at = ?, last_seen_at = ?, expires_at = ? WHERE id = ? AND expires_at > ?`),
        touch: this.#db.prepare(`UPDATE ${q} SET last_seen_at = ?, expires_at = ? WHERE id = ? AND expires_at > ?`),
        destroy: this.#db.prepare(`DELETE FROM ${q} WHERE id = ?`),
        purge: this.#db.prepare(`DELETE FROM ${q} WHERE expires_at <= ?`),
      };
    } catch (err) {
      this.#db.close();
      throw err;
    }
    this.purge();
    if (every > 0) {
      this.#timer = setInterval(() => { if (!this.#closed) this.purge(); }, every);
      this.#timer.unref();
    }
  }

  #open(): void {
    if (this.#closed) throw new SessionStoreError('session store is closed');
  }

  async get(id: string): Promise<SessionRecord | null> {
    this.#open();
    const row = this.#stmt.get.get(checkStoreId(id), this.#now());
    return row === undefined ? null : { data: row.data, createdAt: Number(row.created_at), lastSeenAt: Number(row.last_seen_at) };
  }

  async set(id: string, record: SessionRecord, ttlSeconds: number, options: SessionSetOptions = {}): Promise<boolean> {
    this.#open();
    checkStoreId(id);
    checkRecord(record);
    const now = this.#now();
    const expiresAt = now + ttlMs(ttlSeconds);
    if (options.ifExists) return this.#stmt.update.run(record.data, record.createdAt, record.lastSeenAt, expiresAt, id, now).changes > 0;
    this.#stmt.upsert.run(id, record.data, record.createdAt, record.lastSeenAt, expiresAt);
    return true;
  }

  async touch(id: string, lastSeenAt: number, ttlSeconds: number): Promise<boolean> {
    this.#open();
    checkStoreId(id);
    const now = this.#now();
    return this.#stmt.touch.run(lastSeenAt, now + ttlMs(ttlSeconds), id, now).changes > 0;
  }

  async destroy(id: string): Promise<void> {
    this.#open();
    this.#stmt.destroy.run(checkStoreId(id));
  }

  /** Deletes expired rows now; returns how many. */
  purge(): number {
    this.#open();
    return this.#stmt.purge.run(this.#now()).changes;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#db.close();
  }
}
