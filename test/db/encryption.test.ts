import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { ConfigError } from '../../src/config/env.ts';
import { DECRYPTION_ERROR_CODE, DecryptionError, FieldEncryption, type FieldAad } from '../../src/db/encryption.ts';

const K1 = randomBytes(32);
const K2 = randomBytes(32);
const BLIND = randomBytes(32);
const FORMAT = /^v1\.([A-Za-z0-9_-]{1,32})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]*)\.([A-Za-z0-9_-]{22})$/;

const only = (id: string, key: Buffer): FieldEncryption => new FieldEncryption({ keyring: { current: id, keys: { [id]: key } } });
const isDecryptionError = (e: unknown): boolean => {
  assert.ok(e instanceof DecryptionError, `expected DecryptionError, got ${String(e)}`);
  assert.equal(e.code, DECRYPTION_ERROR_CODE);
  assert.equal(e.code, 'PHIAL_E_DB_DECRYPT');
  assert.equal(e.message, 'The encrypted value could not be decrypted.');
  return true;
};
const configError = (setting: string, code = 'PHIAL_E_BAD_VALUE') => (e: unknown): boolean => {
  assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
  assert.equal(e.code, code);
  assert.equal(e.setting, setting);
  return true;
};

describe('FieldEncryption: format and round trip', () => {
  const fe = only('k1', K1);

  it('round-trips strings and bytes in the documented self-describing format', () => {
    for (const p of ['', 'a', '123-45-6789', 'ünïcødé ✓ 🙂', '\uFEFFstarts with a BOM', 'x'.repeat(100_000)]) {
      const v = fe.encrypt(p);
      const m = FORMAT.exec(v);
      assert.ok(m, v.slice(0, 80));
      assert.equal(m[1], 'k1');
      assert.equal(Buffer.from(m[2]!, 'base64url').length, 12);
      assert.equal(Buffer.from(m[3]!, 'base64url').length, Buffer.byteLength(p)); // GCM: no padding
      assert.equal(Buffer.from(m[4]!, 'base64url').length, 16);
      assert.equal(fe.decrypt(v), p);
    }
    const bytes = randomBytes(300);
    assert.deepEqual(fe.decryptBuffer(fe.encrypt(bytes)), bytes);
    assert.deepEqual(fe.decryptBuffer(fe.encrypt(new Uint8Array(bytes.buffer, bytes.byteOffset + 5, 10))), bytes.subarray(5, 15));
  });

  it('draws a fresh IV per encryption: the same plaintext never gives the same value', () => {
    const seen = new Set<string>();
    const ivs = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const v = fe.encrypt('same');
      seen.add(v);
      ivs.add(v.split('.')[2]!);
    }
    assert.equal(seen.size, 2000);
    assert.equal(ivs.size, 2000);
  });

  it('bytes that are not UTF-8 are refused by decrypt() (no silent U+FFFD) and returned by decryptBuffer()', () => {
    const v = fe.encrypt(Buffer.from([0xff, 0xfe, 0x41]));
    assert.throws(() => fe.decrypt(v), (e: unknown) => e instanceof TypeError && /decryptBuffer/.test(e.message));
    assert.deepEqual([...fe.decryptBuffer(v)], [0xff, 0xfe, 0x41]);
  });

  it('refuses plaintexts UTF-8 cannot carry and non-string, non-byte input', () => {
    assert.throws(() => fe.encrypt('a\uD800b'), /lone surrogate/);
    assert.throws(() => fe.encrypt('\uDC00'), /lone surrogate/);
    assert.throws(() => fe.encrypt(42 as unknown as string), /string or bytes, got number/);
    assert.throws(() => fe.encrypt(null as unknown as string), /got null/);
    assert.throws(() => fe.encrypt('x', [{}] as unknown as FieldAad), TypeError);
    assert.throws(() => fe.encrypt('x', [Number.NaN]), TypeError);
  });
});

