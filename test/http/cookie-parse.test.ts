// Request Cookie header parsing: prefix confusions, DQUOTE and percent decoding, limits, totality.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeCookieValue, parseCookieHeader } from '../../src/http/cookies.ts';

const plain = (r: Record<string, string>): Record<string, string> => ({ ...r });

describe('parseCookieHeader', () => {
  it('parses pairs, trims only SP/HTAB, keeps the first occurrence', () => {
    assert.deepEqual(plain(parseCookieHeader('a=1; b=2;c=3 ;\td=4\t; a=5')), { a: '1', b: '2', c: '3', d: '4' });
    assert.deepEqual(plain(parseCookieHeader('a==b=; e=')), { a: '=b=', e: '' });
  });

  it('never reads a nameless, quoted, encoded or Unicode-space-prefixed name as a __Host-/__Secure- cookie', () => {
    const header = '__Host-x; =__Host-x=evil; "__Host-x"=q; __Host%2Dx=e; \u00a0__Host-x=nbsp; \u2003__Secure-y=em; \ufeff__Host-x=bom; \u3000__Secure-y=id';
    const r = parseCookieHeader(header);
    assert.equal(r['__Host-x'], undefined);
    assert.equal(r['__Secure-y'], undefined);
    assert.equal(r['"__Host-x"'], 'q');
    assert.equal(r['\u00a0__Host-x'], 'nbsp');
    assert.equal(Object.keys(r).length, 6);
  });

  it('strips one pair of DQUOTEs around a value (RFC 6265 cookie-value), then percent-decodes once', () => {
    const r = parseCookieHeader('a="x"; b=""; c="\\"y\\""; d="unbalanced; e=a%20b%3Bc; f="%C3%A9"; g=%252F; h=%E0%A4%A; i=%ZZ; j=""x""');
    assert.deepEqual(plain(r), { a: 'x', b: '', c: '\\"y\\"', d: '"unbalanced', e: 'a b;c', f: 'é', g: '%2F', h: '%E0%A4%A', i: '%ZZ', j: '"x"' });
    assert.equal(decodeCookieValue('"'), '"');
  });

  it('leaves signed values (base64url and dots) untouched', () => {
    const v = 'eyJ1c2VyX2lkIjo0Mn0.ZVPxAA.hjhtQRGPO7UK57j5dSOtrXVGqbs';
    assert.equal(parseCookieHeader(`session=${v}`).session, v);
  });

  it('has a null prototype: __proto__ and constructor are ordinary names', () => {
    const r = parseCookieHeader('__proto__=1; constructor=2; toString=3');
    assert.equal(Object.getPrototypeOf(r), null);
    assert.deepEqual([r.__proto__, r.constructor, r.toString], ['1', '2', '3']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('reads every pair, however many, in linear time (no silent cap)', () => {
    const many = Array.from({ length: 2000 }, (_, i) => `c${i}=${i}`).join('; ');
    const r = parseCookieHeader(many);
    assert.equal(Object.keys(r).length, 2000);
    assert.equal(r.c1999, '1999');
    const huge = 'x=' + 'y'.repeat(100_000) + '; z=1';
    assert.equal(parseCookieHeader(huge).z, '1');
    // Pairs without `=` do not make the scan quadratic.
    const nameless = 'a;'.repeat(200_000) + 'k=v';
    const t0 = performance.now();
    assert.equal(parseCookieHeader(nameless).k, 'v');
    assert.ok(performance.now() - t0 < 200, `${performance.now() - t0} ms`);
  });

  it('returns an empty record for missing or non-string input', () => {
    assert.deepEqual(plain(parseCookieHeader(undefined)), {});
    assert.deepEqual(plain(parseCookieHeader('')), {});
    assert.deepEqual(plain(parseCookieHeader(42 as unknown as string)), {});
  });

  it('property: never throws; names are non-empty, trimmed of SP/HTAB only, never contain ; or =', () => {
    const unit = fc.oneof(fc.constantFrom(';', '=', ' ', '\t', '"', '%', '\u00a0', '__Host-', '__Secure-', 'a', '%2', '%C3%A9'), fc.string({ maxLength: 3 }));
    fc.assert(fc.property(fc.array(unit, { maxLength: 40 }).map((a) => a.join('')), (header) => {
      const r = parseCookieHeader(header);
      assert.ok(Object.keys(r).length <= 100);
      for (const [name, value] of Object.entries(r)) {
        assert.ok(name.length > 0);
        assert.ok(!/[;=]/.test(name), name);
        assert.ok(!/^[ \t]|[ \t]$/.test(name), JSON.stringify(name));
        assert.equal(typeof value, 'string');
        // A name the parser reports is literally in the header, before an `=`.
        assert.ok(header.includes(name + '=') || new RegExp(`${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[ \\t]+=`).test(header), name);
      }
    }), { numRuns: 5000 });
  });
});
