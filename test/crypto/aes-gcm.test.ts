// The one AES-256-GCM module: a published vector, and every tampering gives the same `null`.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AES_GCM_IV_BYTES, AES_GCM_TAG_BYTES, openAesGcm, sealAesGcm } from '../../src/crypto/aes-gcm.ts';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

// McGrew & Viega, "The Galois/Counter Mode of Operation", test case 16 (256-bit key, with AAD).
const K = hex('feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308');
const IV = hex('cafebabefacedbaddecaf888');
const A = hex('feedfacedeadbeeffeedfacedeadbeefabaddad2');
const P = hex('d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39');
const C = '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662';
const T = '76fc6ece0f4e1768cddf8853bb2d551b';

describe('AES-256-GCM', () => {
  it('matches the published test vector: ciphertext then the full tag', () => {
    assert.equal(sealAesGcm(K, IV, P, A).toString('hex'), C + T);
    assert.deepEqual(openAesGcm(K, IV, hex(C + T), A), P);
  });

  it('returns null for a changed byte, tag, AAD, key or IV, and for input shorter than a tag', () => {
    const sealed = sealAesGcm(K, IV, P, A);
    for (let i = 0; i < sealed.length; i += 7) {
      const bad = Buffer.from(sealed);
      bad[i]! ^= 1;
      assert.equal(openAesGcm(K, IV, bad, A), null, `byte ${i}`);
    }
    assert.equal(openAesGcm(K, IV, sealed, Buffer.concat([A, Buffer.from([0])])), null);
    assert.equal(openAesGcm(randomBytes(32), IV, sealed, A), null);
    assert.equal(openAesGcm(K, randomBytes(AES_GCM_IV_BYTES), sealed, A), null);
    assert.equal(openAesGcm(K, IV, sealed.subarray(0, AES_GCM_TAG_BYTES - 1), A), null);
    // A truncated tag must not be accepted as a shorter valid one.
    assert.equal(openAesGcm(K, IV, sealed.subarray(0, sealed.length - 4), A), null);
  });

  it('round-trips an empty plaintext (the tag alone)', () => {
    const sealed = sealAesGcm(K, IV, new Uint8Array(0), A);
    assert.equal(sealed.length, AES_GCM_TAG_BYTES);
    assert.deepEqual(openAesGcm(K, IV, sealed, A), Buffer.alloc(0));
  });
});
