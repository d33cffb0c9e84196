/**
 * Cookie sessions: the whole session travels in the cookie, signed (Flask's format) or encrypted.
 *
 * Metadata rides along as ordinary keys, so a Flask app sharing the cookie keeps it:
 * `_permanent` (Flask's own) and `_created` (creation time, Unix seconds, for the absolute
 * timeout). The idle timeout runs from the cookie's own timestamp, written on every save; an
 * unchanged session in use is re-saved every `refreshInterval` to keep it alive. A cookie without
 * `_created` (made by Flask) counts as created at its timestamp.
 *
 * Revocation is the weak spot of every cookie session: `destroy()` and `regenerate()` replace
 * the cookie in this browser, but a copy taken earlier stays valid until its idle or absolute
 * timeout. Use server-side sessions where a logout must end the session everywhere.
 *
 * @module
 */
import { EncryptedCookieCodec } from './encrypted.ts';
import { BadData, URLSafeTimedSerializer, type TimedValue } from './itsdangerous.ts';
import {
  MAX_SESSION_COOKIE_LENGTH, SessionError, isPlainRecord, resolveCommon,
  type EncryptedCookieSessionOptions, type ResolvedTimeouts, type SessionSaveResult, type SignedCookieSessionOptions,
} from './options.ts';
import { CREATED_KEY, PERMANENT_KEY, SESSION_STATE, Session } from './session.ts';

interface CookieCodec {
  dumps(value: unknown, timestamp: number): string;
  loads(cookie: string, options: { maxAge: number; now: number }): TimedValue;
}

/**
 * A session interface whose state is the cookie. Build it with `createSessionInterface`.
 *
 * @throws {TypeError} for a missing secret key or a fallback list that is not an array;
 *   ConfigError PHIAL_E_BAD_VALUE for bad timeouts
 */
export class CookieSessionInterface {
  /** `'signed'` (Flask-compatible, readable by the client) or `'encrypted'`. */
  readonly type: 'signed' | 'encrypted';
  readonly #codec: CookieCodec;
  readonly #t: ResolvedTimeouts;

  constructor(options: SignedCookieSessionOptions | EncryptedCookieSessionOptions) {
    this.type = options.type;
    this.#t = resolveCommon(options);
    const keys = { secretKey: options.secretKey, secretKeyFallbacks: options.secretKeyFallbacks };
    this.#codec = options.type === 'signed' ? new URLSafeTimedSerializer(keys) : new EncryptedCookieCodec(keys);
  }

  #fresh(hadCookie: boolean, now: number): Session {
    return new Session({ permanent: this.#t.permanent, sid: null, createdAt: now, lastSeenAt: now, hadCookie, loaded: false, now: this.#t.now, defaultPermanent: this.#t.permanent });
  }

  /**
   * Reads the session from the cookie value. A missing, tampered, foreign-key, malformed or
   * expired (idle or absolute) cookie gives a fresh empty session: bad input is never an error.
   */
  /** A new empty session for a request that carries no session cookie (synchronous: nothing to read). */
  fresh(): Session {
    return this.#fresh(false, this.#t.now());
  }

  async open(cookieValue: string | undefined): Promise<Session> {
    return this.openSync(cookieValue);
  }

  /** {@link open} without waiting: a cookie session is decoded in place, so it can open on first access. */
  openSync(cookieValue: string | undefined): Session {
    const now = this.#t.now();
    if (cookieValue === undefined || cookieValue === '') return this.#fresh(false, now);
    let loaded: TimedValue;
    try {
      loaded = this.#codec.loads(cookieValue, { maxAge: this.#t.idleSeconds, now: Math.floor(now / 1000) });
    } catch (err) {
      if (err instanceof BadData) return this.#fresh(true, now);
      throw err;
    }
    if (!isPlainRecord(loaded.value)) return this.#fresh(true, now);
    const data = loaded.value;
    const created = data[CREATED_KEY];
    const createdAt = (Number.isSafeInteger(created) && (created as number) >= 0 ? (created as number) : loaded.timestamp) * 1000;
    if (now - createdAt > this.#t.absoluteMs) return this.#fresh(true, now);
    const permanent = data[PERMANENT_KEY] === true;
    delete data[CREATED_KEY];
    delete data[PERMANENT_KEY];
    return new Session({
      data, permanent, sid: null, createdAt, lastSeenAt: loaded.timestamp * 1000, hadCookie: true, loaded: true,
      now: this.#t.now, defaultPermanent: this.#t.permanent,
    });
  }

  /**
   * Decides the cookie: `delete` for an emptied session that came with a cookie, `set` for a new,
   * changed, regenerated or due-for-refresh one, else `none`.
   *
   * @throws {TypeError} for a value tagged JSON cannot carry (names its key);
   *   {@link SessionError} PHIAL_E_SESSION_TOO_LARGE past {@link MAX_SESSION_COOKIE_LENGTH}
   */
  async save(session: Session): Promise<SessionSaveResult> {
    const st = session[SESSION_STATE];
    const now = this.#t.now();
    const absoluteLeft = st.createdAt + this.#t.absoluteMs - now;
    if (st.data.size === 0 || absoluteLeft <= 0) return st.hadCookie ? { action: 'delete' } : { action: 'none' };
    const due = !st.loaded || session.modified || st.cookieDirty || now - st.lastSeenAt >= this.#t.refreshMs;
    if (!due) return { action: 'none' };
    const payload = Object.fromEntries(st.data);
    if (st.permanent) payload[PERMANENT_KEY] = true;
    payload[CREATED_KEY] = Math.floor(st.createdAt / 1000);
    const value = this.#codec.dumps(payload, Math.floor(now / 1000));
    if (value.length > MAX_SESSION_COOKIE_LENGTH) {
      throw new SessionError('PHIAL_E_SESSION_TOO_LARGE',
        `session cookie would be ${value.length} characters, over ${MAX_SESSION_COOKIE_LENGTH}: browsers drop it; keep less in the session or use server-side sessions`);
    }
    st.lastSeenAt = now;
    st.cookieDirty = false;
    session.modified = false;
    return st.permanent ? { action: 'set', value, maxAge: Math.ceil(absoluteLeft / 1000) } : { action: 'set', value };
  }

  /** Nothing to release. */
  async close(): Promise<void> {}
}
