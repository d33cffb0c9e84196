// safeNextUrl (case C11) and the redirect() checks it relies on (C08, C09, C13).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkRedirectTarget, MAX_NEXT_URL_LENGTH, safeNextUrl } from '../../src/security/redirect.ts';
import { redirect } from '../../src/http/redirect.ts';
import { makeApp, rawRequest } from '../helpers.ts';

const ORIGIN = 'https://app.example';
const opts = { origin: ORIGIN };

describe('safeNextUrl', () => {
  it('falls back to / for every C11 bypass', () => {
    for (const v of ['/\\attacker.example', '/\t/attacker.example', '////attacker.example', '\\\\attacker.example', '/\r\n/attacker.example',
      'javascript:alert(1)', 'https://attacker.example', '//attacker.example', '/\\/attacker.example', '\t//attacker.example',
      ' //attacker.example', '//attacker.example/%2F..', 'http://app.example/', 'https://app.example.attacker.example/',
      'https://app.example@attacker.example/', 'https://attacker.example\\@app.example/', 'http:attacker.example', 'http:/attacker.example',
      'HTTPS://attacker.example', 'data:text/html,x', 'JaVaScRiPt:alert(1)', 'java\nscript:alert(1)', '/\x7f/x', '/a\0b',
      'https://user:pass@app.example/', 'https:\\\\attacker.example', 'x'.repeat(MAX_NEXT_URL_LENGTH + 1), '', '\ud800']) {
      assert.equal(safeNextUrl(v, opts), '/', JSON.stringify(v));
    }
    for (const v of [undefined, null, 42, ['/a'], { toString: () => '/a' }]) assert.equal(safeNextUrl(v, opts), '/');
  });

  it('keeps legitimate values, exactly as redirect() will emit them', () => {
    const cases: [string, string][] = [
      ['/account', '/account'],
      ['/a?next=%2F%2Fx#top', '/a?next=%2F%2Fx#top'],
      ['account/settings', 'account/settings'],
      ['?tab=2', '?tab=2'],
      ['/%09/x', '/%09/x'], // a percent-escape is data in a path, not a tab
      ['/café menu', '/caf%C3%A9%20menu'],
      ['https://app.example/x', 'https://app.example/x'],
      ['HTTPS://APP.EXAMPLE', 'https://app.example/'],
      ['https:attacker.example', 'https://app.example/attacker.example'], // same-scheme relative: made absolute
    ];
    for (const [v, want] of cases) {
      const got = safeNextUrl(v, opts);
      assert.equal(got, want, v);
      assert.equal(redirect(got).headers.get('location'), got);
    }
  });

  it('honours the allow-list of origins and a custom fallback', () => {
    const o = { origin: ORIGIN, allow: ['https://allowed.example', 'http://partner.example:8080'], fallback: '/home' };
    assert.equal(safeNextUrl('https://allowed.example/x', o), 'https://allowed.example/x');
    assert.equal(safeNextUrl('http://partner.example:8080/', o), 'http://partner.example:8080/');
    assert.equal(safeNextUrl('http://partner.example/', o), '/home');
    assert.equal(safeNextUrl('https://allowed.example\\@attacker.example', o), '/home');
    assert.equal(safeNextUrl('https://attacker.example', o), '/home');
  });

  it('throws for a bad origin or allow entry (a setup bug), naming it', () => {
    assert.throws(() => safeNextUrl('/', { origin: 'app.example' }), /origin must be an origin like https:\/\/app\.example, got "app\.example"/);
    assert.throws(() => safeNextUrl('/', { origin: ORIGIN, allow: ['javascript:x'] }), /allow entry must be an http\(s\) origin/);
  });

  it('property: the result resolves to the origin or an allowed origin from any page, with no control chars or backslash', () => {
    const allow = ['https://allowed.example'];
    const piece = fc.oneof(
      fc.constantFrom('/', '//', '\\', '\t', '\r', '\n', '\0', '\x7f', ' ', ':', '@', '.', '..', '%', '%2F', '%5C', '%09', '?', '#',
        'https', 'http', 'javascript', 'data', 'attacker.example', 'app.example', 'allowed.example', '\uff0f', '\u3002', 'ａ', '\u2028', '\ufeff'),
      fc.string({ maxLength: 4 }),
    );
    const candidate = fc.array(piece, { maxLength: 12 }).map((p) => p.join(''));
    let kept = 0;
    fc.assert(fc.property(candidate, (v) => {
      const r = safeNextUrl(v, { origin: ORIGIN, allow });
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(r, /[\u0000-\u001f\u007f\\]/);
      for (const page of [`${ORIGIN}/login`, `${ORIGIN}/a/b/c?x=1#f`, 'http://app.example/login']) {
        const origin = new URL(r, page).origin;
        assert.ok(origin === new URL(page).origin || origin === ORIGIN || allow.includes(origin), `${JSON.stringify(v)} → ${r} → ${origin} from ${page}`);
      }
      if (!/^[a-z][a-z0-9+.-]*:/i.test(r)) assert.ok(!r.startsWith('//'), r);
      assert.equal(checkRedirectTarget(r), r, 'redirect() emits it unchanged');
      if (r !== '/') kept++;
    }), { numRuns: 10000 });
    assert.ok(kept > 500, `only ${kept} values were kept: the property would be vacuous`);
  });
});

