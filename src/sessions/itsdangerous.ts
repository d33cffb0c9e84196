/**
 * Flask's session cookie format: itsdangerous `URLSafeTimedSerializer` configured as Flask's
 * `SecureCookieSessionInterface.get_signing_serializer` configures it (FL:src/flask/sessions.py;
 * ID:src/itsdangerous/{signer,timed,url_safe}.py; reference/flask.md §2):
 *
 * ```
 * cookie  = ["."] b64url(payload) "." b64url(timestamp) "." b64url(HMAC-SHA1(key, signed part))
 * key     = HMAC-SHA1(secret key, salt)        (key_derivation "hmac", salt "cookie-session")
 * payload = zlib(tagged JSON) behind a "." when that is shorter by 2+ bytes, else tagged JSON
 * ```
 *
 * The payload is **signed, not encrypted**: anyone holding the cookie can base64-decode it
 * (pallets/flask#4490). Use it to share a session with a Flask service; prefer
 * `EncryptedCookieCodec` otherwise.
 *
 * Errors mirror itsdangerous's class names so Flask users recognise them. Flask turns any of them
 * into a fresh empty session, and so does Phial's session interface.
 *
 * @module
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import { base64UrlDecode, base64UrlEncode, bytesToInt, intToBytes } from './base64.ts';
import { TaggedJsonError, taggedDumps, taggedLoads } from './tagged-json.ts';

/** itsdangerous `BadData`: the root of every "this value is not acceptable" error. */
export class BadData extends Error {
  override readonly name: string = 'BadData';
}
/** itsdangerous `BadSignature`: malformed, or signed by no known key. */
export class BadSignature extends BadData {
  override readonly name: string = 'BadSignature';
}
/** itsdangerous `BadTimeSignature`: the signature is valid but the timestamp is malformed. */
export class BadTimeSignature extends BadSignature {
  override readonly name: string = 'BadTimeSignature';
}
/** itsdangerous `SignatureExpired`: older than `maxAge`, or dated in the future. */
export class SignatureExpired extends BadTimeSignature {
  override readonly name: string = 'SignatureExpired';
  /** Signing time, Unix seconds. */
  readonly timestamp: number;
  constructor(message: string, timestamp: number) {
    super(message);
    this.timestamp = timestamp;
  }
}
/** itsdangerous `BadPayload`: authentic, but the payload does not decompress or decode. */
export class BadPayload extends BadData {
  override readonly name: string = 'BadPayload';
}

/** Flask's salt for session cookies (`SecureCookieSessionInterface.salt`). */
export const FLASK_SESSION_SALT = 'cookie-session';

/**
 * Largest decompressed payload accepted, bytes (1 MiB). itsdangerous has no cap; a 4 KiB cookie
 * can inflate about 1000-fold, and even authentic data should not cost megabytes per request.
 */
export const MAX_PAYLOAD_BYTES = 1 << 20;

/** itsdangerous `Signer.derive_key` with `key_derivation="hmac"`: HMAC-SHA1(secret, salt). */
export function deriveKey(secretKey: string, salt: string): Buffer {
  return createHmac('sha1', secretKey).update(salt).digest();
}

/**
 * Checks a secret key list: a non-empty string and an array of non-empty strings. A string as
 * the fallback list is refused: Flask iterates it character by character, so
 * `SECRET_KEY_FALLBACKS = "old"` accepts cookies signed with the key `"o"` (reference/flask.md §2.6).
 *
 * @throws {TypeError} naming the bad setting (never its value)
 */
export function checkSecretKeys(secretKey: unknown, fallbacks: unknown, setting = 'secretKey'): string[] {
  if (typeof secretKey !== 'string' || secretKey === '') throw new TypeError(`${setting} must be a non-empty string`);
  if (fallbacks === undefined) return [secretKey];
  if (!Array.isArray(fallbacks) || fallbacks.some((k) => typeof k !== 'string' || k === '')) {
    throw new TypeError(`${setting}Fallbacks must be an array of non-empty strings (a single string would be read character by character)`);
  }
  return [secretKey, ...(fallbacks as string[])];
}

/** Options of {@link URLSafeTimedSerializer}. */
export interface TimedSerializerOptions {
  /** Signs and verifies. Flask's `SECRET_KEY`. */
  secretKey: string;
  /** Verify only, tried after `secretKey` in the given order. Flask 3.1's `SECRET_KEY_FALLBACKS`. */
  secretKeyFallbacks?: readonly string[];
  /** Default {@link FLASK_SESSION_SALT}; other values make other, incompatible token families. */
  salt?: string;
}

/** A decoded value and when it was signed. */
export interface TimedValue {
  readonly value: unknown;
  /** Unix seconds. */
  readonly timestamp: number;
}

const SIG_LENGTH = 27; // base64url of a 20-byte SHA-1 MAC
const COOKIE_CHARS = /^[A-Za-z0-9_.-]+$/;

/**
 * itsdangerous `URLSafeTimedSerializer` with Flask's session settings and tagged JSON payloads.
 *
 * @example
 * const s = new URLSafeTimedSerializer({ secretKey: 'dev' });
 * s.dumps({ user_id: 42 }, 1700000000) // 'eyJ1c2VyX2lkIjo0Mn0.ZVPxAA.hjhtQRGPO7UK57j5dSOtrXVGqbs'
 * s.loads(cookie, { maxAge: 1800 }).value // { user_id: 42 }
 */