describe('FieldEncryption: associated data binds a value to its row and column', () => {
  const fe = only('k1', K1);

  it('decrypts only with the same associated data', () => {
    const v = fe.encrypt('123-45-6789', ['users', 'ssn', 7]);
    assert.equal(fe.decrypt(v, ['users', 'ssn', 7]), '123-45-6789');
    for (const other of [['users', 'ssn', 8], ['users', 'tax_id', 7], ['staff', 'ssn', 7], ['users', 'ssn'], ['users', 'ssn', 7, ''], 'users.ssn.7', undefined] as (FieldAad | undefined)[]) {
      assert.throws(() => fe.decrypt(v, other), isDecryptionError, JSON.stringify(other));
    }
    // A value without associated data is not readable with some.
    assert.throws(() => fe.decrypt(fe.encrypt('x'), 'ctx'), isDecryptionError);
  });

  it('array parts are length-prefixed: moving a boundary changes the data', () => {
    const v = fe.encrypt('x', ['ab', 'c']);
    assert.throws(() => fe.decrypt(v, ['a', 'bc']), isDecryptionError);
    assert.throws(() => fe.decrypt(v, ['abc']), isDecryptionError);
    assert.throws(() => fe.decrypt(fe.encrypt('x', []), undefined), isDecryptionError);
  });

  it('an id given as number, bigint or digit string is the same part (pg bigint ids arrive as strings)', () => {
    const v = fe.encrypt('x', ['t', 'c', 42]);
    assert.equal(fe.decrypt(v, ['t', 'c', '42']), 'x');
    assert.equal(fe.decrypt(v, ['t', 'c', 42n]), 'x');
  });

  it('string and byte associated data are the same bytes; absent, empty string and empty buffer are the same', () => {
    assert.equal(fe.decrypt(fe.encrypt('x', 'ctx'), Buffer.from('ctx')), 'x');
    assert.equal(fe.decrypt(fe.encrypt('x'), ''), 'x');
    assert.equal(fe.decrypt(fe.encrypt('x', ''), Buffer.alloc(0)), 'x');
  });

  it('a ciphertext copied into another row fails there', () => {
    const row1 = fe.encrypt('alice-secret', ['users', 'ssn', 1]);
    const row2 = fe.encrypt('bob-secret', ['users', 'ssn', 2]);
    assert.throws(() => fe.decrypt(row1, ['users', 'ssn', 2]), isDecryptionError);
    assert.throws(() => fe.decrypt(row2, ['users', 'ssn', 1]), isDecryptionError);
  });
});

