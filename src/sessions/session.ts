/**
 * The session object a view sees: a typed record with Flask's `accessed`/`modified` tracking,
 * `permanent`, flashed messages, `regenerate()` against fixation and a per-session CSRF secret.
 *
 * A `Session` is created by a session interface's `open()` and handed back to its `save()`; it
 * never touches a cookie or a store itself, so every effect (`regenerate`, `destroy`) takes
 * place when the request path calls `save()` at the end of the request.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { Markup, isTuple, tuple } from './tagged-json.ts';

/** Session contents: string keys, tagged-JSON values (see `taggedDumps`). */
export type SessionData = Record<string, unknown>;

/** The values every session may hold. Augment it to type `req.session`:
 * `declare module 'phial' { interface SessionValues { userId: number } }`. */
export interface SessionValues {
  [key: string]: unknown;
}

/** Flask's key for flashed messages: a list of `(category, message)` tuples. */
export const FLASHES_KEY = '_flashes';
/** Flask-WTF's key for the raw CSRF secret, so a session shared with Flask keeps one secret. */
export const CSRF_SECRET_KEY = 'csrf_token';
/** Flask's key for `session.permanent` in the serialized data. */
export const PERMANENT_KEY = '_permanent';
/** Phial's key for the session creation time (Unix seconds) in cookie sessions. */
export const CREATED_KEY = '_created';

const RESERVED = new Set([PERMANENT_KEY, CREATED_KEY]);
const CSRF_SECRET_BYTES = 32;

/** Options of {@link Session.getFlashedMessages} (Flask's `get_flashed_messages`). */
export interface FlashedMessagesOptions {
  /** Return `[category, message]` pairs instead of messages. Default `false`. */
  withCategories?: boolean;
  /** Only these categories (all flashes are still consumed, as in Flask). Default: all. */
  categoryFilter?: readonly string[];
}

/** Key of the interface-only state on a {@link Session}. @internal */
export const SESSION_STATE: unique symbol = Symbol('phial.session.state');

/** What a session interface needs beyond the data. Times are Unix epoch milliseconds. @internal */
export interface SessionState {
  /** The data, read without marking the session accessed. */
  readonly data: Map<string, unknown>;
  permanent: boolean;
  /** The request brought a valid session. */
  readonly loaded: boolean;
  readonly now: () => number;
  readonly defaultPermanent: boolean;
  /** Server-side id of the record this session lives in; `null` until `save()` creates one. */
  sid: string | null;
  /** Ids whose records `save()` must delete (after `regenerate()` or `destroy()`). */
  readonly doomed: string[];
  createdAt: number;
  /** When the cookie or record was last written; the idle timeout runs from here. */
  lastSeenAt: number;
  /** The request carried a cookie for this session (valid or not). */
  readonly hadCookie: boolean;
  /** The cookie must be rewritten even if the data did not change (permanence changed, new id). */
  cookieDirty: boolean;
  /** Flashes popped by this request (Flask keeps them on the request context). */
  flashes: (readonly [string, unknown])[] | null;
}

/** Constructor input of {@link Session}. @internal */
export interface SessionInit {
  data?: SessionData;
  permanent: boolean;
  sid: string | null;
  createdAt: number;
  lastSeenAt: number;
  hadCookie: boolean;
  loaded: boolean;
  now: () => number;
  defaultPermanent: boolean;
}

/**
 * One client's session. Keys are strings; values are JSON data plus `Date`, `Uint8Array`,
 * `Markup`, `Uuid` and `tuple()` (what Flask's tagged JSON carries). Nested objects are stored by
 * reference: after mutating one in place, set `session.modified = true` (Flask has the same rule).
 *
 * Reading anything (including `has`, `size` and `keys`) sets `accessed`, so the response gets
 * `Vary: Cookie` (CVE-2023-30861, GHSA-68rp-wp8r-4726). Writing sets `accessed` and `modified`.
 *
 * @example
 * const user = session.get('user_id');
 * session.set('user_id', 42);
 * session.regenerate();             // after login: new id, old one dead (OWASP, C27)
 * session.flash('Saved', 'info');
 */
