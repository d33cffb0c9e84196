/**
 * The byte encodings of itsdangerous (ID:src/itsdangerous/encoding.py): URL-safe base64 without
 * `=` padding, and integers as big-endian bytes with leading zero bytes stripped.
 *
 * Decoding here is strict where itsdangerous is lax: Python's `urlsafe_b64decode` drops
 * characters outside the alphabet, so `abc` and `a!bc` decode alike; Phial refuses anything that
 * is not canonical base64url, so one payload has exactly one spelling.
 *
 * @module
 */

const B64URL = /^[A-Za-z0-9_-]*$/;

/** `bytes` as base64url (RFC 4648 §5) without padding, e.g. `[0x65,0x53,0xf1,0x00]` → `"ZVPxAA"`. */
export function base64UrlEncode(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/**
 * Decodes unpadded base64url, or returns `null` for any character outside `[A-Za-z0-9_-]`, a
 * length that no byte string encodes (`length % 4 === 1`) or non-zero unused trailing bits.
 */
export function base64UrlDecode(text: string): Buffer | null {
  if (text.length % 4 === 1 || !B64URL.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  // Re-encoding catches non-zero padding bits (`ZVPxAB` and `ZVPxAA` must not both verify).
  return bytes.toString('base64url') === text ? bytes : null;
}

/**
 * A non-negative safe integer as big-endian bytes without leading zeros (itsdangerous
 * `int_to_bytes`: `struct.pack(">Q", n).lstrip(b"\0")`), so 0 is the empty byte string.
 *
 * @throws {RangeError} for a negative, fractional or unsafe number
 */
export function intToBytes(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`expected a non-negative safe integer, got ${n}`);
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(BigInt(n));
  let i = 0;
  while (i < 8 && out[i] === 0) i++;
  return out.subarray(i);
}

/** The inverse of {@link intToBytes}; `null` for more than 8 bytes or a value above 2^53 − 1. */
export function bytesToInt(bytes: Uint8Array): number | null {
  if (bytes.length > 8) return null;
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : null;
}
