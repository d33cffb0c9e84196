/**
 * The narrow interface the request path calls (Flask's `SessionInterface`): `open()` when a view
 * first touches `req.session`, `save()` once at the end of the request, and the cookie name
 * and attributes to write what `save()` decides.
 *
 * ```ts
 * const sessions = createSessionInterface({ type: 'server', store, env: app.config.env });
 * const session = await sessions.open(cookies[sessionCookieName(secure)]);   // lazily
 * // … the view runs …
 * const r = await sessions.save(session);
 * if (r.action === 'set') setCookie(name, r.value, { ...SESSION_COOKIE_ATTRIBUTES, secure, maxAge: r.maxAge });
 * if (r.action === 'delete') deleteCookie(name, { ...SESSION_COOKIE_ATTRIBUTES, secure });
 * if (session.accessed || r.action !== 'none') vary('Cookie'), and Cache-Control: private, no-store (C26)
 * ```
 *
 * @module
 */
import { CookieSessionInterface } from './cookie-interface.ts';
import type { SessionOptions, SessionSaveResult } from './options.ts';
import { ServerSessionInterface } from './server-interface.ts';
import type { Session } from './session.ts';

/** One session back-end behind the request path. */
export interface SessionInterface {
  /** `'signed'` (Flask-compatible), `'encrypted'` or `'server'`. */
  readonly type: 'signed' | 'encrypted' | 'server';
  /**
   * The session for a request, from the raw value of the session cookie (`undefined` when the
   * request has none). Bad, tampered or expired values give a fresh empty session; it rejects
   * only when a store fails.
   */
  open(cookieValue: string | undefined): Promise<Session>;
  /** A new empty session, as `open(undefined)` gives, without waiting: for a request with no session cookie. */
  fresh(): Session;
  /** `open()` without waiting, for back-ends that need no I/O (cookie sessions); absent for stores. */
  openSync?(cookieValue: string | undefined): Session;
  /**
   * Persists the session and says what to do with the cookie. Call once per opened session,
   * also for error responses (Flask saves on 500 pages too), after the view and `afterRequest`.
   */
  save(session: Session): Promise<SessionSaveResult>;
  /** Releases the store (server-side); call at shutdown. */
  close(): Promise<void>;
}

/**
 * Builds the session interface for `options.type`.
 *
 * @throws {TypeError} missing secret key (cookie types) or store (server type), fallback keys
 *   not an array; ConfigError PHIAL_E_BAD_VALUE for timeouts out of range;
 *   SessionError PHIAL_E_SESSION_STORE_IN_PRODUCTION for a memory store in production
 * @example
 * createSessionInterface({ type: 'encrypted', secretKey: app.config.secretKey, secretKeyFallbacks: app.config.secretKeyFallbacks })
 * createSessionInterface({ type: 'server', store: new SqliteSessionStore({ instancePath }), env: app.config.env })
 */
export function createSessionInterface(options: SessionOptions): SessionInterface {
  switch (options?.type) {
    case 'signed':
    case 'encrypted':
      return new CookieSessionInterface(options);
    case 'server':
      return new ServerSessionInterface(options);
    default:
      throw new TypeError(`session type must be 'signed', 'encrypted' or 'server', got ${JSON.stringify((options as { type?: unknown } | undefined)?.type)}`);
  }
}

/** Default base name of the session cookie (Flask's `SESSION_COOKIE_NAME`). */
export const DEFAULT_SESSION_COOKIE_NAME = 'session';

/**
 * The session cookie's name: `__Host-<name>` over HTTPS, so the browser guarantees it was set
 * by this host over a secure connection with `Path=/` and no `Domain` (RFC 6265bis §4.1.3.2;
 * a sibling subdomain cannot plant it, the classic fixation vector of C27); the bare name on
 * plain-HTTP development, where browsers refuse `__Host-` cookies.
 *
 * @param secure the request (or configured origin) is HTTPS
 * @param name cookie token characters (RFC 6265 §4.1.1), default `'session'`
 * @throws {TypeError} for a name that is not a cookie token or already carries a prefix
 * @example sessionCookieName(true) // '__Host-session'
 */
export function sessionCookieName(secure: boolean, name = DEFAULT_SESSION_COOKIE_NAME): string {
  if (typeof name !== 'string' || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/.test(name) || /^__(host|secure)-/i.test(name)) {
    throw new TypeError(`session cookie name must be a cookie token without __Host-/__Secure- prefix, got ${JSON.stringify(String(name))}`);
  }
  return secure ? `__Host-${name}` : name;
}

/**
 * Attributes of the session cookie besides `Secure` (set it exactly when the request is HTTPS,
 * matching {@link sessionCookieName}) and `Max-Age` (from `save()`): `HttpOnly` (scripts cannot
 * read it), `SameSite=Lax` (not sent on cross-site subrequests and POSTs), `Path=/` (required by
 * `__Host-`). No `Domain`: host-only.
 */
export const SESSION_COOKIE_ATTRIBUTES: Readonly<{ path: '/'; httpOnly: true; sameSite: 'Lax' }> =
  Object.freeze({ path: '/', httpOnly: true, sameSite: 'Lax' });
