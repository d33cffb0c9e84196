/**
 * Sessions: Flask-compatible signed cookies, encrypted cookies and server-side stores behind one
 * interface (`createSessionInterface`). See docs/sessions.md.
 *
 * The stores are exported from their own modules (`./stores/sqlite.ts`, `./stores/redis.ts`,
 * `./stores/postgres.ts`) so that importing sessions never loads a database driver the app does
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
export { Session, type SessionData, type FlashedMessagesOptions, FLASHES_KEY, CSRF_SECRET_KEY } from './session.ts';
export { Markup, Uuid, tuple, isTuple, taggedDumps, taggedLoads, TaggedJsonError } from './tagged-json.ts';
export {
  URLSafeTimedSerializer, BadData, BadSignature, BadTimeSignature, SignatureExpired, BadPayload, FLASK_SESSION_SALT,
  type TimedSerializerOptions, type TimedValue,
} from './itsdangerous.ts';
export { EncryptedCookieCodec, type EncryptedCookieOptions } from './encrypted.ts';
export { newSessionId, storeKey } from './server-interface.ts';
export { MemoryStore, type MemoryStoreOptions } from './stores/memory.ts';
export { SessionStoreError, type SessionStore, type SessionRecord, type SessionSetOptions } from './stores/types.ts';
