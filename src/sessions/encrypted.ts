/**
 * Encrypted session cookies: AES-256-GCM through node:crypto, the recommended cookie format for
 * new apps (the Flask format is only signed: its contents are readable by anyone holding it).
 *
 * ```
 * cookie    = b64url( version(1) | salt(16) | iv(12) | ciphertext | tag(16) )
 * plaintext = timestamp as uint64 big-endian Unix seconds (8) | tagged JSON (UTF-8)
 * masterKey = HKDF-SHA256(ikm = secret key, salt = "", info = MASTER_INFO, 32 bytes)
 * cookieKey = HKDF-Expand-SHA256(prk = masterKey, info = MESSAGE_INFO || salt, 32 bytes)
 *           = HMAC-SHA256(masterKey, MESSAGE_INFO || salt || 0x01)
 * AAD       = the version byte
 * ```
 *
 * - The HKDF info strings are distinct from anything else Phial derives from the secret key, so
 *   the encryption key never equals a signing key (NIST SP 800-108 key separation).
 * - Each cookie gets its own key from a random 128-bit salt: AES-GCM with random 96-bit IVs is
 *   limited to 2^32 messages per key (NIST SP 800-38D §8.3), which a busy site refreshing cookies
 *   could approach; per-cookie keys remove that limit.
 * - The timestamp sits inside the authenticated plaintext, so the age check cannot be bypassed
 *   by editing it. No compression: compressing secrets next to attacker-influenced data before
 *   encryption leaks them through the length (CRIME/BREACH).
 * - The first byte is a format version; an unknown version is refused, never guessed.
 *
 * @module
 */
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { AES_GCM_IV_BYTES, AES_GCM_TAG_BYTES, openAesGcm, sealAesGcm } from '../crypto/aes-gcm.ts';
import { base64UrlDecode, base64UrlEncode } from './base64.ts';
import { BadPayload, BadSignature, SignatureExpired, checkSecretKeys, type TimedValue } from './itsdangerous.ts';
import { TaggedJsonError, taggedDumps, taggedLoads } from './tagged-json.ts';

/** Format version 1 (the first byte of every cookie). */
export const ENCRYPTED_COOKIE_VERSION = 1;
/** HKDF info of the per-secret master key. */
export const MASTER_INFO = 'phial/session-cookie/aes-256-gcm/v1/master';
/** HKDF info of the per-cookie key. */
export const MESSAGE_INFO = 'phial/session-cookie/aes-256-gcm/v1/cookie';

const SALT_BYTES = 16;
const TS_BYTES = 8;
const HEADER_BYTES = 1 + SALT_BYTES + AES_GCM_IV_BYTES;
const MIN_BYTES = HEADER_BYTES + TS_BYTES + AES_GCM_TAG_BYTES;
/** Longest cookie value accepted for decryption, characters (browsers store at most ~4 KiB). */
export const MAX_ENCRYPTED_COOKIE_LENGTH = 8192;

/** Options of {@link EncryptedCookieCodec}. */
export interface EncryptedCookieOptions {
  /** Encrypts and decrypts. */
  secretKey: string;
  /** Decrypt only, tried after `secretKey`: cookies made before a key rotation stay readable. */
  secretKeyFallbacks?: readonly string[];
}

function masterKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), MASTER_INFO, 32));
}

// The master key is already a uniform PRK (HKDF-Extract output), so RFC 5869 §3.3 allows skipping
// a second Extract: one HKDF-Expand block is one HMAC, about 2 µs where hkdfSync costs 12 µs.
const EXPAND_BLOCK_1 = Buffer.from([1]);
function cookieKey(master: Buffer, salt: Uint8Array): Buffer {
  return createHmac('sha256', master).update(MESSAGE_INFO).update(salt).update(EXPAND_BLOCK_1).digest();
}

/**
 * Encrypts and decrypts session cookies (format above).
 *
 * @example
 * const codec = new EncryptedCookieCodec({ secretKey, secretKeyFallbacks: [oldKey] });
 * const value = codec.dumps({ user_id: 42 });
 * codec.loads(value, { maxAge: 1800 }).value // { user_id: 42 }
 */
export class EncryptedCookieCodec {
  readonly #keys: readonly Buffer[];
  /**
   * Recently decrypted cookies: the exact cookie string → its timestamp and plaintext. A browser
   * sends the same cookie on every request until it changes, and decryption (key derivation and
   * AES-GCM) is most of the cost of opening a session. The key is the whole authenticated cookie,
   * so a hit returns exactly what decryption would; age is still checked on every load.
   */
  readonly #recent = new Map<string, { timestamp: number; text: string }>();