describe('redirect() covers the same bypasses (C08, C09, C11, C13)', () => {
  it('refuses control characters, backslashes and protocol-relative targets with 400', () => {
    for (const bad of ['/\t/x', '/\\x', '\\\\x', '////x', '//x', '/a\r\nLocation: https://attacker.example', '/a\nb', '/a\0', '/\x7f',
      'http://allowed.example\\@attacker.example', 'HTTPS://allowed.example\\@attacker.example', '//allowed.example\\@attacker.example/',
      'javascript:alert(document.domain)', 'vbscript:x', '\ud800']) {
      assert.throws(() => redirect(bad), (e: Error & { code?: number }) => e.code === 400, JSON.stringify(bad));
    }
    assert.equal(checkRedirectTarget('/%09/x'), '/%09/x');
    assert.equal(checkRedirectTarget('http://allowed.example/%2F%25e2%2598%2583'), 'http://allowed.example/%2F%25e2%2598%2583');
  });
});

describe('C11 over HTTP: POST /login?next=…', () => {
  it('every bypass lands on app.example, the legitimate next still works', async () => {
    const app = makeApp({ origin: 'http://app.example' });
    app.post('/login', (req) => redirect(safeNextUrl(req.query.get('next'), { origin: app.config.origin! })));
    const running = await app.listen({ port: 0 });
    try {
      const login = async (next: string): Promise<{ status: string; location: string | undefined }> => {
        const body = 'u=demo&p=demo';
        const raw = await rawRequest(running!.address.port, `POST /login?next=${next} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
        const head = raw.split('\r\n\r\n')[0]!.split('\r\n');
        const locations = head.filter((l) => /^location:/i.test(l));
        assert.ok(locations.length <= 1, 'one Location at most');
        return { status: head[0]!, location: locations[0]?.replace(/^location:\s*/i, '') };
      };
      for (const next of ['%2F%5Cattacker.example', '%2F%09%2Fattacker.example', '%2F%2F%2F%2Fattacker.example', '%5C%5Cattacker.example',
        '%2F%0D%0A%2Fattacker.example', 'javascript%3Aalert(1)', 'https%3A%2F%2Fattacker.example']) {
        const r = await login(next);
        assert.match(r.status, /^HTTP\/1\.1 302 /, next);
        assert.equal(r.location, '/', next);
        assert.equal(new URL(r.location!, 'http://app.example/login').host, 'app.example');
      }
      const ok = await login('%2Faccount');
      assert.equal(ok.location, '/account');
    } finally {
      await running!.close();
    }
  });
});
