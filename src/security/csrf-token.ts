/**
 * CSRF, part 2: the synchronizer token ({@link generateCsrfToken}, {@link verifyCsrfToken}), OWASP's
 * "synchronizer token pattern" the way Flask-WTF builds it: an HMAC over a per-session secret and a
 * timestamp, so it is bound to one session, expires, and verifies under the current key or a
 * fallback key.
 *
 * @module
 */
import { createHmac, randomFillSync, timingSafeEqual } from 'node:crypto';

/** The form field that carries the token (Flask-WTF's name). */
export const CSRF_FIELD_NAME = 'csrf_token';
/** The request header that carries the token (lower-case, as Node presents headers). */
export const CSRF_HEADER_NAME = 'x-csrf-token';
/** Default token lifetime in seconds: one hour, Flask-WTF's `WTF_CSRF_TIME_LIMIT`. */
export const CSRF_DEFAULT_MAX_AGE_SECONDS = 3600;
/** Clock skew tolerated between the servers that issue and verify a token, in seconds. */
const FUTURE_SKEW_SECONDS = 60;

const TS_BYTES = 6; // seconds since the epoch, big-endian: good until the year 8,921,556
const MAC_BYTES = 32; // HMAC-SHA256
const RAW_BYTES = TS_BYTES + MAC_BYTES;
/** Encoded token length: base64url of mask (38 bytes) + masked raw token (38 bytes). */
const TOKEN_LENGTH = Math.ceil(((2 * RAW_BYTES) * 4) / 3);
const TOKEN_SHAPE = new RegExp(`^[A-Za-z0-9_-]{${TOKEN_LENGTH}}$`);
const KEY_SALT = 'phial.csrf-token.v1';

// Random masks come from a pool, like CSP nonces: one CSPRNG call serves ~100 tokens.
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;

