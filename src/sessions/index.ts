/**
 * Sessions: Flask-compatible signed cookies, encrypted cookies and server-side stores behind one
 * interface (`createSessionInterface`). See docs/sessions.md.
 *
 * What an app needs: the session and option types, the values a session can hold beyond JSON
 * (`Markup`, `Uuid`, `tuple`), `MemoryStore` for development, the `SessionStore` contract for a
 * store of its own, and the session interface for serving sessions outside Phial's request path.
 * The formats' building blocks (signer, codec, tagged JSON, id hashing) stay inside.
 *
 * The stores are exported from their own modules (`phial/sessions/sqlite`, `phial/sessions/redis`,
 * `phial/sessions/postgres`) so that importing sessions never loads a database driver the app does
 * not use.
 *
 * @module
 */
export {
  createSessionInterface, sessionCookieName, DEFAULT_SESSION_COOKIE_NAME, SESSION_COOKIE_ATTRIBUTES, type SessionInterface,
} from './interface.ts';
export {
  SessionError, DEFAULT_IDLE_TIMEOUT, DEFAULT_ABSOLUTE_TIMEOUT, DEFAULT_REFRESH_INTERVAL, MAX_SESSION_COOKIE_LENGTH,
  type SessionOptions, type CommonSessionOptions, type SignedCookieSessionOptions, type EncryptedCookieSessionOptions,
  type ServerSessionOptions, type SessionSaveResult, type SessionErrorCode,
} from './options.ts';
export { Session, type SessionData, type FlashedMessagesOptions } from './session.ts';
export { Markup, Uuid, tuple, isTuple } from './tagged-json.ts';
export { MemoryStore, type MemoryStoreOptions } from './stores/memory.ts';
export { SessionStoreError, type SessionStore, type SessionRecord, type SessionSetOptions } from './stores/types.ts';
