// Set-Cookie serialisation (case C12): validated parts, secure defaults, prefixes at runtime and
// in the types, and a round-trip property.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CookieError, deleteCookieHeader, encodeCookieValue, MAX_COOKIE_AGE, serializeCookie, type CookieOptions,
} from '../../src/http/set-cookie.ts';
import { parseCookieHeader } from '../../src/http/cookies.ts';
import { assertHeader } from '../../src/http/headers.ts';

const throwsCookie = (fn: () => unknown, message: RegExp): void => {
  assert.throws(fn, (e: unknown) => e instanceof CookieError && e.code === 'PHIAL_E_COOKIE' && message.test(e.message));
};

describe('serializeCookie', () => {
  it('writes the secure defaults', () => {
    assert.equal(serializeCookie('lang', 'en'), 'lang=en; Path=/; Secure; HttpOnly; SameSite=Lax');
  });

  it('writes every attribute in a fixed order, title-casing enums', () => {
    const line = serializeCookie('id', 'v', {
      path: '/app', domain: '.Example.COM', maxAge: 60, httpOnly: false, sameSite: 'none' as 'None', priority: 'high' as 'High', partitioned: true,
    }, Date.UTC(2030, 0, 1));
    assert.equal(line, 'id=v; Path=/app; Domain=example.com; Max-Age=60; Expires=Tue, 01 Jan 2030 00:01:00 GMT; Secure; SameSite=None; Priority=High; Partitioned');
    assert.equal(serializeCookie('e', 'v', { expires: new Date(Date.UTC(2031, 5, 2)) }), 'e=v; Path=/; Expires=Mon, 02 Jun 2031 00:00:00 GMT; Secure; HttpOnly; SameSite=Lax');
    assert.equal(serializeCookie('dev', 'v', { secure: false }), 'dev=v; Path=/; HttpOnly; SameSite=Lax');
  });

  it('C12: refuses names, paths, domains and enums that would inject attributes or headers', () => {
    throwsCookie(() => serializeCookie('lang=x; Max-Age=2592000; a', 'en'), /Invalid cookie name "lang=x; Max-Age=2592000; a"/);
    throwsCookie(() => serializeCookie('lang\r\nX-Injected: 1', 'en'), /Invalid cookie name "lang\\r\\nX-Injected: 1"/);
    throwsCookie(() => serializeCookie('lang', 'en', { path: '/; Domain=attacker.example' }), /invalid path/);
    throwsCookie(() => serializeCookie('lang', 'en', { sameSite: 'Lax; Domain=attacker.example' as 'Lax' }), /sameSite must be Strict, Lax or None, got "Lax; Domain=attacker.example"/);
    throwsCookie(() => serializeCookie('lang', 'en', { priority: 'High; Domain=attacker.example' as 'High' }), /priority must be Low, Medium or High/);
    throwsCookie(() => serializeCookie('lang', 'en', { domain: 'attacker.example; Secure' }), /invalid domain/);
    for (const name of ['', 'a b', 'a;b', 'a,b', 'a"b', 'é', 'a\tb', 'a\0b', '(a)', 'a/b', 'a@b', 'a[b]']) throwsCookie(() => serializeCookie(name, 'v'), /Invalid cookie name/);
    for (const path of ['', 'app', '/a;b', '/a b', '/é', '/a\x7f', '/a\nb', '/' + 'a'.repeat(1024)]) throwsCookie(() => serializeCookie('n', 'v', { path }), /invalid path/);
    for (const domain of ['', '.', 'a..b', '-a.com', 'a-.com', 'a_b.com', 'é.com', 'a.com:80', '[::1]', 'a.com.', 'a'.repeat(64) + '.com']) {
      throwsCookie(() => serializeCookie('n', 'v', { domain }), /invalid domain/);
    }
    for (const sameSite of ['constructor', '__proto__', 'toString', '', 'laxx', 1]) throwsCookie(() => serializeCookie('n', 'v', { sameSite: sameSite as 'Lax' }), /sameSite/);
  });

  it('encodes any value; the parser gives it back', () => {
    for (const v of ['a b', 'x;y', 'q"q', 'back\\slash', 'p%25', 'é€😀', '\r\n\0', ',', '', '"quoted"']) {
      const line = serializeCookie('n', v);
      assert.equal(parseCookieHeader(line).n, v, JSON.stringify(v));
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(line.split(';')[0]!, /[\s",;\\\x00-\x1f\x7f]/);
    }
    assert.equal(encodeCookieValue('abc.DEF-_~!#$&\'()*+/:<=>?@[]^`{|}'), 'abc.DEF-_~!#$&\'()*+/:<=>?@[]^`{|}', 'cookie-octets stay');
    throwsCookie(() => serializeCookie('n', '\ud800'), /well-formed/);
  });

  it('checks maxAge, expires, flags, unknown options and size', () => {
    for (const maxAge of [-1, 1.5, NaN, Infinity, MAX_COOKIE_AGE + 1, '60']) throwsCookie(() => serializeCookie('n', 'v', { maxAge: maxAge as number }), /maxAge must be whole seconds/);
    assert.match(serializeCookie('n', 'v', { maxAge: MAX_COOKIE_AGE }), /Max-Age=34560000/);
    throwsCookie(() => serializeCookie('n', 'v', { expires: new Date(NaN) }), /expires/);
    throwsCookie(() => serializeCookie('n', 'v', { secure: 'false' as unknown as boolean }), /secure must be true or false/);
    throwsCookie(() => serializeCookie('n', 'v', { httponly: false } as CookieOptions), /Unknown cookie option "httponly"/);
    throwsCookie(() => serializeCookie('n', 'v', { sameSite: 'None', secure: false }), /SameSite=None requires Secure/);
    throwsCookie(() => serializeCookie('n', 'v', { partitioned: true, secure: false }), /Partitioned requires Secure/);
    throwsCookie(() => serializeCookie('n', 'x'.repeat(4096)), /exceed 4096 bytes/);
    assert.ok(serializeCookie('n', 'x'.repeat(4095)).length > 4095);
    throwsCookie(() => serializeCookie('n', 'é'.repeat(700)), /exceed 4096 bytes/); // 700 × %C3%A9 = 4200
  });

  it('enforces __Host- and __Secure- at runtime, case-insensitively', () => {
    assert.equal(serializeCookie('__Host-sid', 't', { sameSite: 'Strict' }), '__Host-sid=t; Path=/; Secure; HttpOnly; SameSite=Strict');
    for (const name of ['__Host-sid', '__host-sid', '__HOST-sid']) {
      throwsCookie(() => serializeCookie(name as string, 't', { secure: false }), /__Host- prefix requires Secure/);
      throwsCookie(() => serializeCookie(name as string, 't', { domain: 'app.example' }), /__Host- prefix forbids Domain/);
      throwsCookie(() => serializeCookie(name as string, 't', { path: '/app' }), /__Host- prefix requires Path=\//);
    }
    assert.match(serializeCookie('__Secure-x', 't', { domain: 'example.com', path: '/a' }), /Domain=example\.com/);
    throwsCookie(() => serializeCookie('__secure-x' as string, 't', { secure: false }), /__Secure- prefix requires Secure/);
  });

  it('forbids what the prefix forbids in the types', () => {
    // Each line below must fail to compile (tsc checks test/); at runtime each throws.
    // @ts-expect-error __Host- cookies have no Domain
    assert.throws(() => serializeCookie('__Host-a', 'v', { domain: 'app.example' }));
    // @ts-expect-error __Host- cookies are Secure
    assert.throws(() => serializeCookie('__Host-a', 'v', { secure: false }));
    // @ts-expect-error __Host- cookies have Path=/
    assert.throws(() => serializeCookie('__Host-a', 'v', { path: '/app' }));
    // @ts-expect-error matched case-insensitively, like browsers
    assert.throws(() => serializeCookie('__host-a', 'v', { domain: 'app.example' }));
    // @ts-expect-error __Secure- cookies are Secure
    assert.throws(() => serializeCookie('__Secure-a', 'v', { secure: false }));
    // @ts-expect-error sameSite is one of three words
    assert.throws(() => serializeCookie('a', 'v', { sameSite: 'Lax; Domain=x' }));
    serializeCookie('__Host-a', 'v', { path: '/', secure: true, maxAge: 1 });
    serializeCookie('__Secure-a', 'v', { domain: 'app.example', path: '/x' });
  });

  it('deleteCookieHeader expires the cookie with the same path and domain', () => {
    assert.equal(deleteCookieHeader('sid'), 'sid=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; HttpOnly; SameSite=Lax');
    assert.equal(deleteCookieHeader('p', { path: '/app', domain: 'example.com' }),
      'p=; Path=/app; Domain=example.com; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; HttpOnly; SameSite=Lax');
    throwsCookie(() => deleteCookieHeader('a;b'), /Invalid cookie name/);
  });
});

/** The attributes the serializer must write for `o`, computed independently of it. */
function expectedAttributes(o: CookieOptions, now: number): string[] {
  const title = (s: string): string => s[0]!.toUpperCase() + s.slice(1).toLowerCase();
  const out = [`Path=${o.path ?? '/'}`];
  if (o.domain !== undefined) out.push(`Domain=${o.domain.toLowerCase().replace(/^\./, '')}`);
  if (o.maxAge !== undefined) out.push(`Max-Age=${o.maxAge}`);
  if (o.expires !== undefined) out.push(`Expires=${o.expires.toUTCString()}`);
  else if (o.maxAge !== undefined) out.push(`Expires=${new Date(now + o.maxAge * 1000).toUTCString()}`);
  if (o.secure !== false) out.push('Secure');
  if (o.httpOnly !== false) out.push('HttpOnly');
  out.push(`SameSite=${title(o.sameSite ?? 'Lax')}`);
  if (o.priority !== undefined) out.push(`Priority=${title(o.priority)}`);
  if (o.partitioned === true) out.push('Partitioned');
  return out;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const tokenName = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,16}$/);
const anyName = fc.oneof(tokenName, fc.string({ maxLength: 12 }), fc.constantFrom('__Host-x', '__secure-y', 'a=b', 'a;b', 'a\r\nb'));
const anyValue = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }), fc.constantFrom('\ud800', '"x"', '%', '%25'));
const optionsArb = fc.record({
  path: fc.oneof(fc.constant('/'), fc.stringMatching(/^\/[\x21-\x3a\x3c-\x7e]{0,10}$/), fc.string({ maxLength: 10 })),
  domain: fc.oneof(fc.constantFrom('example.com', '.Example.com', 'a.b-c.example'), fc.string({ maxLength: 10 })),
  maxAge: fc.oneof(fc.integer({ min: 0, max: MAX_COOKIE_AGE }), fc.double(), fc.integer()),
  expires: fc.date({ min: new Date(0), max: new Date(253402300799000), noInvalidDate: true }),
  secure: fc.boolean(),
  httpOnly: fc.boolean(),
  sameSite: fc.oneof(fc.constantFrom('Strict', 'Lax', 'None', 'lax', 'NONE'), fc.string({ maxLength: 8 })),
  priority: fc.oneof(fc.constantFrom('Low', 'Medium', 'High', 'low'), fc.string({ maxLength: 8 })),
  partitioned: fc.boolean(),
}, { requiredKeys: [] }) as fc.Arbitrary<CookieOptions>;