function drawMask(): Buffer {
  if (poolOffset + RAW_BYTES > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const mask = Buffer.from(pool.subarray(poolOffset, poolOffset + RAW_BYTES));
  poolOffset += RAW_BYTES;
  return mask;
}

// One derived key per app secret key (itsdangerous-style derivation, so the app key is never
// used directly for this purpose). Bounded: apps have a current key and a few fallbacks.
const derivedKeys = new Map<string, Buffer>();

function derivedKey(secretKey: string): Buffer {
  let key = derivedKeys.get(secretKey);
  if (key === undefined) {
    key = createHmac('sha256', secretKey).update(KEY_SALT).digest();
    if (derivedKeys.size >= 16) derivedKeys.clear();
    derivedKeys.set(secretKey, key);
  }
  return key;
}

// Recent MACs by (app key, session secret, second): a page with several forms, and the POST that
// follows it, reuse one HMAC. Bounded; cleared when full.
const recentMacs = new Map<string, Buffer>();

function tokenMac(secretKey: string, sessionSecret: string, ts: Buffer): Buffer {
  const id = `${ts.readUIntBE(0, TS_BYTES)}\0${sessionSecret}\0${secretKey}`;
  let mac = recentMacs.get(id);
  if (mac === undefined) {
    mac = computeMac(secretKey, sessionSecret, ts);
    if (recentMacs.size >= 1024) recentMacs.clear();
    recentMacs.set(id, mac);
  }
  return mac;
}

function computeMac(secretKey: string, sessionSecret: string, ts: Buffer): Buffer {
  const secret = Buffer.from(sessionSecret, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(secret.length);
  // Length-prefixed, as OWASP's signed token does, so no two (secret, ts) pairs share bytes.
  return createHmac('sha256', derivedKey(secretKey)).update(length).update(secret).update(ts).digest();
}

/**
 * A new per-session CSRF secret: 32 random bytes (256 bits), base64url, 43 characters. The
 * session keeps it server-side (or in its signed/encrypted cookie) and replaces it on
 * `regenerate()`, which invalidates every token issued before.
 */
export function newCsrfSecret(): string {
  const bytes = Buffer.alloc(32);
  randomFillSync(bytes);
  return bytes.toString('base64url');
}

/**
 * Issues a synchronizer token for the session whose CSRF secret is `sessionSecret`.
 *
 * The token is HMAC-SHA256(key derived from `secretKey`, len ‖ sessionSecret ‖ timestamp) with
 * the timestamp (seconds) beside it, XOR-masked with fresh random bytes and base64url-encoded:
 * 102 characters from `[A-Za-z0-9_-]`, safe in HTML attributes and headers. Every call returns
 * a different string (masking against BREACH compression attacks, as Django does), and all of
 * them verify until they expire.
 *
 * @param sessionSecret The session's CSRF secret (see {@link newCsrfSecret}); never sent as is.
 * @param secretKey The app's current secret key.
 * @param now Issue time in milliseconds since the epoch; default `Date.now()`.
 * @throws {TypeError} when `sessionSecret` or `secretKey` is empty or not a string.
 * @example const token = generateCsrfToken(session.csrfSecret, config.secretKey);
 */
export function generateCsrfToken(sessionSecret: string, secretKey: string, now: number = Date.now()): string {
  requireSecret(sessionSecret, 'sessionSecret');
  requireSecret(secretKey, 'secretKey');
  const raw = Buffer.alloc(RAW_BYTES);
  raw.writeUIntBE(Math.max(0, Math.floor(now / 1000)), 0, TS_BYTES);
  tokenMac(secretKey, sessionSecret, raw.subarray(0, TS_BYTES)).copy(raw, TS_BYTES);
  const mask = drawMask();
  for (let i = 0; i < RAW_BYTES; i++) raw[i] = raw[i]! ^ mask[i]!;
  return Buffer.concat([mask, raw]).toString('base64url');
}

/** Why a token did not verify. */
export type CsrfTokenFailure = 'token-missing' | 'token-malformed' | 'token-expired' | 'token-invalid';

/** What {@link verifyCsrfToken} found. */
export type CsrfTokenResult = { readonly ok: true } | { readonly ok: false; readonly reason: CsrfTokenFailure };

/** Options of {@link verifyCsrfToken}. */
export interface VerifyCsrfTokenOptions {
  /**
   * Token lifetime in seconds, counted from issue; default {@link CSRF_DEFAULT_MAX_AGE_SECONDS}
   * (3600, Flask-WTF's). `Infinity` binds the token to the session's lifetime only.
   */
  readonly maxAgeSeconds?: number;
  /** Verification time in milliseconds since the epoch; default `Date.now()`. */
  readonly now?: number;
}

/**
 * Verifies a submitted synchronizer token against the session's CSRF secret.
 *
 * The signature is checked first (in constant time, under each key in turn), then the age, so
 * `token-expired` is only reported for a token this app really issued. A token of another
 * session, another app key, or with any byte changed is `token-invalid`.
 *
 * @param token The submitted value, untrusted: any type, any length (never throws for it).
 * @param sessionSecret This session's CSRF secret.
 * @param secretKeys The current app key first, then fallback keys (Flask's
 *   `SECRET_KEY_FALLBACKS`): a token signed with any of them verifies.
 * @throws {TypeError} when `sessionSecret` is empty, `secretKeys` is empty or holds an empty
 *   key, or `maxAgeSeconds` is not a positive number (all programming errors).
 * @example
 * const result = verifyCsrfToken(req.headers['x-csrf-token'], session.csrfSecret, [key, ...fallbacks]);
 * if (!result.ok) abort(403);
 */
export function verifyCsrfToken(
  token: unknown,
  sessionSecret: string,
  secretKeys: readonly string[],
  options: VerifyCsrfTokenOptions = {},
): CsrfTokenResult {
  requireSecret(sessionSecret, 'sessionSecret');
  if (!Array.isArray(secretKeys) || secretKeys.length === 0) throw new TypeError('verifyCsrfToken: `secretKeys` must list at least the current secret key');
  for (const key of secretKeys) requireSecret(key, 'secretKeys[]');
  const { maxAgeSeconds = CSRF_DEFAULT_MAX_AGE_SECONDS, now = Date.now() } = options;
  if (typeof maxAgeSeconds !== 'number' || Number.isNaN(maxAgeSeconds) || maxAgeSeconds <= 0) {
    throw new TypeError(`verifyCsrfToken: maxAgeSeconds must be a positive number of seconds, got ${String(maxAgeSeconds)}`);
  }
  if (token === undefined || token === null || token === '') return { ok: false, reason: 'token-missing' };
  if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return { ok: false, reason: 'token-malformed' };
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length !== 2 * RAW_BYTES) return { ok: false, reason: 'token-malformed' };
  const raw = Buffer.alloc(RAW_BYTES);
  for (let i = 0; i < RAW_BYTES; i++) raw[i] = bytes[RAW_BYTES + i]! ^ bytes[i]!;
  const ts = raw.subarray(0, TS_BYTES);
  const mac = raw.subarray(TS_BYTES);
  let signed = false;
  for (const key of secretKeys) {
    if (timingSafeEqual(tokenMac(key, sessionSecret, ts), mac)) { signed = true; break; }
  }
  if (!signed) return { ok: false, reason: 'token-invalid' };
  const issued = raw.readUIntBE(0, TS_BYTES);
  const nowSeconds = Math.floor(now / 1000);
  if (issued > nowSeconds + FUTURE_SKEW_SECONDS) return { ok: false, reason: 'token-invalid' };
  if (nowSeconds - issued > maxAgeSeconds) return { ok: false, reason: 'token-expired' };
  return { ok: true };
}

function requireSecret(value: unknown, name: string): void {
  if (typeof value !== 'string' || value === '') throw new TypeError(`CSRF: \`${name}\` must be a non-empty string`);
}