describe('FieldEncryption: tampering, malformed values and unknown keys', () => {
  const fe = new FieldEncryption({ keyring: { current: 'k1', keys: { k1: K1, k2: K2 } } });
  const aad = ['notes', 'body', 1];
  const v = fe.encrypt('attack at dawn', aad);
  const parts = v.split('.');

  const withPart = (i: number, s: string): string => parts.map((p, j) => (j === i ? s : p)).join('.');
  const flipFirstByte = (b64: string): string => {
    const b = Buffer.from(b64, 'base64url');
    b[0]! ^= 0x01;
    return b.toString('base64url');
  };

  it('a change to any one part is rejected with the same error', () => {
    assert.equal(fe.decrypt(v, aad), 'attack at dawn');
    const cases = [
      withPart(0, 'v2'), withPart(0, 'V1'),
      withPart(1, 'k2'), // another key of the keyring: wrong key, tag fails
      withPart(1, 'k3'), // unknown key id
      withPart(1, 'k1!'),
      withPart(2, flipFirstByte(parts[2]!)), withPart(2, parts[2]!.slice(1)),
      withPart(3, flipFirstByte(parts[3]!)), withPart(3, parts[3]!.slice(0, -2)), withPart(3, `${parts[3]}AA`),
      withPart(4, flipFirstByte(parts[4]!)), withPart(4, parts[4]!.slice(0, 16)),
    ];
    for (const bad of cases) assert.throws(() => fe.decrypt(bad, aad), isDecryptionError, bad);
  });

  it('malformed values are rejected with the same error', () => {
    for (const bad of ['', 'plain text', v.replace(/\./g, ':'), `${v}.`, `x.${v}`, parts.slice(0, 4).join('.'),
      withPart(3, `${parts[3]}=`), withPart(2, `${parts[2]!.slice(0, -1)}+`), ` ${v}`, `${v}\n`]) {
      assert.throws(() => fe.decrypt(bad, aad), isDecryptionError, JSON.stringify(bad));
    }
    for (const notString of [null, undefined, 42, Buffer.from(v)]) {
      assert.throws(() => fe.decrypt(notString as unknown as string, aad), isDecryptionError);
    }
  });

  it('the unused low bits of a base64url character cannot be changed unnoticed (canonical encoding only)', () => {
    // 16 tag bytes are 22 characters, 4 bits to spare: 16 last characters decode to the same bytes.
    const tag = parts[4]!;
    const last = tag[21]!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    let sameBytes = 0;
    for (const c of alphabet) {
      if (c === last) continue;
      const other = tag.slice(0, 21) + c;
      if (Buffer.from(other, 'base64url').equals(Buffer.from(tag, 'base64url'))) sameBytes++;
      assert.throws(() => fe.decrypt(withPart(4, other), aad), isDecryptionError);
    }
    assert.equal(sameBytes, 15, 'the test must include look-alike encodings to mean anything');
  });

  it('the header is authenticated: relabelling a value with another id of the same key bytes fails', () => {
    const twin = new FieldEncryption({ keyring: { current: 'a', keys: { a: K1, b: K1 } } });
    const va = twin.encrypt('x', aad);
    assert.throws(() => twin.decrypt(`v1.b.${va.slice('v1.a.'.length)}`, aad), isDecryptionError);
  });

  it('a value under a key id the keyring does not hold fails like any other bad value', () => {
    const k9 = only('k9', randomBytes(32)).encrypt('x', aad);
    assert.throws(() => fe.decrypt(k9, aad), isDecryptionError);
  });

  it('every single-character substitution of a stored value is rejected (exhaustive over the alphabet)', () => {
    const short = fe.encrypt('pin:1234', aad);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \u00e9';
    let tried = 0;
    for (let i = 0; i < short.length; i++) {
      for (const c of alphabet) {
        if (c === short[i]) continue;
        const bad = short.slice(0, i) + c + short.slice(i + 1);
        assert.throws(() => fe.decrypt(bad, aad), isDecryptionError, `position ${i} → ${c}`);
        tried++;
      }
    }
    assert.equal(tried, short.length * (alphabet.length - 1));
  });
});

describe('FieldEncryption: key rotation', () => {
  it('old values stay readable, rotate() moves them to the current key, then the old key can go', () => {
    const v1 = only('k1', K1);
    const aad = ['users', 'ssn', 3];
    const old = v1.encrypt('078-05-1120', aad);

    const both = new FieldEncryption({ keyring: { current: 'k2', keys: { k1: K1, k2: K2 } } });
    assert.equal(both.currentKeyId, 'k2');
    assert.equal(both.decrypt(old, aad), '078-05-1120');
    assert.equal(both.needsRotation(old), true);
    assert.equal(both.keyIdOf(old), 'k1');

    const fresh = both.encrypt('x');
    assert.equal(both.needsRotation(fresh), false);

    const rotated = both.rotate(old, aad);
    assert.equal(both.keyIdOf(rotated), 'k2');
    assert.equal(both.needsRotation(rotated), false);
    assert.notEqual(rotated.split('.')[2], old.split('.')[2], 'a new IV');
    assert.throws(() => both.rotate(old, ['users', 'ssn', 4]), isDecryptionError, 'rotate authenticates first');

    const k2Only = only('k2', K2);
    assert.equal(k2Only.decrypt(rotated, aad), '078-05-1120');
    assert.throws(() => k2Only.decrypt(old, aad), isDecryptionError, 'the removed key is really gone');
    assert.throws(() => v1.decrypt(rotated, aad), isDecryptionError);
  });

  it('needsRotation reads only the header and refuses malformed values', () => {
    const fe = only('k1', K1);
    assert.throws(() => fe.needsRotation('nonsense'), isDecryptionError);
    assert.equal(fe.needsRotation(only('zz', K2).encrypt('x')), true);
  });
});