  /** @throws {TypeError} for an empty key or a fallback list that is not an array of strings */
  constructor(options: EncryptedCookieOptions) {
    this.#keys = checkSecretKeys(options.secretKey, options.secretKeyFallbacks).map(masterKey);
  }

  /**
   * Encrypts `value` under the current key.
   *
   * @param timestamp Unix seconds (default now), an integer ≥ 0
   * @returns base64url text, about 4/3 × (61 + JSON length) characters
   * @throws {TypeError} for values tagged JSON cannot carry, or a bad timestamp
   */
  dumps(value: unknown, timestamp = Math.floor(Date.now() / 1000)): string {
    if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new TypeError(`timestamp must be a non-negative integer, got ${timestamp}`);
    const json = taggedDumps(value);
    const header = randomBytes(HEADER_BYTES);
    header[0] = ENCRYPTED_COOKIE_VERSION;
    const salt = header.subarray(1, 1 + SALT_BYTES);
    const iv = header.subarray(1 + SALT_BYTES);
    const plain = Buffer.allocUnsafe(TS_BYTES + Buffer.byteLength(json, 'utf8'));
    plain.writeBigUInt64BE(BigInt(timestamp));
    plain.write(json, TS_BYTES, 'utf8');
    const sealed = sealAesGcm(cookieKey(this.#keys[0]!, salt), iv, plain, header.subarray(0, 1));
    return base64UrlEncode(Buffer.concat([header, sealed]));
  }

  /**
   * Decrypts and checks a cookie: the current key first, then the fallbacks.
   *
   * @param maxAge seconds; older cookies are refused. `undefined` skips the check
   * @param now Unix seconds (default the system clock)
   * @throws {BadSignature} malformed, unknown version, or authenticated by no key;
   *   {@link SignatureExpired} older than `maxAge` or dated after `now`; {@link BadPayload}
   *   authentic but not tagged JSON (a bug or a foreign writer holding the key)
   */
  loads(cookie: string, { maxAge, now }: { maxAge?: number; now?: number } = {}): TimedValue {
    if (typeof cookie !== 'string' || cookie.length > MAX_ENCRYPTED_COOKIE_LENGTH) throw new BadSignature('not an encrypted session cookie');
    const hit = this.#recent.get(cookie);
    if (hit !== undefined) return finish(hit.timestamp, hit.text, maxAge, now);
    const body = base64UrlDecode(cookie);
    if (body === null || body.length < MIN_BYTES) throw new BadSignature('not an encrypted session cookie');
    if (body[0] !== ENCRYPTED_COOKIE_VERSION) throw new BadSignature(`unknown encrypted cookie version ${body[0]}`);
    const salt = body.subarray(1, 1 + SALT_BYTES);
    const iv = body.subarray(1 + SALT_BYTES, HEADER_BYTES);
    const sealed = body.subarray(HEADER_BYTES);
    let plain: Buffer | null = null;
    for (const master of this.#keys) {
      // null: wrong key or tampered, so the next key is tried.
      plain = openAesGcm(cookieKey(master, salt), iv, sealed, body.subarray(0, 1));
      if (plain !== null) break;
    }
    if (plain === null) throw new BadSignature('cookie is not authentic under any key');
    const ts = plain.readBigUInt64BE(0);
    if (ts > BigInt(Number.MAX_SAFE_INTEGER)) throw new BadPayload('timestamp out of range');
    const timestamp = Number(ts);
    let text: string;
    try { text = UTF8.decode(plain.subarray(TS_BYTES)); } catch { throw new BadPayload('payload is not UTF-8'); }
    const result = finish(timestamp, text, maxAge, now);
    if (this.#recent.size >= RECENT_COOKIES) this.#recent.delete(this.#recent.keys().next().value!);
    this.#recent.set(cookie, { timestamp, text });
    return result;
  }
}

/** How many decrypted cookies {@link EncryptedCookieCodec} remembers (about 8 KiB each at most). */
const RECENT_COOKIES = 512;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The age check and decoding shared by a fresh decryption and a remembered one. */
function finish(timestamp: number, text: string, maxAge: number | undefined, now: number | undefined): TimedValue {
  if (maxAge !== undefined) {
    const age = (now ?? Math.floor(Date.now() / 1000)) - timestamp;
    if (age > maxAge) throw new SignatureExpired(`cookie age ${age} > ${maxAge} seconds`, timestamp);
    if (age < 0) throw new SignatureExpired(`cookie age ${age} < 0 seconds`, timestamp);
  }
  try { return { value: taggedLoads(text), timestamp }; } catch (err) {
    if (err instanceof TaggedJsonError) throw new BadPayload(err.message);
    throw err;
  }
}