describe('serializeCookie properties', () => {
  const now = Date.UTC(2030, 0, 1);

  it('whatever the input: a CookieError, or one header line with exactly the given attributes that parses back', () => {
    let produced = 0;
    fc.assert(fc.property(anyName, anyValue, optionsArb, (name, value, options) => {
      let line: string;
      try {
        line = serializeCookie(name, value, options, now);
      } catch (err) {
        assert.ok(err instanceof CookieError, String(err));
        return;
      }
      assert.doesNotMatch(line, /[\r\n\0]/);
      assert.doesNotThrow(() => assertHeader('set-cookie', line));
      const [pair, ...attrs] = line.split('; ');
      assert.equal(pair!.slice(0, name.length + 1), name + '=');
      assert.deepEqual(attrs, expectedAttributes(options, now));
      assert.equal(parseCookieHeader(line)[name], value);
      produced++;
    }), { numRuns: 5000 });
    assert.ok(produced >= 50, `only ${produced} of 5000 inputs produced a line: the property would be vacuous`);
  });

  it('valid input never throws', () => {
    const valid = fc.record({
      path: fc.stringMatching(/^\/[\x21-\x3a\x3c-\x7e]{0,20}$/),
      maxAge: fc.integer({ min: 0, max: MAX_COOKIE_AGE }),
      httpOnly: fc.boolean(),
      sameSite: fc.constantFrom('Strict', 'Lax', 'None'),
      priority: fc.constantFrom('Low', 'Medium', 'High'),
      partitioned: fc.boolean(),
    }, { requiredKeys: [] }) as fc.Arbitrary<CookieOptions>;
    fc.assert(fc.property(tokenName.filter((n) => !/^__(host|secure)-/i.test(n)), fc.string({ maxLength: 200 }).filter((s) => !LONE_SURROGATE.test(s)), valid,
      (name, value, options) => {
        const line = serializeCookie(name, value, options, now);
        assert.equal(parseCookieHeader(line)[name], value);
      }), { numRuns: 2000 });
  });
});