describe('FieldEncryption: keyring validation', () => {
  const hex = K1.toString('hex');
  const b64 = K1.toString('base64');
  const b64url = K1.toString('base64url');

  it('accepts 32 bytes as a Buffer, hex, base64 (padded or not) and base64url, all the same key', () => {
    const ref = only('k1', K1).encrypt('same key');
    for (const material of [hex, hex.toUpperCase(), b64, b64.replace(/=+$/, ''), b64url, `${b64}\n`, new Uint8Array(K1)]) {
      const fe = new FieldEncryption({ keyring: { current: 'k1', keys: { k1: material } } });
      assert.equal(fe.decrypt(ref), 'same key');
    }
  });

  it('refuses a key that is not exactly 32 bytes, naming the key id and never the key', () => {
    const k31 = randomBytes(31);
    const k33 = randomBytes(33);
    for (const material of [k31, k33, k31.toString('hex'), k33.toString('base64'), 'not a key at all', '', `${b64.slice(0, -2)}*=`, hex.slice(0, 63)]) {
      assert.throws(() => new FieldEncryption({ keyring: { current: 'k1', keys: { k0: K2, k1: material } } }), (e: unknown) => {
        configError('keyring.keys.k1')(e);
        const msg = (e as Error).message;
        assert.match(msg, /keyring\.keys\.k1/);
        assert.match(msg, /32 bytes/);
        if (typeof material === 'string' && material.length > 8) assert.ok(!msg.includes(material.slice(0, 8)), 'key text in message');
        if (Buffer.isBuffer(material)) assert.ok(!msg.includes(material.toString('hex').slice(0, 8)) && !msg.includes(material.toString('base64').slice(0, 8)));
        return true;
      }, String(material).slice(0, 20));
    }
    assert.throws(() => new FieldEncryption({ keyring: { current: 'k1', keys: { k1: 42 as unknown as string } } }), configError('keyring.keys.k1'));
  });

  it('refuses a placeholder key (one byte repeated)', () => {
    assert.throws(() => only('k1', Buffer.alloc(32)), configError('keyring.keys.k1', 'PHIAL_E_SECRET_WEAK'));
    assert.throws(() => new FieldEncryption({ keyring: { current: 'k1', keys: { k1: 'a'.repeat(64) } } }), configError('keyring.keys.k1', 'PHIAL_E_SECRET_WEAK'));
  });

  it('refuses a current id that names no key, bad key ids and a missing keyring', () => {
    assert.throws(() => new FieldEncryption({ keyring: { current: 'k3', keys: { k1: K1, k2: K2 } } }), (e: unknown) => {
      configError('keyring.current')(e);
      assert.match((e as Error).message, /"k3" is not one of the key ids \(k1, k2\)/);
      return true;
    });
    for (const id of ['a.b', '', 'k 1', 'x'.repeat(33), 'ключ']) {
      assert.throws(() => new FieldEncryption({ keyring: { current: id, keys: { [id]: K1 } } }), configError('keyring.keys'), id);
    }
    assert.throws(() => new FieldEncryption(undefined as unknown as { keyring: never }), configError('keyring'));
    assert.throws(() => new FieldEncryption({ keyring: { current: 'k1', keys: null as unknown as Record<string, never> } }), configError('keyring.keys'));
  });

  it('never shows key material when the object is logged, inspected or serialised', () => {
    const fe = new FieldEncryption({ keyring: { current: 'k2', keys: { k1: K1, k2: K2 } }, blindIndexKey: BLIND });
    const shown = [inspect(fe, { depth: 10, showHidden: true }), JSON.stringify(fe), String(fe), inspect({ fe })].join('\n');
    for (const key of [K1, K2, BLIND]) {
      for (const form of [key.toString('hex'), key.toString('base64'), key.toString('base64url'), key.toString('latin1')]) {
        assert.ok(!shown.includes(form.slice(0, 12)), 'key material visible');
      }
    }
    assert.deepEqual(JSON.parse(JSON.stringify(fe)), { current: 'k2', keyIds: ['k1', 'k2'] });
  });

  it('does not keep a reference to the caller\'s key buffer', () => {
    const key = Buffer.from(K1);
    const fe = only('k1', key);
    const v = fe.encrypt('x');
    key.fill(7);
    assert.equal(fe.decrypt(v), 'x');
  });
});

