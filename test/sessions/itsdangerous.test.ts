import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import {
  BadPayload, BadSignature, BadTimeSignature, MAX_PAYLOAD_BYTES, SignatureExpired, URLSafeTimedSerializer, deriveKey,
} from '../../src/sessions/itsdangerous.ts';
import { Markup, Uuid, isTuple, taggedDumps, tuple } from '../../src/sessions/tagged-json.ts';
import { base64UrlDecode, base64UrlEncode, bytesToInt, intToBytes } from '../../src/sessions/base64.ts';

// reference/flask.md §2.7, produced by Flask 2.2.2/itsdangerous 2.1.2 and Flask 3.1.3/itsdangerous 2.2.0.
const TS = 1700000000;
const V1 = 'eyJ1c2VyX2lkIjo0Mn0.ZVPxAA.hjhtQRGPO7UK57j5dSOtrXVGqbs';
const V2 = '.eJyrVkpJLElUslJKHCZAqRYAjQNPHQ.ZVPxAA.lhI6Q6m4Beaod1DPdppDMUbUT6U';
const V3 = '.eJx1jsEKgzAQRH8lzDnSGGMrwQo9FQqFHrwVEaVig2k9NEJB8u_dxHMvb5fhzbIreugVjIjTrTjCczxiQkS9DJwJyS7dm0khFROZFkqLnJ2vdVAt9D3lZDtaZOMbjldsE1H21dOUu74Kpouxiz6JHEsMiEhlpvL9ofg3Q_27_WS2K21LNTvP0yexZhoS143w3v8AZAg0wg.ZVPxAA.F-s4puFXjiC7DnQnOwhzRkuIX0c';
const V3_JSON = '{"b":{" b":"AP8="},"d":{" d":"Tue, 02 Jan 2024 03:04:05 GMT"},"l":[1,{" t":[2]}],"m":{" m":"<b>hi</b>"},"t":{" t":[1,2]},"u":{" u":"12345678123456781234567812345678"},"x":{" di":{" t__":"looks-like-tag"}}}';
const V4A = 'eyJ1c2VyX2lkIjo0Mn0.ZVPxAA.A3AIR5W2uHRD_Hm82_lWem52u1o';
const V4B = 'eyJ1c2VyX2lkIjo0Mn0.ZVPxAA.9zpj5LrNmfYtzJEEdQADgm_Gz7c';
const LIVE = 'eyJ1c2VyX2lkIjo0Mn0.awvdyA.OhIG-X06Yt9iJlcDFe93VLF-X_I';

const dev = new URLSafeTimedSerializer({ secretKey: 'dev' });

