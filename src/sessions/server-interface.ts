/**
 * Server-side sessions (Flask-Session): the cookie holds only a session id, 256 bits from the
 * OS CSPRNG as 43 base64url characters (OWASP asks for at least 64 bits of entropy); the data
 * lives in a {@link SessionStore} under the id's SHA-256, never the id itself.
 *
 * - An id the store does not know is never adopted: the session starts empty and gets a new
 *   server-generated id when it is first saved (Flask-Session 0.7; C27).
 * - An empty session is not stored; emptying a stored one deletes its record.
 * - Loaded sessions are updated with `ifExists`, so a request that began before a logout in
 *   another tab cannot resurrect the destroyed record when it finishes.
 * - Expiry is enforced by the store (TTL = the lesser of the idle timeout and the remaining
 *   absolute lifetime) and again on read against the record's own timestamps.
 *
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  SessionError, isPlainRecord, resolveCommon,
  type ResolvedTimeouts, type ServerSessionOptions, type SessionSaveResult,
} from './options.ts';
import { PERMANENT_KEY, SESSION_STATE, Session } from './session.ts';
import type { SessionStore } from './stores/types.ts';
import { TaggedJsonError, taggedDumps, taggedLoads } from './tagged-json.ts';

/** Random bytes in a session id: 32 (256 bits), Flask-Session's `SESSION_ID_LENGTH`. */
export const SESSION_ID_BYTES = 32;
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/** A new session id: 43 base64url characters. */
export function newSessionId(): string {
  return randomBytes(SESSION_ID_BYTES).toString('base64url');
}

/** The store key of a session id: SHA-256, 64 hex digits. A leaked store yields no usable cookie. */
export function storeKey(sessionId: string): string {
  return createHash('sha256').update(sessionId, 'latin1').digest('hex');
}

/**
 * A session interface over a {@link SessionStore}. Build it with `createSessionInterface`.
 *
 * @throws {SessionError} PHIAL_E_SESSION_STORE_IN_PRODUCTION for a process-memory store in
 *   production; ConfigError PHIAL_E_BAD_VALUE for bad timeouts; {@link TypeError} without a store
 */
export class ServerSessionInterface {
  readonly type = 'server';
  /** The store, e.g. to close it at shutdown. */
  readonly store: SessionStore;
  readonly #t: ResolvedTimeouts;

  constructor(options: ServerSessionOptions) {
    const store = options.store;
    if (store === null || typeof store !== 'object' || typeof store.get !== 'function' || typeof store.set !== 'function' || typeof store.destroy !== 'function') {
      throw new TypeError('server-side sessions need a store with get, set and destroy');
    }
    if (store.processLocal && (options.env === 'production' || process.env.PHIAL_ENV === 'production')) {
      throw new SessionError('PHIAL_E_SESSION_STORE_IN_PRODUCTION', 'a process-memory session store is refused in production; use SQLite, Redis or PostgreSQL');
    }
    this.store = store;
    this.#t = resolveCommon(options);
  }

  #fresh(hadCookie: boolean, now: number): Session {
    return new Session({ permanent: this.#t.permanent, sid: null, createdAt: now, lastSeenAt: now, hadCookie, loaded: false, now: this.#t.now, defaultPermanent: this.#t.permanent });
  }

  /**
   * Loads the session named by the cookie. An absent, malformed, unknown, expired or unreadable
   * id gives a fresh empty session without an id; an expired record is deleted on the way.
   *
   * @throws whatever the store throws (the backing service is down): the request fails
   */
  /** A new empty session for a request that carries no session cookie (synchronous: nothing to read). */
  fresh(): Session {
    return this.#fresh(false, this.#t.now());
  }

  async open(cookieValue: string | undefined): Promise<Session> {
    const now = this.#t.now();
    if (cookieValue === undefined || cookieValue === '') return this.#fresh(false, now);
    if (!SESSION_ID.test(cookieValue)) return this.#fresh(true, now);
    const key = storeKey(cookieValue);
    const record = await this.store.get(key);
    if (record === null) return this.#fresh(true, now);
    let data: unknown;
    try { data = taggedLoads(record.data); } catch (err) {
      if (!(err instanceof TaggedJsonError)) throw err;
      data = null;
    }
    if (!isPlainRecord(data) || now - record.lastSeenAt > this.#t.idleMs || now - record.createdAt > this.#t.absoluteMs) {
      await this.store.destroy(key);
      return this.#fresh(true, now);
    }
    const permanent = data[PERMANENT_KEY] === true;
    delete data[PERMANENT_KEY];
    return new Session({
      data, permanent, sid: cookieValue, createdAt: record.createdAt, lastSeenAt: record.lastSeenAt, hadCookie: true,
      loaded: true, now: this.#t.now, defaultPermanent: this.#t.permanent,
    });
  }

  /**
   * Writes the session to the store and decides the cookie. Destroys the records of ids left by
   * `regenerate()`/`destroy()` first, so an old id is dead before the new cookie goes out.
   *
   * @throws {TypeError} for a value tagged JSON cannot carry (names its key); whatever the store throws
   */
  async save(session: Session): Promise<SessionSaveResult> {
    const st = session[SESSION_STATE];
    const store = this.store;
    for (const id of st.doomed.splice(0)) await store.destroy(storeKey(id));
    const now = this.#t.now();
    const absoluteLeft = st.createdAt + this.#t.absoluteMs - now;
    if (st.data.size === 0 || absoluteLeft <= 0) {
      if (st.sid !== null) await store.destroy(storeKey(st.sid));
      st.sid = null;
      return st.hadCookie ? { action: 'delete' } : { action: 'none' };
    }
    const ttl = Math.min(this.#t.idleMs, absoluteLeft) / 1000;
    const maxAge = st.permanent ? { maxAge: Math.ceil(absoluteLeft / 1000) } : {};
    const write = (): { data: string; createdAt: number; lastSeenAt: number } => {
      const payload = Object.fromEntries(st.data);
      if (st.permanent) payload[PERMANENT_KEY] = true;
      return { data: taggedDumps(payload), createdAt: st.createdAt, lastSeenAt: now };
    };

    if (st.sid === null) {
      const record = write();
      const id = newSessionId();
      await store.set(storeKey(id), record, ttl);
      st.sid = id;
      return this.#saved(session, now, { action: 'set', value: id, ...maxAge });
    }
    const key = storeKey(st.sid);
    if (session.modified || st.cookieDirty) {
      if (!(await store.set(key, write(), ttl, { ifExists: true }))) return this.#revoked(session);
      return this.#saved(session, now, st.cookieDirty ? { action: 'set', value: st.sid, ...maxAge } : { action: 'none' });
    }
    if (now - st.lastSeenAt >= this.#t.refreshMs) {
      const ok = store.touch ? await store.touch(key, now, ttl) : await store.set(key, write(), ttl, { ifExists: true });
      if (!ok) return this.#revoked(session);
      return this.#saved(session, now, { action: 'none' });
    }
    return { action: 'none' };
  }

  #saved(session: Session, now: number, result: SessionSaveResult): SessionSaveResult {
    const st = session[SESSION_STATE];
    st.lastSeenAt = now;
    st.cookieDirty = false;
    session.modified = false;
    return result;
  }

  /** The record vanished while this request ran (logout elsewhere, expiry): drop the cookie. */
  #revoked(session: Session): SessionSaveResult {
    session[SESSION_STATE].sid = null;
    session.modified = false;
    return { action: 'delete' };
  }

  /** Closes the store. */
  async close(): Promise<void> {
    await this.store.close();
  }
}
