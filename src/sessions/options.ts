/**
 * Session options, their defaults and checks, and the types the request path sees: what
 * `save()` tells it to do with the cookie.
 *
 * @module
 */
import { ConfigError } from '../errors/config-error.ts';
import { PhialError } from '../errors/phial-error.ts';
import { checkInteger } from '../util/env.ts';
import type { PhialEnv } from '../util/phial-env.ts';
import type { SessionStore } from './stores/types.ts';

/** Idle timeout default, seconds: 30 minutes (OWASP Session Management Cheat Sheet, "Session Expiration"). */
export const DEFAULT_IDLE_TIMEOUT = 30 * 60;
/** Absolute timeout default, seconds: 8 hours, one working day (OWASP, ibid.). */
export const DEFAULT_ABSOLUTE_TIMEOUT = 8 * 60 * 60;
/** Refresh granularity default, seconds: an unchanged session is rewritten at most once a minute. */
export const DEFAULT_REFRESH_INTERVAL = 60;
/** Chrome caps cookie lifetimes at 400 days (RFC 6265bis §5.5); longer timeouts mean nothing. */
const MAX_LIFETIME = 400 * 24 * 60 * 60;
/**
 * Longest cookie value a cookie session writes, characters. Browsers keep name + value up to
 * 4096 bytes (RFC 6265 §6.1); this leaves room for `__Host-session=`. Werkzeug only warns past
 * 4093 and the browser then silently drops the cookie, logging the user out; Phial throws.
 */
export const MAX_SESSION_COOKIE_LENGTH = 4080;

/** Options shared by every session type. */
export interface CommonSessionOptions {
  /**
   * Seconds without a request that touches the session before it expires. Default 1800
   * (30 min). For cookie sessions it is also the cookie's maximum age on load.
   */
  idleTimeout?: number;
  /** Seconds from creation (or `regenerate()`) after which the session expires regardless. Default 28 800 (8 h). */
  absoluteTimeout?: number;
  /**
   * Seconds between rewrites of an unchanged session that is in use, which keep the idle timer
   * running (Flask's `SESSION_REFRESH_EACH_REQUEST`, rate-limited). 0 rewrites on every request.
   * Default 60; at most `idleTimeout`. The idle timeout is thus exact to within this interval.
   */
  refreshInterval?: number;
  /** `permanent` of new sessions (Flask `session.permanent`). Default `false`: browser-session cookies. */
  permanent?: boolean;
  /** Clock, Unix epoch milliseconds. Default `Date.now`; tests inject one. */
  now?: () => number;
}

/** Flask-compatible signed cookies: readable by the client, verifiable by a Flask app with the same key. */
export interface SignedCookieSessionOptions extends CommonSessionOptions {
  type: 'signed';
  /** Flask's `SECRET_KEY`: signs and verifies. */
  secretKey: string;
  /** Flask 3.1's `SECRET_KEY_FALLBACKS`: verify only. An array, never a string. */
  secretKeyFallbacks?: readonly string[];
}

/** AES-256-GCM cookies: confidential and authenticated; the recommended cookie format. */
export interface EncryptedCookieSessionOptions extends CommonSessionOptions {
  type: 'encrypted';
  /** Encrypts and decrypts (through HKDF; never used as an AES key directly). */
  secretKey: string;
  /** Decrypt only. */
  secretKeyFallbacks?: readonly string[];
}

/** Server-side sessions (Flask-Session): the cookie holds a 256-bit random id, the data lives in `store`. */
export interface ServerSessionOptions extends CommonSessionOptions {
  type: 'server';
  store: SessionStore;
  /** The app's environment; a process-memory store is refused in `'production'`. Default `'development'`. */
  env?: PhialEnv;
}

/** Options of `createSessionInterface`. */
export type SessionOptions = SignedCookieSessionOptions | EncryptedCookieSessionOptions | ServerSessionOptions;

/**
 * What the request path does with the session cookie after `save()`:
 * - `set`: write `value` (ASCII `[A-Za-z0-9_.-]`) with the session cookie attributes; `maxAge`
 *   (seconds, the remaining absolute lifetime) only for permanent sessions, otherwise a
 *   browser-session cookie.
 * - `delete`: expire the cookie (`Max-Age=0`, same name and attributes).
 * - `none`: send no `Set-Cookie` for the session.
 */
export type SessionSaveResult =
  | { action: 'set'; value: string; maxAge?: number }
  | { action: 'delete' }
  | { action: 'none' };

/** Stable codes of {@link SessionError}. */
export type SessionErrorCode =
  | 'PHIAL_E_SESSION_TOO_LARGE' // a cookie session grew beyond what browsers keep
  | 'PHIAL_E_SESSION_STORE_IN_PRODUCTION'; // a process-memory store in production

/** A session problem the app must fix (not bad client input, which just yields a fresh session). */
export class SessionError extends PhialError {
  declare readonly code: SessionErrorCode;
  constructor(code: SessionErrorCode, detail: string) {
    super(code, `${detail} [${code}]`);
  }
}

/** Timeouts in milliseconds after validation. @internal */
export interface ResolvedTimeouts {
  readonly idleMs: number;
  readonly absoluteMs: number;
  readonly refreshMs: number;
  readonly idleSeconds: number;
  readonly permanent: boolean;
  readonly now: () => number;
}

/**
 * @internal Validates and fills in the common options.
 *
 * @throws ConfigError PHIAL_E_BAD_VALUE naming `session.<option>`
 */
export function resolveCommon(options: CommonSessionOptions): ResolvedTimeouts {
  const idle = checkInteger('session.idleTimeout', options.idleTimeout ?? DEFAULT_IDLE_TIMEOUT, 1, MAX_LIFETIME);
  const absolute = checkInteger('session.absoluteTimeout', options.absoluteTimeout ?? DEFAULT_ABSOLUTE_TIMEOUT, 1, MAX_LIFETIME);
  const refresh = checkInteger('session.refreshInterval', options.refreshInterval ?? Math.min(DEFAULT_REFRESH_INTERVAL, idle), 0, idle);
  const permanent = options.permanent ?? false;
  if (typeof permanent !== 'boolean') throw new ConfigError('PHIAL_E_BAD_VALUE', 'session.permanent', `expected a boolean, got ${typeof permanent}`);
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw new ConfigError('PHIAL_E_BAD_VALUE', 'session.now', 'expected a function returning epoch ms');
  return { idleMs: idle * 1000, absoluteMs: absolute * 1000, refreshMs: refresh * 1000, idleSeconds: idle, permanent, now };
}

/** True for a decoded payload that can be session data: a plain object. @internal */
export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
