/**
 * AES-256-GCM, the one authenticated cipher Phial uses (encrypted session cookies, encrypted
 * database fields), in one place so every caller gets the same parameters: a 32-byte key, a
 * 96-bit IV and a full 128-bit tag.
 *
 * - The IV is 12 bytes, GCM's native size: it is used directly, with no GHASH derivation
 *   (NIST SP 800-38D §8.2). Callers draw it at random per message and keep each key below
 *   2^32 messages (§8.3), or derive a key per message.
 * - The tag length is fixed at 16 bytes on both sides. Node accepts shorter tags on decryption
 *   unless told the length, and a 4-byte tag is forgeable by trying.
 * - Decryption failure is one outcome, `null`: a wrong key, a changed byte and a changed AAD are
 *   indistinguishable to the caller, as they must be to an attacker.
 *
 * @module
 */
import { createCipheriv, createDecipheriv, type CipherKey } from 'node:crypto';

/** Key size in bytes (AES-256). */
export const AES_GCM_KEY_BYTES = 32;
/** IV size in bytes (96 bits, GCM's native size). */
export const AES_GCM_IV_BYTES = 12;
/** Authentication tag size in bytes (128 bits, the full tag). */
export const AES_GCM_TAG_BYTES = 16;

/**
 * Encrypts `plaintext` and authenticates it together with `aad`.
 *
 * @param key - 32 bytes, or a secret `KeyObject` of 32 bytes
 * @param iv - {@link AES_GCM_IV_BYTES} bytes, never reused with the same key
 * @param aad - associated data: authenticated, not encrypted, not included in the output
 * @returns the ciphertext followed by the {@link AES_GCM_TAG_BYTES}-byte tag
 * @throws {RangeError} / {TypeError} from node:crypto for a key or IV of the wrong size
 */
export function sealAesGcm(key: CipherKey, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: AES_GCM_TAG_BYTES });
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/**
 * Decrypts what {@link sealAesGcm} produced, after checking its tag and `aad`.
 *
 * @param sealed - ciphertext followed by the tag (at least {@link AES_GCM_TAG_BYTES} bytes)
 * @returns the plaintext, or `null` when the message is not authentic under `key` and `aad`
 *   (wrong key, changed ciphertext, tag or AAD, or too short to hold a tag)
 */
export function openAesGcm(key: CipherKey, iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Buffer | null {
  if (sealed.length < AES_GCM_TAG_BYTES) return null;
  const tagAt = sealed.length - AES_GCM_TAG_BYTES;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: AES_GCM_TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(tagAt));
    return Buffer.concat([decipher.update(sealed.subarray(0, tagAt)), decipher.final()]);
  } catch {
    return null;
  }
}
