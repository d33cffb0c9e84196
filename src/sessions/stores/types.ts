/**
 * The contract between server-side sessions and their stores (Flask-Session's backends), and the
 * checks every store shares.
 *
 * A store keeps opaque records under opaque ids. The session interface hands it the **SHA-256 of
 * the cookie's session id**, never the id itself, so a dump of the store (a backup, a replica, a
 * `KEYS *`) yields no cookie that logs anyone in. Expiry is enforced twice: the store drops or
 * hides a record once its TTL has passed, and the session interface checks the idle and absolute
 * timeouts in the record when it reads it.
 *
 * @module
 */
import { SQL_QUALIFIED_NAME } from '../../util/identifier.ts';

/** One stored session. Times are Unix epoch milliseconds, from the session interface's clock. */
export interface SessionRecord {
  /** The session data as Flask tagged JSON text. */
  readonly data: string;
  /** When the session was created (or last regenerated); the absolute timeout runs from here. */
  readonly createdAt: number;
  /** When the record was last written or touched; the idle timeout runs from here. */
  readonly lastSeenAt: number;
}

/** Options of {@link SessionStore.set}. */
export interface SessionSetOptions {
  /**
   * Write only over a live record; return `false` otherwise. The session interface uses it for
   * sessions it loaded, so a request that started before a logout elsewhere cannot bring the
   * destroyed session back when it saves. Default `false` (insert or replace).
   */
  ifExists?: boolean;
}

/**
 * A server-side session store. Implementations: `MemoryStore` (development only),
 * `SqliteSessionStore`, `RedisSessionStore`, `PostgresSessionStore`.
 *
 * Every method may be called concurrently for one id; each write must be atomic (the last write
 * wins, a reader never sees half a record). Errors of the backing service propagate (the request
 * fails with a 500); a store never invents a record.
 */
export interface SessionStore {
  /** True for stores living in process memory; they are refused in production. */
  readonly processLocal?: boolean;
  /** The live record under `id`, or `null` when absent or past its TTL. */
  get(id: string): Promise<SessionRecord | null>;
  /**
   * Stores `record` under `id` for `ttlSeconds` (> 0; fractions allowed, stores round up to
   * their resolution). Returns `true` when written, `false` only with `ifExists` and no live record.
   */
  set(id: string, record: SessionRecord, ttlSeconds: number, options?: SessionSetOptions): Promise<boolean>;
  /** Deletes the record under `id`; no error when there is none. */
  destroy(id: string): Promise<void>;
  /**
   * Optional cheaper refresh of a live record: new `lastSeenAt` and TTL, data untouched. Returns
   * `false` when no live record exists. Without it the interface rewrites the record with `set`.
   */
  touch?(id: string, lastSeenAt: number, ttlSeconds: number): Promise<boolean>;
  /** Releases connections, timers and files the store owns. Further calls throw. */
  close(): Promise<void>;
}

/** A store misused or failing in a way the app must hear about (closed, misconfigured). */
export class SessionStoreError extends Error {
  override readonly name = 'SessionStoreError';
}

/** Validates a TTL and returns it in whole milliseconds (rounded up, at least 1). @throws {RangeError} */
export function ttlMs(ttlSeconds: number): number {
  if (typeof ttlSeconds !== 'number' || !Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw new RangeError(`session TTL must be a positive number of seconds, got ${String(ttlSeconds)}`);
  }
  return Math.max(1, Math.ceil(ttlSeconds * 1000));
}

/** Validates a store id: 1 to 256 printable ASCII characters. @throws {TypeError} */
export function checkStoreId(id: string): string {
  if (typeof id !== 'string' || !/^[\x21-\x7e]{1,256}$/.test(id)) throw new TypeError('session store ids are 1-256 printable ASCII characters');
  return id;
}

/** Validates a record before it is written. @throws {TypeError} naming the bad field */
export function checkRecord(record: SessionRecord): SessionRecord {
  if (record === null || typeof record !== 'object' || typeof record.data !== 'string') throw new TypeError('session record needs a string `data`');
  for (const field of ['createdAt', 'lastSeenAt'] as const) {
    if (!Number.isSafeInteger(record[field]) || record[field] < 0) throw new TypeError(`session record ${field} must be a non-negative integer (epoch ms)`);
  }
  return record;
}

/**
 * Validates an SQL table name: a letter or `_`, then letters, digits or `_`, at most 63 characters
 * (PostgreSQL's identifier limit), optionally `schema.table`. Interpolated into SQL, so nothing else.
 *
 * @throws {TypeError} naming the value
 */
export function checkTableName(name: string): string {
  if (typeof name !== 'string' || !SQL_QUALIFIED_NAME.test(name)) {
    throw new TypeError(`session table name must match [A-Za-z_][A-Za-z0-9_]* (optionally schema.table), got ${JSON.stringify(String(name))}`);
  }
  return name;
}

/** Validates a periodic purge interval in seconds (0 disables) and returns milliseconds. @throws {RangeError} */
export function purgeIntervalMs(seconds: number): number {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0 || seconds > 2_147_483) {
    throw new RangeError(`purgeInterval must be 0 (off) to 2147483 seconds, got ${String(seconds)}`);
  }
  return Math.round(seconds * 1000);
}
