/**
 * Server-side sessions in Redis (ioredis), for apps running on several machines.
 *
 * One string key per session, `<prefix><sha256 of the session id>`, written with
 * `SET key value PX ttl` (and `XX` for updates of loaded sessions), so Redis itself deletes a
 * session when its TTL runs out and a write is atomic. The value is a small JSON envelope
 * `{"v":1,"d":data,"c":createdAt,"s":lastSeenAt}`; a value that does not parse is treated as
 * absent (and logged by nobody: it can only come from another writer on the same prefix).
 *
 * ioredis is imported, and a client the store owns connected, on the store's first command, so a
 * module that imports this store without using it (one back-end picked by configuration) loads no
 * driver.
 *
 * @module
 */
import type { Redis, RedisOptions } from 'ioredis';
import {
  SessionStoreError, checkRecord, checkStoreId, ttlMs,
  type SessionRecord, type SessionSetOptions, type SessionStore,
} from './types.ts';

/** Options of {@link RedisSessionStore}. */
export interface RedisSessionStoreOptions {
  /** A client you own (it is not closed by `close()`). */
  client?: Redis;
  /** Connection URL, e.g. `redis://127.0.0.1:6379/0`, for a client the store owns. */
  url?: string;
  /** ioredis options for a client the store owns (with `url`, or alone). */
  redis?: RedisOptions;
  /** Key prefix. Default `'phial:session:'` (Flask-Session uses `'session:'`). */
  prefix?: string;
}

function parse(text: string | null): SessionRecord | null {
  if (text === null) return null;
  try {
    const v = JSON.parse(text) as { v?: unknown; d?: unknown; c?: unknown; s?: unknown };
    if (v.v !== 1 || typeof v.d !== 'string' || !Number.isSafeInteger(v.c) || !Number.isSafeInteger(v.s)) return null;
    return { data: v.d, createdAt: v.c as number, lastSeenAt: v.s as number };
  } catch {
    return null;
  }
}

/**
 * A {@link SessionStore} on Redis.
 *
 * @throws {TypeError} for a prefix that is not 1-100 printable ASCII characters
 * @example const store = new RedisSessionStore({ url: process.env.REDIS_URL });
 */
export class RedisSessionStore implements SessionStore {
  /** The key prefix in use. */
  readonly prefix: string;
  /** The client, created on first use when the store owns it. */
  #client: Promise<Redis> | undefined;
  readonly #url: string | undefined;
  readonly #redisOptions: RedisOptions;
  readonly #owned: boolean;
  #closed = false;

  constructor(options: RedisSessionStoreOptions = {}) {
    const prefix = options.prefix ?? 'phial:session:';
    if (typeof prefix !== 'string' || !/^[\x21-\x7e]{1,100}$/.test(prefix)) throw new TypeError('Redis session prefix must be 1-100 printable ASCII characters');
    this.prefix = prefix;
    this.#url = options.url;
    this.#redisOptions = options.redis ?? {};
    if (options.client) {
      this.#client = Promise.resolve(options.client);
      this.#owned = false;
    } else {
      this.#owned = true;
    }
  }

  #redis(): Promise<Redis> {
    // One promise, so concurrent first commands share one client.
    return (this.#client ??= import('ioredis').then(({ Redis: Client }) =>
      this.#url ? new Client(this.#url, this.#redisOptions) : new Client(this.#redisOptions)));
  }

  #key(id: string): string {
    if (this.#closed) throw new SessionStoreError('session store is closed');
    return this.prefix + checkStoreId(id);
  }

  async get(id: string): Promise<SessionRecord | null> {
    const key = this.#key(id);
    return parse(await (await this.#redis()).get(key));
  }

  async set(id: string, record: SessionRecord, ttlSeconds: number, options: SessionSetOptions = {}): Promise<boolean> {
    const key = this.#key(id);
    checkRecord(record);
    const value = JSON.stringify({ v: 1, d: record.data, c: record.createdAt, s: record.lastSeenAt });
    const ms = ttlMs(ttlSeconds);
    const client = await this.#redis();
    const reply = options.ifExists
      ? await client.set(key, value, 'PX', ms, 'XX')
      : await client.set(key, value, 'PX', ms);
    return reply === 'OK';
  }

  async destroy(id: string): Promise<void> {
    const key = this.#key(id);
    await (await this.#redis()).del(key);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // A client never created has nothing to quit.
    if (this.#owned && this.#client !== undefined) await (await this.#client).quit();
  }
}