describe('FieldEncryption: blind index', () => {
  const fe = new FieldEncryption({ keyring: { current: 'k1', keys: { k1: K1 } }, blindIndexKey: BLIND });

  it('is deterministic per key and context, and 43 base64url characters (HMAC-SHA256)', () => {
    const a = fe.blindIndex('alice@example.com', ['users', 'email']);
    assert.match(a, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(fe.blindIndex('alice@example.com', ['users', 'email']), a);
    assert.notEqual(fe.blindIndex('Alice@example.com', ['users', 'email']), a, 'no normalisation inside');
    assert.notEqual(fe.blindIndex('alice@example.com', ['staff', 'email']), a, 'context separates columns');
    assert.notEqual(fe.blindIndex('alice@example.com'), a);
    const otherKey = new FieldEncryption({ keyring: { current: 'k1', keys: { k1: K1 } }, blindIndexKey: randomBytes(32) });
    assert.notEqual(otherKey.blindIndex('alice@example.com', ['users', 'email']), a);
  });

  it('needs its own key, different from every encryption key', () => {
    assert.throws(() => only('k1', K1).blindIndex('x'), /blindIndexKey/);
    assert.throws(() => new FieldEncryption({ keyring: { current: 'k1', keys: { k0: K2, k1: K1 } }, blindIndexKey: K2.toString('hex') }), (e: unknown) => {
      configError('blindIndexKey')(e);
      assert.match((e as Error).message, /must differ from keyring\.keys\.k0/);
      return true;
    });
    assert.throws(() => new FieldEncryption({ keyring: { current: 'k1', keys: { k1: K1 } }, blindIndexKey: randomBytes(16) }), configError('blindIndexKey'));
  });
});

describe('FieldEncryption: properties (fast-check)', () => {
  const fe = new FieldEncryption({ keyring: { current: 'k2', keys: { k1: K1, k2: K2 } } });
  const aadArb: fc.Arbitrary<FieldAad | undefined> = fc.oneof(
    fc.constant(undefined),
    fc.string({ unit: 'binary' }),
    fc.uint8Array({ maxLength: 64 }),
    fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.integer(), fc.bigInt()), { maxLength: 5 }),
  );

  it('decrypt(encrypt(p, aad), aad) === p for any well-formed string and associated data', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 500 }), aadArb, (p, aad) => {
      const v = fe.encrypt(p, aad);
      assert.match(v, FORMAT);
      assert.equal(fe.decrypt(v, aad), p);
    }), { numRuns: 1000 });
  });

  it('byte plaintexts round-trip too', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 500 }), aadArb, (p, aad) => {
      assert.deepEqual(new Uint8Array(fe.decryptBuffer(fe.encrypt(p, aad), aad)), p);
    }), { numRuns: 500 });
  });

  it('any single-character change to the stored string is rejected', () => {
    const replacement = fc.oneof(
      fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    );
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 100 }), aadArb, fc.nat(), replacement, (p, aad, pos, c) => {
      const v = fe.encrypt(p, aad);
      const i = pos % v.length;
      fc.pre(v[i] !== c);
      const bad = v.slice(0, i) + c + v.slice(i + 1);
      assert.throws(() => fe.decrypt(bad, aad), isDecryptionError);
    }), { numRuns: 2000 });
  });

  it('different associated data never decrypts', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 50 }), aadArb, aadArb, (p, a, b) => {
      // The documented equivalences: absent = '' = empty bytes; string = its UTF-8 bytes; parts by String().
      const enc = (x: FieldAad | undefined): string => x === undefined ? 'one:'
        : Array.isArray(x) ? `arr:${JSON.stringify(x.map(String))}` : `one:${Buffer.from(x as string).toString('hex')}`;
      fc.pre(enc(a) !== enc(b));
      assert.throws(() => fe.decrypt(fe.encrypt(p, a), b), isDecryptionError);
    }), { numRuns: 1000 });
  });
});