export class Session<T extends SessionData = SessionData> {
  /** The response depends on the session: the request path adds `Vary: Cookie`. */
  accessed = false;
  /**
   * The session must be saved. Set by every write; set it yourself after mutating a nested value
   * in place. Setting it to `false` drops pending writes (as in Flask).
   */
  modified = false;
  /** @internal */
  readonly [SESSION_STATE]: SessionState;
  readonly #data: Map<string, unknown>;

  /** @internal Sessions come from a session interface's `open()`. */
  constructor(init: SessionInit) {
    this.#data = new Map(init.data ? Object.entries(init.data) : []);
    this[SESSION_STATE] = {
      data: this.#data,
      permanent: init.permanent,
      loaded: init.loaded,
      now: init.now,
      defaultPermanent: init.defaultPermanent,
      sid: init.sid,
      doomed: [],
      createdAt: init.createdAt,
      lastSeenAt: init.lastSeenAt,
      hadCookie: init.hadCookie,
      cookieDirty: false,
      flashes: null,
    };
  }

  #write(): void {
    this.accessed = true;
    this.modified = true;
  }

  /** The value under `key`, or `undefined`. */
  get<K extends keyof T & string>(key: K): T[K] | undefined {
    this.accessed = true;
    return this.#data.get(key) as T[K] | undefined;
  }

  /**
   * Stores `value` under `key`; `undefined` deletes the key.
   *
   * @throws {TypeError} for `_permanent` and `_created` (use `permanent`; Phial manages the
   *   creation time) or a non-string key. Unsupported values are reported at `save()`.
   */
  set<K extends keyof T & string>(key: K, value: T[K]): void {
    checkKey(key);
    this.#write();
    if (value === undefined) this.#data.delete(key);
    else this.#data.set(key, value);
  }

  /** Removes `key`; true when it was present. */
  delete(key: keyof T & string): boolean {
    checkKey(key);
    this.#write();
    return this.#data.delete(key);
  }

  /** Removes `key` and returns its value (Python's `dict.pop`). */
  pop<K extends keyof T & string>(key: K): T[K] | undefined {
    const value = this.get(key);
    this.delete(key);
    return value;
  }

  /** True when `key` is present (marks the session accessed, GHSA-68rp-wp8r-4726). */
  has(key: string): boolean {
    this.accessed = true;
    return this.#data.has(key);
  }

  /** The keys present. */
  keys(): string[] {
    this.accessed = true;
    return [...this.#data.keys()];
  }

  /** Number of keys. */
  get size(): number {
    this.accessed = true;
    return this.#data.size;
  }

  /** Removes every key (Flask's `session.clear()`, e.g. at logout). Keeps the session id. */
  clear(): void {
    this.#write();
    this.#data.clear();
  }

  /** A shallow copy of the data as a plain object (without `_permanent`). */
  toJSON(): Partial<T> {
    this.accessed = true;
    return Object.fromEntries(this.#data) as Partial<T>;
  }

  /**
   * A permanent session's cookie outlives the browser session (it gets `Max-Age`, the remaining
   * absolute lifetime); otherwise it is a browser-session cookie. Timeouts apply either way.
   * Serialized as Flask's `_permanent` key.
   */
  get permanent(): boolean {
    return this[SESSION_STATE].permanent;
  }
  set permanent(value: boolean) {
    if (typeof value !== 'boolean') throw new TypeError(`session.permanent must be a boolean, got ${typeof value}`);
    const st = this[SESSION_STATE];
    if (value === st.permanent) return;
    st.permanent = value;
    st.cookieDirty = true;
    this.#write();
  }

  /** Creation time, Unix epoch milliseconds; the absolute timeout runs from here. */
  get createdAt(): number {
    return this[SESSION_STATE].createdAt;
  }

  /** True when the request brought no valid session (none, unknown, tampered or expired). */
  get isNew(): boolean {
    return !this[SESSION_STATE].loaded;
  }

  /**
   * Moves the data to a new session, as after login or any privilege change (OWASP Session
   * Management Cheat Sheet "Renew the Session ID After Any Privilege Level Change"; C27).
   * Server-side: `save()` stores the data under a new random id and deletes the old record, so
   * the old cookie is dead. Cookie sessions: the new cookie replaces the old one (a copied old
   * cookie stays valid until it expires: that is the nature of cookie sessions). Either way the
   * CSRF secret is rotated and the absolute timeout restarts.
   */
  regenerate(): void {
    const st = this[SESSION_STATE];
    if (st.sid !== null) st.doomed.push(st.sid);
    st.sid = null;
    st.createdAt = st.now();
    st.cookieDirty = true;
    this.#data.delete(CSRF_SECRET_KEY);
    this.#write();
  }

  /**
   * Ends the session: clears the data, and `save()` deletes the record (server-side) and the
   * cookie. Values set afterwards in the same request start a new session with a new id.
   */
  destroy(): void {
    const st = this[SESSION_STATE];
    if (st.sid !== null) st.doomed.push(st.sid);
    st.sid = null;
    st.createdAt = st.now();
    st.cookieDirty = true;
    st.flashes = null;
    this.#data.clear();
    st.permanent = st.defaultPermanent;
    this.#write();
  }

  /**
   * Queues a message for the next request that calls {@link getFlashedMessages} (Flask's
   * `flash`). Stored as Flask stores it: `_flashes` = list of `(category, message)` tuples.
   *
   * @param category default `'message'` (Flask's)
   */
  flash(message: string, category = 'message'): void {
    if (typeof message !== 'string' || typeof category !== 'string') throw new TypeError('flash(message, category) takes strings');
    const current = this.#data.get(FLASHES_KEY);
    const list = Array.isArray(current) ? [...(current as unknown[])] : [];
    list.push(tuple(category, message));
    this.set(FLASHES_KEY as keyof T & string, list as T[keyof T & string]);
  }

  /**
   * Pops the flashed messages (Flask's `get_flashed_messages`): the first call in a request
   * removes them from the session, later calls in the same request return the same ones.
   * Messages are strings; a Flask `Markup` message comes back as its plain text (templates
   * escape it, which is the safe reading of data from a cookie).
   */
  getFlashedMessages(options?: FlashedMessagesOptions & { withCategories?: false }): string[];
  getFlashedMessages(options: FlashedMessagesOptions & { withCategories: true }): [category: string, message: string][];
  getFlashedMessages(options: FlashedMessagesOptions = {}): string[] | [string, string][] {
    const st = this[SESSION_STATE];
    if (st.flashes === null) {
      st.flashes = [];
      if (this.has(FLASHES_KEY)) {
        const raw = this.pop(FLASHES_KEY as keyof T & string);
        for (const f of Array.isArray(raw) ? (raw as unknown[]) : []) {
          // Tuples from Phial or Flask; lists from other writers. Anything else is skipped.
          if ((isTuple(f) || Array.isArray(f)) && f.length === 2 && typeof f[0] === 'string') st.flashes.push([f[0], f[1]]);
        }
      }
    }
    const filter = options.categoryFilter;
    const chosen = filter && filter.length > 0 ? st.flashes.filter((f) => filter.includes(f[0])) : st.flashes;
    const text = (m: unknown): string => (m instanceof Markup ? m.html : String(m));
    return options.withCategories ? chosen.map(([c, m]): [string, string] => [c, text(m)]) : chosen.map(([, m]) => text(m));
  }

  /**
   * A random secret bound to this session for CSRF tokens: 64 hex digits (256 bits), created on
   * first use, rotated by {@link regenerate} and {@link destroy}. Stored under Flask-WTF's key
   * `csrf_token`; an existing value of at least 32 characters (Flask-WTF writes 40 hex digits) is
   * kept so a session shared with Flask keeps its secret.
   */
  csrfSecret(): string {
    const current = this.get(CSRF_SECRET_KEY as keyof T & string);
    if (typeof current === 'string' && current.length >= 32) return current;
    const secret = randomBytes(CSRF_SECRET_BYTES).toString('hex');
    this.set(CSRF_SECRET_KEY as keyof T & string, secret as T[keyof T & string]);
    return secret;
  }
}

function checkKey(key: unknown): void {
  if (typeof key !== 'string') throw new TypeError(`session keys are strings, got ${typeof key}`);
  if (RESERVED.has(key)) {
    throw new TypeError(`session key ${JSON.stringify(key)} is managed by Phial: use session.permanent / session.createdAt`);
  }
}