export class URLSafeTimedSerializer {
  readonly #signingKey: Buffer;
  readonly #verifyKeys: readonly Buffer[];

  /** @throws {TypeError} for an empty key or a fallback list that is not an array of strings */
  constructor(options: TimedSerializerOptions) {
    const salt = options.salt ?? FLASK_SESSION_SALT;
    const keys = checkSecretKeys(options.secretKey, options.secretKeyFallbacks);
    this.#verifyKeys = keys.map((k) => deriveKey(k, salt));
    this.#signingKey = this.#verifyKeys[0]!;
  }

  /**
   * Serializes and signs `value` with the current key.
   *
   * @param value a tagged-JSON-serializable value, usually the session dict
   * @param timestamp signing time in Unix seconds (default now), an integer ≥ 0
   * @returns the cookie value, ASCII `[A-Za-z0-9_.-]`
   * @throws {TypeError} for values tagged JSON cannot carry (see `taggedDumps`)
   */
  dumps(value: unknown, timestamp = Math.floor(Date.now() / 1000)): string {
    const json = Buffer.from(taggedDumps(value), 'utf8');
    const compressed = deflateSync(json);
    const body = compressed.length < json.length - 1 ? `.${base64UrlEncode(compressed)}` : base64UrlEncode(json);
    const signed = `${body}.${base64UrlEncode(intToBytes(timestamp))}`;
    return `${signed}.${this.#mac(this.#signingKey, signed)}`;
  }

  /**
   * Verifies and decodes a cookie. Keys are tried current first, then fallbacks; the age check
   * runs only after a key verified, and an expired value is refused at once, as in itsdangerous.
   *
   * @param maxAge seconds; values older are refused. `undefined` skips the check (Flask passes
   *   `PERMANENT_SESSION_LIFETIME`; Phial's interface passes the idle timeout)
   * @param now current time in Unix seconds (default the system clock)
   * @throws {BadSignature} malformed or signed by no key; {@link BadTimeSignature} malformed
   *   timestamp; {@link SignatureExpired} older than `maxAge` or dated after `now`;
   *   {@link BadPayload} authentic but undecodable (or inflating beyond {@link MAX_PAYLOAD_BYTES})
   */
  loads(cookie: string, { maxAge, now }: { maxAge?: number; now?: number } = {}): TimedValue {
    // Only the alphabet itsdangerous writes: keeps the MAC input and the decoded text identical.
    if (typeof cookie !== 'string' || !COOKIE_CHARS.test(cookie)) throw new BadSignature('not an itsdangerous token');
    const dot = cookie.lastIndexOf('.');
    if (dot === -1) throw new BadSignature('no "." found in value');
    const signed = cookie.slice(0, dot);
    const sig = Buffer.from(cookie.slice(dot + 1), 'latin1');
    let ok = false;
    if (sig.length === SIG_LENGTH) {
      for (const key of this.#verifyKeys) {
        if (timingSafeEqual(Buffer.from(this.#mac(key, signed), 'latin1'), sig)) { ok = true; break; }
      }
    }
    // itsdangerous's TimestampSigner reports a bad signature over a timestamped value as BadTimeSignature.
    if (!ok) throw new (signed.includes('.') ? BadTimeSignature : BadSignature)('signature does not match');

    const tsDot = signed.lastIndexOf('.');
    if (tsDot === -1) throw new BadTimeSignature('timestamp missing');
    const tsBytes = base64UrlDecode(signed.slice(tsDot + 1));
    const timestamp = tsBytes === null ? null : bytesToInt(tsBytes);
    if (timestamp === null) throw new BadTimeSignature('malformed timestamp');
    if (maxAge !== undefined) {
      const age = (now ?? Math.floor(Date.now() / 1000)) - timestamp;
      if (age > maxAge) throw new SignatureExpired(`signature age ${age} > ${maxAge} seconds`, timestamp);
      if (age < 0) throw new SignatureExpired(`signature age ${age} < 0 seconds`, timestamp);
    }
    return { value: loadPayload(signed.slice(0, tsDot)), timestamp };
  }

  #mac(key: Buffer, signed: string): string {
    return createHmac('sha1', key).update(signed, 'latin1').digest('base64url');
  }
}

function loadPayload(body: string): unknown {
  const compressed = body.startsWith('.');
  let bytes = base64UrlDecode(compressed ? body.slice(1) : body);
  if (bytes === null) throw new BadPayload('payload is not base64url');
  if (compressed) {
    try { bytes = inflateSync(bytes, { maxOutputLength: MAX_PAYLOAD_BYTES }); } catch {
      throw new BadPayload(`payload does not decompress to at most ${MAX_PAYLOAD_BYTES} bytes`);
    }
  }
  let text: string;
  try { text = new TextDecoder('utf-8', { fatal: true }).decode(bytes); } catch { throw new BadPayload('payload is not UTF-8'); }
  try { return taggedLoads(text); } catch (err) {
    if (err instanceof TaggedJsonError) throw new BadPayload(err.message);
    throw err;
  }
}
