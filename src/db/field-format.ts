/**
 * The stored form of an encrypted field and the bytes that are authenticated with it:
 * `v1.<keyId>.<iv>.<ciphertext>.<tag>` in canonical base64url, and the associated data (the
 * format header, then the app's AAD in a form where no two values collide).
 *
 * @module
 */
import { AES_GCM_IV_BYTES, AES_GCM_TAG_BYTES } from '../crypto/aes-gcm.ts';
import { shown } from '../util/env.ts';

/**
 * Associated data bound to a ciphertext (GCM AAD); decryption needs the same value.
 *
 * - a string (UTF-8) or bytes: used as is; `undefined`, `''` and an empty buffer are the same
 *   (no associated data);
 * - an array of parts, e.g. `['users', 'ssn', 42]`: each part is converted with `String()` and
 *   length-prefixed, so `['ab', 'c']` and `['a', 'bc']` differ. Numbers, bigints and digit strings
 *   with the same text are the same part on purpose: PostgreSQL's `bigint` ids reach Node as
 *   strings, SQLite's as numbers.
 */
export type FieldAad = string | Uint8Array | readonly (string | number | bigint)[];

/** The format version, first field of every stored value. */
export const VERSION = 'v1';
/** Key ids: 1 to 32 characters of base64url's alphabet (never `.`, the field separator). */
export const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
/** A 96-bit IV is used directly, no GHASH derivation (NIST SP 800-38D §8.2). */
export const IV_BYTES = AES_GCM_IV_BYTES;
/** The full 128-bit GCM tag. */
export const TAG_BYTES = AES_GCM_TAG_BYTES;
const B64URL = /^[A-Za-z0-9_-]*$/;
// A lone surrogate cannot be encoded as UTF-8: Buffer.from would turn it into U+FFFD and the
// round trip would silently change the value.
const LONE_SURROGATE = /\p{Cs}/u;

/** The stored value for a key id, an IV and the sealed bytes (ciphertext followed by the tag). */
export function formatValue(keyId: string, iv: Buffer, sealed: Buffer): string {
  const ct = sealed.subarray(0, sealed.length - TAG_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  return `${VERSION}.${keyId}.${iv.toString('base64url')}.${ct.toString('base64url')}.${tag.toString('base64url')}`;
}

/** A stored value taken apart. */
export interface Parsed { keyId: string; iv: Buffer; ct: Buffer; tag: Buffer }

/** The parts of a stored value, or undefined when it is not in the `v1` format. */
export function parse(value: unknown): Parsed | undefined {
  if (typeof value !== 'string') return undefined;
  const parts = value.split('.');
  if (parts.length !== 5 || parts[0] !== VERSION || !KEY_ID.test(parts[1]!)) return undefined;
  const iv = b64url(parts[2]!);
  const ct = b64url(parts[3]!);
  const tag = b64url(parts[4]!);
  if (!iv || !ct || !tag || iv.length !== IV_BYTES || tag.length !== TAG_BYTES) return undefined;
  return { keyId: parts[1]!, iv, ct, tag };
}

// Canonical base64url only: Node's decoder skips foreign characters and ignores the unused low
// bits of the last character, so without the re-encoding check two strings would decrypt alike.
function b64url(s: string): Buffer | undefined {
  if (!B64URL.test(s) || s.length % 4 === 1) return undefined;
  const b = Buffer.from(s, 'base64url');
  return b.toString('base64url') === s ? b : undefined;
}

/** The bytes of a plaintext (UTF-8 for a string). @throws {TypeError} for other types or a lone surrogate */
export function plaintextBytes(p: unknown): Buffer {
  if (typeof p === 'string' || p instanceof Uint8Array) return utf8OrBytes('plaintext', p);
  throw new TypeError(`The plaintext must be a string or bytes, got ${p === null ? 'null' : typeof p}`);
}

/** The authenticated data of a value: the format header with its key id, then the app's AAD. */
export function fullAad(keyId: string, aad: FieldAad | undefined): Buffer {
  // The key id has no '.', so the header prefix is self-delimiting.
  return Buffer.concat([Buffer.from(`${VERSION}.${keyId}.`, 'latin1'), aadBytes(aad)]);
}

// The byte form of associated data: nothing when absent or empty, else a tag byte (1: one string
// or byte string, 2: a list of length-prefixed parts) and the data, so no two forms collide.
export function aadBytes(aad: FieldAad | undefined): Buffer {
  if (aad === undefined) return Buffer.alloc(0);
  if (typeof aad === 'string' || aad instanceof Uint8Array) {
    const b = utf8OrBytes('aad', aad);
    return b.length === 0 ? b : Buffer.concat([Buffer.from([1]), b]);
  }
  if (!Array.isArray(aad)) throw new TypeError(`aad must be a string, bytes or an array of parts, got ${aad === null ? 'null' : typeof aad}`);
  const chunks: Buffer[] = [Buffer.from([2])];
  for (const part of aad as readonly unknown[]) {
    let text: string;
    if (typeof part === 'string') text = part;
    else if (typeof part === 'bigint') text = part.toString();
    else if (typeof part === 'number' && Number.isFinite(part)) text = String(part);
    else throw new TypeError(`aad parts must be strings, finite numbers or bigints, got ${shown(part)}`);
    const b = utf8OrBytes('aad part', text);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    chunks.push(len, b);
  }
  return Buffer.concat(chunks);
}

function utf8OrBytes(what: string, v: string | Uint8Array): Buffer {
  if (typeof v === 'string' && LONE_SURROGATE.test(v)) throw new TypeError(`The ${what} contains a lone surrogate, which UTF-8 cannot represent.`);
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}
