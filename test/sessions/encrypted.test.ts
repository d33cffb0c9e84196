import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import {
  EncryptedCookieCodec, MASTER_INFO, MAX_ENCRYPTED_COOKIE_LENGTH, MESSAGE_INFO,
} from '../../src/sessions/encrypted.ts';
import { BadSignature, SignatureExpired, URLSafeTimedSerializer } from '../../src/sessions/itsdangerous.ts';
import { tuple } from '../../src/sessions/tagged-json.ts';

const KEY = 'k'.repeat(40);
const OLD = 'o'.repeat(40);
const TS = 1700000000;
const codec = new EncryptedCookieCodec({ secretKey: KEY });

describe('encrypted cookie sessions (AES-256-GCM)', () => {
  it('round-trips data and timestamp; two encryptions of one value differ', () => {
    const data = { user_id: 42, when: new Date(Date.UTC(2024, 0, 2)), t: tuple(1, 'x'), b: Buffer.from([1, 2]) };
    const a = codec.dumps(data, TS);
    const b = codec.dumps(data, TS);
    assert.notEqual(a, b);
    assert.match(a, /^[A-Za-z0-9_-]+$/);
    const out = codec.loads(a);
    assert.equal(out.timestamp, TS);
    assert.deepEqual(out.value, { user_id: 42, when: data.when, t: tuple(1, 'x'), b: Buffer.from([1, 2]) });
  });

  it('hides the contents: neither the text nor its base64 appear in the cookie', () => {
    const secret = 'top-secret-value-1234567890';
    const c = codec.dumps({ secret }, TS);
    const raw = Buffer.from(c, 'base64url');
    assert.ok(!raw.includes(Buffer.from(secret)) && !c.includes(Buffer.from(secret).toString('base64url').slice(0, 12)));
  });

  it('follows the documented format: HKDF master key, per-cookie HKDF key, version byte as AAD', () => {
    const c = codec.dumps({ a: 1 }, TS);
    const body = Buffer.from(c, 'base64url');
    assert.equal(body[0], 1);
    const master = Buffer.from(hkdfSync('sha256', Buffer.from(KEY), Buffer.alloc(0), MASTER_INFO, 32));
    // RFC 5869 HKDF-Expand, first (and only) block: T(1) = HMAC(PRK, info || 0x01), info = MESSAGE_INFO || salt.
    const key = createHmac('sha256', master).update(Buffer.concat([Buffer.from(MESSAGE_INFO), body.subarray(1, 17), Buffer.from([1])])).digest();
    const d = createDecipheriv('aes-256-gcm', key, body.subarray(17, 29));
    d.setAAD(body.subarray(0, 1));
    d.setAuthTag(body.subarray(body.length - 16));
    const plain = Buffer.concat([d.update(body.subarray(29, body.length - 16)), d.final()]);
    assert.equal(plain.readBigUInt64BE(0), BigInt(TS));
    assert.equal(plain.subarray(8).toString(), '{"a":1}');
  });

  it('any changed byte fails authentication', () => {
    const body = Buffer.from(codec.dumps({ user_id: 42 }, TS), 'base64url');
    for (let i = 0; i < body.length; i++) {
      const t = Buffer.from(body);
      t[i]! ^= 0x01;
      assert.throws(() => codec.loads(t.toString('base64url')), BadSignature, `byte ${i}`);
    }
    assert.throws(() => codec.loads(body.subarray(0, body.length - 1).toString('base64url')), BadSignature);
    assert.throws(() => codec.loads(Buffer.concat([body, Buffer.from([0])]).toString('base64url')), BadSignature);
  });

  it('refuses junk, unknown versions and oversized values before any crypto', () => {
    for (const c of ['', 'abc', '!!!!', 'A'.repeat(MAX_ENCRYPTED_COOKIE_LENGTH + 4), 'eyJ1c2VyX2lkIjo0Mn0.ZVPxAA.hjhtQRGPO7UK57j5dSOtrXVGqbs']) {
      assert.throws(() => codec.loads(c), BadSignature);
    }
    const body = Buffer.from(codec.dumps({ a: 1 }, TS), 'base64url');
    body[0] = 2;
    assert.throws(() => codec.loads(body.toString('base64url')), /unknown encrypted cookie version 2/);
  });

  it('rotation: the current key encrypts, fallbacks only decrypt, a removed key fails', () => {
    const oldCookie = new EncryptedCookieCodec({ secretKey: OLD }).dumps({ user_id: 7 }, TS);
    const rotated = new EncryptedCookieCodec({ secretKey: KEY, secretKeyFallbacks: [OLD] });
    assert.deepEqual(rotated.loads(oldCookie).value, { user_id: 7 });
    const fresh = rotated.dumps({ user_id: 7 }, TS);
    assert.deepEqual(codec.loads(fresh).value, { user_id: 7 }, 'new cookies use the current key');
    assert.throws(() => new EncryptedCookieCodec({ secretKey: OLD }).loads(fresh), BadSignature);
    assert.throws(() => codec.loads(oldCookie), BadSignature, 'old key removed: old cookie dead');
  });

  it('max age is checked on the authenticated timestamp; future-dated cookies are refused', () => {
    const c = codec.dumps({ a: 1 }, TS);
    assert.equal(codec.loads(c, { maxAge: 60, now: TS + 60 }).timestamp, TS);
    assert.throws(() => codec.loads(c, { maxAge: 60, now: TS + 61 }), SignatureExpired);
    assert.throws(() => codec.loads(c, { maxAge: 60, now: TS - 1 }), SignatureExpired);
  });

  it('keys are separated from the signed format: same secret, neither reads the other', () => {
    const signed = new URLSafeTimedSerializer({ secretKey: KEY });
    assert.throws(() => codec.loads(signed.dumps({ a: 1 }, TS)), BadSignature);
    assert.throws(() => signed.loads(codec.dumps({ a: 1 }, TS)), BadSignature);
  });

  it('checks its settings', () => {
    assert.throws(() => new EncryptedCookieCodec({ secretKey: '' }), TypeError);
    assert.throws(() => new EncryptedCookieCodec({ secretKey: KEY, secretKeyFallbacks: OLD as unknown as string[] }), /array/);
    assert.throws(() => codec.dumps({ a: 1 }, -1), /timestamp/);
  });
});
