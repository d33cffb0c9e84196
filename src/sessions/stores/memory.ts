/**
 * A session store in process memory, for development and tests only: sessions vanish on restart,
 * are not shared between cluster workers, and grow the heap without bound under load. It refuses
 * production, like Flask-Session warns against its filesystem and null backends.
 *
 * @module
 */
import type { PhialEnv } from '../../util/phial-env.ts';
import {
  SessionStoreError, checkRecord, checkStoreId, purgeIntervalMs, ttlMs,
  type SessionRecord, type SessionSetOptions, type SessionStore,
} from './types.ts';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** The app's environment (`app.config.env`). Required so production can be refused. */
  env: PhialEnv;
  /** Clock, Unix epoch ms. Default `Date.now`. */
  now?: () => number;
  /** Seconds between sweeps of expired records; 0 disables. Default 60. */
  purgeInterval?: number;
}

/**
 * An in-memory {@link SessionStore}.
 *
 * @throws {SessionStoreError} from the constructor when `env` is `'production'` or the
 *   `PHIAL_ENV` environment variable is `production` (a store that forgets every session on
 *   restart, per worker, is a bug in production, not a configuration)
 * @example const store = new MemoryStore({ env: app.config.env });
 */
export class MemoryStore implements SessionStore {
  readonly processLocal = true;
  readonly #records = new Map<string, { record: SessionRecord; expiresAt: number }>();
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: MemoryStoreOptions) {
    if (options?.env !== 'development' && options?.env !== 'production') {
      throw new SessionStoreError(`MemoryStore needs { env: 'development' | 'production' }, got ${JSON.stringify(options?.env)}`);
    }
    if (options.env === 'production' || process.env.PHIAL_ENV === 'production') {
      throw new SessionStoreError('MemoryStore is refused in production: sessions would be lost on restart and differ per worker; use SqliteSessionStore, RedisSessionStore or PostgresSessionStore');
    }
    this.#now = options.now ?? Date.now;
    const every = purgeIntervalMs(options.purgeInterval ?? 60);
    if (every > 0) {
      this.#timer = setInterval(() => this.purge(), every);
      this.#timer.unref();
    }
  }

  #open(): void {
    if (this.#closed) throw new SessionStoreError('session store is closed');
  }

  async get(id: string): Promise<SessionRecord | null> {
    this.#open();
    const entry = this.#records.get(checkStoreId(id));
    if (entry === undefined) return null;
    if (entry.expiresAt <= this.#now()) {
      this.#records.delete(id);
      return null;
    }
    return entry.record;
  }

  async set(id: string, record: SessionRecord, ttlSeconds: number, options: SessionSetOptions = {}): Promise<boolean> {
    this.#open();
    checkStoreId(id);
    checkRecord(record);
    const ttl = ttlMs(ttlSeconds);
    if (options.ifExists && (await this.get(id)) === null) return false;
    this.#records.set(id, { record: { data: record.data, createdAt: record.createdAt, lastSeenAt: record.lastSeenAt }, expiresAt: this.#now() + ttl });
    return true;
  }

  async touch(id: string, lastSeenAt: number, ttlSeconds: number): Promise<boolean> {
    const current = await this.get(id);
    if (current === null) return false;
    return this.set(id, { ...current, lastSeenAt }, ttlSeconds, { ifExists: true });
  }

  async destroy(id: string): Promise<void> {
    this.#open();
    this.#records.delete(checkStoreId(id));
  }

  /** Drops expired records now; returns how many. */
  purge(): number {
    const now = this.#now();
    let n = 0;
    for (const [id, entry] of this.#records) {
      if (entry.expiresAt <= now) { this.#records.delete(id); n++; }
    }
    return n;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#records.clear();
  }
}
