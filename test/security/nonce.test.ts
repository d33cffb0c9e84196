import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cspNonce, CSP_NONCE_BYTES } from '../../src/security/nonce.ts';

test('a nonce is 16 random bytes as 24 characters of standard base64', () => {
  for (let i = 0; i < 1000; i++) {
    const n = cspNonce();
    assert.equal(n.length, 24);
    // CSP2 base64-value (valid in CSP3 too): ALPHA / DIGIT / "+" / "/", then "=" padding
    assert.match(n, /^[A-Za-z0-9+/]{22}==$/);
    assert.equal(Buffer.from(n, 'base64').length, CSP_NONCE_BYTES);
  }
});

test('100 000 nonces are all distinct (pool bytes never reused across refills)', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 100_000; i++) seen.add(cspNonce());
  assert.equal(seen.size, 100_000);
});

test('consecutive nonces share no 16-byte window (no overlapping slices of the pool)', () => {
  const bytes = Buffer.concat(Array.from({ length: 600 }, () => Buffer.from(cspNonce(), 'base64')));
  const windows = new Set<string>();
  for (let i = 0; i + 16 <= bytes.length; i += 16) windows.add(bytes.subarray(i, i + 16).toString('hex'));
  assert.equal(windows.size, 600);
  // Not all zero: the pool was filled before the first slice was handed out.
  assert.notEqual(bytes.subarray(0, 16).toString('hex'), '0'.repeat(32));
});

test('the bits look random: each bit position is set roughly half the time', () => {
  const counts = new Array<number>(128).fill(0);
  const n = 20_000;
  for (let i = 0; i < n; i++) {
    const b = Buffer.from(cspNonce(), 'base64');
    for (let bit = 0; bit < 128; bit++) if ((b[bit >> 3]! >> (bit & 7)) & 1) counts[bit]!++;
  }
  // 20 000 draws: mean 10 000, sd ~71; 8 sd is a failure only for a broken generator.
  for (const c of counts) assert.ok(Math.abs(c - n / 2) < 570, `bit count ${c}`);
});
