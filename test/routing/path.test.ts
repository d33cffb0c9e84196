import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalPath, encodePathText } from '../../src/routing/path.ts';

describe('canonicalPath', () => {
  test('canonical paths give decoded segments and the trailing slash', () => {
    assert.deepEqual(canonicalPath('/'), { ok: true, segments: [], trailingSlash: false });
    assert.deepEqual(canonicalPath('/users/42'), { ok: true, segments: ['users', '42'], trailingSlash: false });
    assert.deepEqual(canonicalPath('/users/'), { ok: true, segments: ['users'], trailingSlash: true });
    assert.deepEqual(canonicalPath('/caf%C3%A9/a%20b/%25'), { ok: true, segments: ['café', 'a b', '%'], trailingSlash: false });
    assert.deepEqual(canonicalPath("/a!$&'()*+,;=:@~-_.b"), { ok: true, segments: ["a!$&'()*+,;=:@~-_.b"], trailingSlash: false });
  });

  test('percent-decoding happens exactly once', () => {
    assert.deepEqual(canonicalPath('/%252e%252e/x'), { ok: true, segments: ['%2e%2e', 'x'], trailingSlash: false });
  });

  test('encoded separators are kept inside their segment', () => {
    assert.deepEqual(canonicalPath('/a%2Fb/c%5Cd/e\\f'), { ok: true, segments: ['a/b', 'c\\d', 'e\\f'], trailingSlash: false });
    assert.deepEqual(canonicalPath('/%2e%2e%2Fetc'), { ok: false, redirect: '/..%2Fetc' }, 'lower-case %2e is not canonical');
    assert.deepEqual(canonicalPath('/..%2Fetc'), { ok: true, segments: ['../etc'], trailingSlash: false });
  });

  test('escapes must be canonical: unreserved characters unescaped, upper-case hex (case C04)', () => {
    const cases: Array<[string, string]> = [
      ['/%61dmin/secret.txt', '/admin/secret.txt'],
      ['/notes/%31', '/notes/1'],
      ['/a%2fb', '/a%2Fb'],
      ['/caf%c3%a9', '/caf%C3%A9'],
      ['/%40me', '/@me'],
      ['/x/%2e%2e/%61dmin', '/admin'],
    ];
    for (const [raw, location] of cases) assert.deepEqual(canonicalPath(raw), { ok: false, redirect: location }, raw);
    for (const ok of ['/a%20b', '/a%2Fb', '/caf%C3%A9', '/a%5Cb', '/%25']) assert.equal(canonicalPath(ok).ok, true, ok);
  });

  test('C04: empty and dot segments redirect to the one canonical path', () => {
    const cases: Array<[string, string]> = [
      ['//admin/x', '/admin/x'],
      ['/./admin/x', '/admin/x'],
      ['/x/../admin/x', '/admin/x'],
      ['/x/%2e%2e/admin/x', '/admin/x'],
      ['/x/%2E%2E/admin/x', '/admin/x'],
      ['/x/.%2e/admin/x', '/admin/x'],
      ['/%2e/admin/x', '/admin/x'],
      ['/../../admin/x', '/admin/x'],
      ['/admin//x', '/admin/x'],
      ['/admin/x//', '/admin/x/'],
      ['/a/b/..', '/a/'],
      ['/a/.', '/a/'],
      ['/..', '/'],
      ['//', '/'],
      ['///', '/'],
      ['//attacker.example/x', '/attacker.example/x'],
      ['//\\attacker.example', '/%5Cattacker.example'],
      ['/./\\attacker.example/', '/%5Cattacker.example/'],
      ['//a%2Fb/c', '/a%2Fb/c'],
    ];
    for (const [input, location] of cases) {
      assert.deepEqual(canonicalPath(input), { ok: false, redirect: location }, input);
      const again = canonicalPath(location);
      assert.equal(again.ok, true, `${location} is canonical`);
    }
  });

  test('malformed input is invalid (400)', () => {
    for (const input of [
      '', 'users', '*', 'http://app.example/x', '/a%', '/a%2', '/a%zz', '/a%%41', '/%C0%AE%C0%AE/x', '/%ED%A0%80', '/%FF',
      '/a%00b', '/%00', '/a b', '/a\tb', '/a\nb', '/caf\u00e9', '/\u0000', '/a\u007fb', '/😀',
    ]) {
      assert.deepEqual(canonicalPath(input), { ok: false, invalid: true }, JSON.stringify(input));
    }
  });

  test('an invalid escape anywhere wins over a redirect', () => {
    assert.deepEqual(canonicalPath('//a/%zz'), { ok: false, invalid: true });
  });

  test('segments such as __proto__ are plain data', () => {
    const r = canonicalPath('/__proto__/constructor/prototype');
    assert.deepEqual(r, { ok: true, segments: ['__proto__', 'constructor', 'prototype'], trailingSlash: false });
  });
});

describe('encodePathText', () => {
  test("Werkzeug's safe set", () => {
    assert.equal(encodePathText("!$&'()*+,:;=@-._~aZ09", false), "!$&'()*+,:;=@-._~aZ09");
    assert.equal(encodePathText('a/b c', true), 'a/b%20c');
    assert.equal(encodePathText('a/b c', false), 'a%2Fb%20c');
    assert.equal(encodePathText('é?#%\\"<>', false), '%C3%A9%3F%23%25%5C%22%3C%3E');
  });
  test('a lone surrogate cannot be encoded', () => {
    assert.throws(() => encodePathText('\ud800', false), URIError);
  });
});