describe('itsdangerous URLSafeTimedSerializer with Flask session settings', () => {
  it('derives the key as HMAC-SHA1(secret, "cookie-session")', () => {
    assert.equal(deriveKey('dev', 'cookie-session').toString('hex'), '4d50ad79847b366eb85f0c79d35a580ff1348d10');
  });

  it('V1: secret dev, {"user_id":42} at 1700000000', () => {
    assert.equal(dev.dumps({ user_id: 42 }, TS), V1);
    assert.deepEqual(dev.loads(V1), { value: { user_id: 42 }, timestamp: TS });
  });

  it('V1 by hand: signing input and MAC as the reference computes them', () => {
    const mac = createHmac('sha1', deriveKey('dev', 'cookie-session')).update('eyJ1c2VyX2lkIjo0Mn0.ZVPxAA').digest('base64url');
    assert.equal(mac, 'hjhtQRGPO7UK57j5dSOtrXVGqbs');
    assert.equal(base64UrlEncode(intToBytes(TS)), 'ZVPxAA');
  });

  it('V2: compressed payload behind a "."', () => {
    assert.equal(dev.dumps({ data: 'a'.repeat(200) }, TS), V2);
    assert.deepEqual(dev.loads(V2).value, { data: 'a'.repeat(200) });
  });

  it('V3: every tag decodes to its JS type; our tagged JSON equals Flask\'s byte for byte', () => {
    const { value } = dev.loads(V3) as { value: Record<string, unknown> };
    assert.deepEqual(value.b, Buffer.from([0, 255]));
    assert.ok(value.d instanceof Date);
    assert.equal((value.d as Date).toISOString(), '2024-01-02T03:04:05.000Z');
    assert.ok(isTuple(value.t));
    assert.deepEqual([...(value.t as unknown[])], [1, 2]);
    assert.ok(!isTuple(value.l) && isTuple((value.l as unknown[])[1]));
    assert.ok(value.m instanceof Markup && value.m.html === '<b>hi</b>');
    assert.ok(value.u instanceof Uuid && String(value.u) === '12345678-1234-5678-1234-567812345678');
    assert.deepEqual(value.x, { ' t': 'looks-like-tag' });
    assert.equal(taggedDumps(value), V3_JSON);
    // Node's zlib may deflate differently from CPython's; the cookie must still verify and decode alike.
    const ours = dev.dumps(value, TS);
    assert.equal(taggedDumps(dev.loads(ours).value), V3_JSON);
  });

  it('V4: old-key cookie verifies through fallbacks, not with the new key alone; signing uses the new key', () => {
    assert.equal(new URLSafeTimedSerializer({ secretKey: 'old-key' }).dumps({ user_id: 42 }, TS), V4A);
    const rotated = new URLSafeTimedSerializer({ secretKey: 'new-key', secretKeyFallbacks: ['old-key'] });
    assert.deepEqual(rotated.loads(V4A).value, { user_id: 42 });
    assert.throws(() => new URLSafeTimedSerializer({ secretKey: 'new-key' }).loads(V4A), BadSignature);
    assert.equal(rotated.dumps({ user_id: 42 }, TS), V4B);
    assert.equal(new URLSafeTimedSerializer({ secretKey: 'new-key' }).dumps({ user_id: 42 }, TS), V4B);
  });

  it('the live cookie from Flask\'s test client verifies without max age', () => {
    assert.equal(dev.loads(LIVE).timestamp, 1795939784); // awvdyA = 2026-11-29T08:09:44Z
    assert.deepEqual(dev.loads(LIVE).value, { user_id: 42 });
  });

  it('max age: accepted up to and including maxAge, expired after, future-dated refused', () => {
    assert.equal(dev.loads(V1, { maxAge: 10, now: TS + 10 }).timestamp, TS);
    assert.throws(() => dev.loads(V1, { maxAge: 10, now: TS + 11 }), SignatureExpired);
    assert.throws(() => dev.loads(V1, { maxAge: 10, now: TS - 1 }), SignatureExpired);
    assert.throws(() => dev.loads(V1, { maxAge: 0, now: TS + 1 }), (err: unknown) => err instanceof SignatureExpired && err.timestamp === TS);
  });

  it('rejects tampering of payload, timestamp and signature, and foreign keys', () => {
    const [p, t, s] = V1.split('.') as [string, string, string];
    const bad = [
      `eyJ1c2VyX2lkIjo0M30.${t}.${s}`, // {"user_id":43}
      `${p}.ZVPxAB.${s}`,
      `${p}.${t}.${s.slice(0, -1)}c`,
      `${p}.${t}.${s}A`,
      `${p}.${t}.`,
      `${p}.${t}`,
      p,
      '',
      `${p}.${t}.${s} `,
      `${p}.${t}.${s.slice(0, -1)}\u0173`, // latin1-truncates to 's': must not verify as the same bytes
    ];
    for (const c of bad) assert.throws(() => dev.loads(c), BadSignature, c);
    assert.throws(() => new URLSafeTimedSerializer({ secretKey: 'devx' }).loads(V1), BadSignature);
    assert.throws(() => new URLSafeTimedSerializer({ secretKey: 'dev', salt: 'other' }).loads(V1), BadSignature);
  });

  it('authentic but malformed: bad timestamp → BadTimeSignature, bad payload → BadPayload', () => {
    const key = deriveKey('dev', 'cookie-session');
    const sign = (signed: string): string => `${signed}.${createHmac('sha1', key).update(signed).digest('base64url')}`;
    assert.throws(() => dev.loads(sign('eyJ1c2VyX2lkIjo0Mn0.AAAAAAAAAAAA')), BadTimeSignature); // 9 bytes
    assert.throws(() => dev.loads(sign('eyJ1c2VyX2lkIjo0Mn0.Z')), BadTimeSignature);
    assert.throws(() => dev.loads(sign(`${base64UrlEncode(Buffer.from('{"a":NaN}'))}.ZVPxAA`)), BadPayload);
    assert.throws(() => dev.loads(sign(`${base64UrlEncode(Buffer.from([0xff, 0xfe]))}.ZVPxAA`)), BadPayload);
    assert.throws(() => dev.loads(sign('.eJyrVkpJLElUslJK.ZVPxAA')), BadPayload); // truncated zlib
    assert.throws(() => dev.loads(sign(`${base64UrlEncode(Buffer.from('{" b":"%%%"}'))}.ZVPxAA`)), BadPayload);
    // A zlib bomb is refused even with a valid signature.
    const bomb = deflateSync(Buffer.from(`{"a":"${'a'.repeat(MAX_PAYLOAD_BYTES)}"}`));
    assert.ok(bomb.length < 4096);
    assert.throws(() => dev.loads(sign(`.${base64UrlEncode(bomb)}.ZVPxAA`)), BadPayload);
  });

  it('checks key settings: empty key, a string as the fallback list (Flask footgun)', () => {
    assert.throws(() => new URLSafeTimedSerializer({ secretKey: '' }), /secretKey must be a non-empty string/);
    assert.throws(() => new URLSafeTimedSerializer({ secretKey: 'new', secretKeyFallbacks: 'old' as unknown as string[] }), /array of non-empty strings/);
    assert.throws(() => new URLSafeTimedSerializer({ secretKey: 'new', secretKeyFallbacks: [''] }), /array of non-empty strings/);
  });

  it('refuses values tagged JSON cannot carry, naming the key', () => {
    assert.throws(() => dev.dumps({ a: { b: new Map() } }), /session\.a\.b is an instance of Map/);
    assert.throws(() => dev.dumps({ a: [1, undefined] }), /session\.a\[1\] is a undefined/);
    assert.throws(() => dev.dumps({ n: NaN }), /session\.n is NaN/);
    assert.throws(() => dev.dumps({ f: () => 1 }), /session\.f is a function/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => dev.dumps(cyclic), /nested deeper than 100/);
  });
});

describe('base64url and integer bytes', () => {
  it('round-trips and is strict', () => {
    assert.deepEqual(base64UrlDecode('ZVPxAA'), Buffer.from([0x65, 0x53, 0xf1, 0x00]));
    assert.equal(base64UrlDecode('ZVPxAB'), null); // non-zero padding bits
    assert.equal(base64UrlDecode('ZVPx+A'), null);
    assert.equal(base64UrlDecode('ZVPxA'), null); // length % 4 === 1
    assert.equal(base64UrlDecode('ZVPxAA=='), null);
    assert.deepEqual(intToBytes(0), Buffer.alloc(0));
    assert.equal(bytesToInt(intToBytes(Number.MAX_SAFE_INTEGER)), Number.MAX_SAFE_INTEGER);
    assert.equal(bytesToInt(Buffer.alloc(9)), null);
    assert.equal(bytesToInt(Buffer.from('0020000000000000', 'hex')), null); // 2^53
    assert.throws(() => intToBytes(-1), RangeError);
  });

  it('a tuple is frozen and marked', () => {
    const t = tuple(1, 'a');
    assert.ok(Object.isFrozen(t) && isTuple(t) && !isTuple([1, 'a']));
  });
});
