import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  CSRF_MESSAGES,
  checkCrossOrigin,
  csrfProtect,
  generateCsrfToken,
  hasAmbientCredentials,
  newCsrfSecret,
  normalizeOrigin,
  trustedOrigins,
  verifyCsrfToken,
  type CrossOriginInput,
  type CsrfPolicy,
  type CsrfRequest,
  type RequestHeaders,
} from '../../src/security/csrf.ts';

const KEY = 'current-secret-key-0123456789abcdef';
const OLD_KEY = 'previous-secret-key-fedcba9876543210';
const T0 = 1_700_000_000_000; // ms

function post(extra: Partial<CrossOriginInput> = {}): CrossOriginInput {
  return { method: 'POST', host: 'app.example', isSecure: true, ...extra };
}

describe('checkCrossOrigin: Fetch Metadata (Go 1.25 CrossOriginProtection order)', () => {
  it('lets safe methods through whatever the headers say', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS']) {
      assert.deepEqual(checkCrossOrigin(post({ method, secFetchSite: 'cross-site', origin: 'https://evil.example' })), { ok: true, via: 'safe-method' });
    }
  });

  it('treats every other method, including a lower-case spelling, as unsafe', () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'post', 'get', 'PROPFIND', 'TRACE']) {
      assert.deepEqual(checkCrossOrigin(post({ method, secFetchSite: 'cross-site' })), { ok: false, reason: 'fetch-site' }, method);
    }
  });

  it('passes same-origin and none, refuses cross-site, same-site and anything unknown or repeated', () => {
    assert.deepEqual(checkCrossOrigin(post({ secFetchSite: 'same-origin' })), { ok: true, via: 'fetch-site' });
    assert.deepEqual(checkCrossOrigin(post({ secFetchSite: 'none' })), { ok: true, via: 'fetch-site' });
    for (const site of ['cross-site', 'same-site', 'Same-Origin', 'same-origin, cross-site', 'bogus']) {
      assert.deepEqual(checkCrossOrigin(post({ secFetchSite: site })), { ok: false, reason: 'fetch-site' }, site);
    }
  });

  it('prefers Sec-Fetch-Site over a matching Origin (the browser-set signal wins)', () => {
    assert.deepEqual(checkCrossOrigin(post({ secFetchSite: 'cross-site', origin: 'https://app.example' })), { ok: false, reason: 'fetch-site' });
  });

  it('lets a cross-site request from a trusted origin through, comparing normalised origins exactly', () => {
    const trusted = trustedOrigins(['https://admin.example', 'http://localhost:5173']);
    assert.deepEqual(checkCrossOrigin(post({ secFetchSite: 'cross-site', origin: 'https://admin.example' }), trusted), { ok: true, via: 'trusted-origin' });
    assert.deepEqual(checkCrossOrigin(post({ secFetchSite: 'same-site', origin: 'HTTPS://Admin.Example:443' }), trusted), { ok: true, via: 'trusted-origin' });
    assert.deepEqual(checkCrossOrigin(post({ secFetchSite: 'cross-site', origin: 'http://localhost:5173' }), trusted), { ok: true, via: 'trusted-origin' });
    for (const origin of ['https://admin.example.evil.example', 'https://admin.example:8443', 'http://admin.example', 'null', 'https://evil.example']) {
      assert.deepEqual(checkCrossOrigin(post({ secFetchSite: 'cross-site', origin }), trusted), { ok: false, reason: 'fetch-site' }, origin);
    }
  });
});

describe('checkCrossOrigin: Origin fallback (no Sec-Fetch-Site)', () => {
  it('passes the request’s own origin, with the scheme from isSecure and the default port dropped', () => {
    assert.deepEqual(checkCrossOrigin(post({ origin: 'https://app.example' })), { ok: true, via: 'origin' });
    assert.deepEqual(checkCrossOrigin(post({ origin: 'https://APP.example:443' })), { ok: true, via: 'origin' });
    assert.deepEqual(checkCrossOrigin(post({ origin: 'http://app.example:8080', host: 'app.example:8080', isSecure: false })), { ok: true, via: 'origin' });
    assert.deepEqual(checkCrossOrigin(post({ origin: 'http://[::1]:3000', host: '[::1]:3000', isSecure: false })), { ok: true, via: 'origin' });
  });

  it('refuses other origins, look-alike suffixes and other ports', () => {
    for (const origin of ['https://evil.example', 'https://app.example.evil.example', 'https://app.example:8443', 'https://evil-app.example']) {
      assert.deepEqual(checkCrossOrigin(post({ origin })), { ok: false, reason: 'origin-mismatch' }, origin);
    }
  });

  it('refuses an http page posting to the https site (scheme counts, unlike Go)', () => {
    assert.deepEqual(checkCrossOrigin(post({ origin: 'http://app.example' })), { ok: false, reason: 'origin-scheme-mismatch' });
    assert.deepEqual(checkCrossOrigin(post({ origin: 'https://app.example', isSecure: false })), { ok: false, reason: 'origin-scheme-mismatch' });
  });

  it('refuses the null origin, even if someone lists it as trusted-looking', () => {
    assert.deepEqual(checkCrossOrigin(post({ origin: 'null' })), { ok: false, reason: 'origin-null' });
    assert.throws(() => trustedOrigins(['null']), /Invalid trusted origin "null"/);
  });

  it('refuses malformed origins: paths, userinfo, other schemes, lists, garbage', () => {
    for (const origin of ['https://app.example/', 'https://app.example/x', 'https://u@app.example', 'javascript:alert(1)',
      'file://app.example', 'https://app.example, https://evil.example', 'app.example', 'https://app .example', 'https://']) {
      assert.deepEqual(checkCrossOrigin(post({ origin })), { ok: false, reason: 'origin-malformed' }, origin);
    }
  });

  it('accepts a trusted origin without Sec-Fetch-Site', () => {
    const trusted = trustedOrigins(['https://admin.example']);
    assert.deepEqual(checkCrossOrigin(post({ origin: 'https://admin.example' }), trusted), { ok: true, via: 'trusted-origin' });
  });

  it('treats empty header values as absent (Go’s Header.Get)', () => {
    assert.deepEqual(checkCrossOrigin(post({ secFetchSite: '', origin: '', referer: '' })), { ok: false, reason: 'no-origin-signal' });
    assert.deepEqual(checkCrossOrigin(post({ secFetchSite: '', origin: 'https://app.example' })), { ok: true, via: 'origin' });
  });
});

describe('checkCrossOrigin: Referer fallback, on https only', () => {
  it('compares the Referer’s origin when neither Sec-Fetch-Site nor Origin is present', () => {
    assert.deepEqual(checkCrossOrigin(post({ referer: 'https://app.example/notes/new?x=1' })), { ok: true, via: 'referer' });
    assert.deepEqual(checkCrossOrigin(post({ referer: 'https://evil.example/page' })), { ok: false, reason: 'referer-mismatch' });
    assert.deepEqual(checkCrossOrigin(post({ referer: 'http://app.example/notes' })), { ok: false, reason: 'referer-mismatch' });
    assert.deepEqual(checkCrossOrigin(post({ referer: 'not a url' })), { ok: false, reason: 'referer-malformed' });
    assert.deepEqual(checkCrossOrigin(post({ referer: 'https://admin.example/x' }), trustedOrigins(['https://admin.example'])), { ok: true, via: 'trusted-origin' });
  });

  it('ignores the Referer over plain http: undecided either way', () => {
    for (const referer of ['http://app.example/notes', 'https://evil.example/']) {
      assert.deepEqual(checkCrossOrigin(post({ referer, isSecure: false })), { ok: false, reason: 'no-origin-signal' });
    }
  });

  it('is undecided with no signal at all, and a caller that only reads `ok` fails closed', () => {
    const result = checkCrossOrigin(post());
    assert.deepEqual(result, { ok: false, reason: 'no-origin-signal' });
  });

  it('is undecided about the own origin when the host is unknown, but still honours trusted origins', () => {
    assert.deepEqual(checkCrossOrigin(post({ host: undefined, origin: 'https://app.example' })), { ok: false, reason: 'origin-mismatch' });
    assert.deepEqual(checkCrossOrigin(post({ host: undefined, origin: 'https://app.example' }), trustedOrigins(['https://app.example'])), { ok: true, via: 'trusted-origin' });
  });
});

describe('trusted origins and normalizeOrigin', () => {
  it('normalises scheme and host case, default ports and IDN', () => {
    assert.equal(normalizeOrigin('HTTPS://Example.COM:443'), 'https://example.com');
    assert.equal(normalizeOrigin('http://example.com:80'), 'http://example.com');
    assert.equal(normalizeOrigin('http://example.com:8080'), 'http://example.com:8080');
    assert.equal(normalizeOrigin('https://bücher.example'), 'https://xn--bcher-kva.example');
    assert.equal(normalizeOrigin('x'.repeat(5000)), undefined);
  });

  it('refuses a bad trusted origin at setup, naming it', () => {
    assert.throws(() => trustedOrigins(['https://ok.example', 'https://*.example']), /Invalid trusted origin "https:\/\/\*\.example"/);
    assert.throws(() => trustedOrigins(['https://x.example/path']), /Invalid trusted origin/);
    assert.throws(() => checkCrossOrigin(post({ secFetchSite: 'cross-site', origin: 'https://a.example' }), { origins: ['ftp://x'] }), /Invalid trusted origin "ftp:\/\/x"/);
  });
});

describe('synchronizer token', () => {
  const session = newCsrfSecret();

  it('round-trips, and every token is freshly masked (BREACH)', () => {
    const a = generateCsrfToken(session, KEY, T0);
    const b = generateCsrfToken(session, KEY, T0);
    assert.notEqual(a, b);
    assert.match(a, /^[A-Za-z0-9_-]{102}$/);
    assert.deepEqual(verifyCsrfToken(a, session, [KEY], { now: T0 }), { ok: true });
    assert.deepEqual(verifyCsrfToken(b, session, [KEY], { now: T0 + 1000 }), { ok: true });
  });

  it('fails for another session, another key, and verifies under a fallback key', () => {
    const token = generateCsrfToken(session, OLD_KEY, T0);
    assert.deepEqual(verifyCsrfToken(token, newCsrfSecret(), [OLD_KEY], { now: T0 }), { ok: false, reason: 'token-invalid' });
    assert.deepEqual(verifyCsrfToken(token, session, [KEY], { now: T0 }), { ok: false, reason: 'token-invalid' });
    assert.deepEqual(verifyCsrfToken(token, session, [KEY, OLD_KEY], { now: T0 }), { ok: true });
  });

  it('expires after maxAgeSeconds (default 3600), counted from issue', () => {
    const token = generateCsrfToken(session, KEY, T0);
    assert.deepEqual(verifyCsrfToken(token, session, [KEY], { now: T0 + 3600_000 }), { ok: true });
    assert.deepEqual(verifyCsrfToken(token, session, [KEY], { now: T0 + 3601_000 }), { ok: false, reason: 'token-expired' });
    assert.deepEqual(verifyCsrfToken(token, session, [KEY], { now: T0 + 61_000, maxAgeSeconds: 60 }), { ok: false, reason: 'token-expired' });
    assert.deepEqual(verifyCsrfToken(token, session, [KEY], { now: T0 + 1e12, maxAgeSeconds: Infinity }), { ok: true });
  });

  it('refuses a token from the future beyond a minute of clock skew', () => {
    const token = generateCsrfToken(session, KEY, T0 + 120_000);
    assert.deepEqual(verifyCsrfToken(token, session, [KEY], { now: T0 }), { ok: false, reason: 'token-invalid' });
    assert.deepEqual(verifyCsrfToken(generateCsrfToken(session, KEY, T0 + 30_000), session, [KEY], { now: T0 }), { ok: true });
  });

  it('refuses any single-character change (property)', () => {
    const token = generateCsrfToken(session, KEY, T0);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    fc.assert(fc.property(fc.nat({ max: token.length - 1 }), fc.constantFrom(...alphabet), (i, ch) => {
      fc.pre(token[i] !== ch);
      const tampered = token.slice(0, i) + ch + token.slice(i + 1);
      const result = verifyCsrfToken(tampered, session, [KEY], { now: T0 });
      // The last character carries only 4 bits (base64url of 76 bytes): changing its unused low
      // bits may decode to the same bytes, which is the same token, not a forgery.
      if (Buffer.from(tampered, 'base64url').equals(Buffer.from(token, 'base64url'))) return;
      assert.equal(result.ok, false);
    }), { numRuns: 500 });
  });

  it('names missing and malformed input without throwing, whatever its type or size', () => {
    assert.deepEqual(verifyCsrfToken(undefined, session, [KEY]), { ok: false, reason: 'token-missing' });
    assert.deepEqual(verifyCsrfToken('', session, [KEY]), { ok: false, reason: 'token-missing' });
    for (const bad of [123, ['x'], {}, 'abc', 'x'.repeat(1_000_000), `${generateCsrfToken(session, KEY)}=`, '+'.repeat(102)]) {
      assert.deepEqual(verifyCsrfToken(bad, session, [KEY]), { ok: false, reason: 'token-malformed' });
    }
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => {
      assert.equal(verifyCsrfToken(s, session, [KEY]).ok, false);
    }));
  });

  it('throws on programming errors: empty secrets, no keys, bad max age', () => {
    assert.throws(() => generateCsrfToken('', KEY), /sessionSecret/);
    assert.throws(() => generateCsrfToken(session, ''), /secretKey/);
    assert.throws(() => verifyCsrfToken('x', session, []), /secretKeys/);
    assert.throws(() => verifyCsrfToken('x', session, [KEY, '']), /secretKeys/);
    assert.throws(() => verifyCsrfToken('x', session, [KEY], { maxAgeSeconds: 0 }), /maxAgeSeconds/);
  });

  it('newCsrfSecret gives 256 random bits', () => {
    const s = newCsrfSecret();
    assert.match(s, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(s, 'base64url').length, 32);
    assert.notEqual(s, newCsrfSecret());
  });
});

describe('csrfProtect: the decision', () => {
  const secret = newCsrfSecret();
  const policy: CsrfPolicy = { secretKeys: [KEY, OLD_KEY], now: T0 };
  const COOKIE = { cookie: '__Host-session=abc' };
  function request(headers: RequestHeaders, extra: Partial<CsrfRequest> = {}): CsrfRequest {
    return { method: 'POST', headers: { host: 'app.example', ...headers }, isSecure: true, sessionSecret: secret, ...extra };
  }

  it('refuses a cross-site unsafe request with a cookie session, for every method, with a 403 decision', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const decision = await csrfProtect(request({ ...COOKIE, 'sec-fetch-site': 'cross-site', origin: 'https://attacker.example' }, { method }), policy);
      assert.deepEqual(decision, { ok: false, status: 403, reason: 'fetch-site', message: CSRF_MESSAGES['fetch-site'] });
    }
    const old = await csrfProtect(request({ ...COOKIE, origin: 'https://attacker.example' }), policy);
    assert.deepEqual(old, { ok: false, status: 403, reason: 'origin-mismatch', message: 'Cross-origin request refused.' });
  });

  it('does not let a valid token overrule a cross-origin signal', async () => {
    const token = generateCsrfToken(secret, KEY, T0);
    const decision = await csrfProtect(request({ ...COOKIE, 'sec-fetch-site': 'cross-site', 'x-csrf-token': token }), policy);
    assert.equal(decision.ok, false);
  });

  it('passes same-origin requests without reading the body or the session', async () => {
    let reads = 0;
    const lazy = { formToken: () => { reads++; return undefined; }, sessionSecret: () => { reads++; return secret; } };
    assert.deepEqual(await csrfProtect(request({ ...COOKIE, 'sec-fetch-site': 'same-origin' }, lazy), policy), { ok: true, via: 'fetch-site' });
    assert.deepEqual(await csrfProtect(request({ ...COOKIE, origin: 'https://app.example' }, lazy), policy), { ok: true, via: 'origin' });
    assert.equal(reads, 0);
  });

  it('without any origin signal: no credentials pass, credentials need the session-bound token', async () => {
    assert.deepEqual(await csrfProtect(request({}), policy), { ok: true, via: 'no-credentials' });
    assert.deepEqual(await csrfProtect(request({ authorization: 'Bearer abc' }), policy), { ok: true, via: 'no-credentials' });
    for (const headers of [COOKIE, { authorization: 'Basic dTpw' }, { authorization: 'negotiate abc' }]) {
      const d = await csrfProtect(request(headers), policy);
      assert.equal(d.ok === false && d.reason, 'token-missing', JSON.stringify(headers));
    }
    const token = generateCsrfToken(secret, KEY, T0);
    assert.deepEqual(await csrfProtect(request({ ...COOKIE, 'x-csrf-token': token }), policy), { ok: true, via: 'token' });
    assert.deepEqual(await csrfProtect(request(COOKIE, { formToken: async () => token }), policy), { ok: true, via: 'token' });
    const other = generateCsrfToken(newCsrfSecret(), KEY, T0);
    assert.deepEqual(await csrfProtect(request(COOKIE, { formToken: other }), policy),
      { ok: false, status: 403, reason: 'token-invalid', message: 'The CSRF token is invalid.' });
    assert.deepEqual(await csrfProtect(request(COOKIE, { formToken: token, sessionSecret: undefined }), policy),
      { ok: false, status: 403, reason: 'session-missing', message: 'The CSRF session token is missing.' });
    const expired = await csrfProtect(request(COOKIE, { formToken: token }), { ...policy, now: T0 + 7200_000 });
    assert.equal(expired.ok === false && expired.reason, 'token-expired');
  });

  it('takes the header token first; an invalid header is not rescued by the form field', async () => {
    const token = generateCsrfToken(secret, KEY, T0);
    const d = await csrfProtect(request({ ...COOKIE, 'x-csrf-token': 'junk' }, { formToken: token }), policy);
    assert.equal(d.ok === false && d.reason, 'token-malformed');
  });

  it('requireToken (Flask-WTF mode) asks for the token even on same-origin and credential-less requests', async () => {
    const strict = { ...policy, requireToken: true };
    const noToken = await csrfProtect(request({ 'sec-fetch-site': 'same-origin' }), strict);
    assert.equal(noToken.ok === false && noToken.reason, 'token-missing');
    const token = generateCsrfToken(secret, KEY, T0);
    assert.deepEqual(await csrfProtect(request({ 'sec-fetch-site': 'same-origin', 'x-csrf-token': token }), strict), { ok: true, via: 'token' });
    assert.deepEqual(await csrfProtect(request({ 'sec-fetch-site': 'cross-site', 'x-csrf-token': token }), strict),
      { ok: false, status: 403, reason: 'fetch-site', message: CSRF_MESSAGES['fetch-site'] });
    assert.deepEqual(await csrfProtect(request({ 'sec-fetch-site': 'cross-site' }, { method: 'GET' }), strict), { ok: true, via: 'safe-method' });
  });

  it('lets an exempt route through, and trusted origins cross-site', async () => {
    assert.deepEqual(await csrfProtect(request({ ...COOKIE, 'sec-fetch-site': 'cross-site' }), { ...policy, exempt: true }), { ok: true, via: 'exempt' });
    const trusted = { ...policy, trustedOrigins: trustedOrigins(['https://partner.example']) };
    assert.deepEqual(await csrfProtect(request({ ...COOKIE, 'sec-fetch-site': 'cross-site', origin: 'https://partner.example' }), trusted), { ok: true, via: 'trusted-origin' });
  });

  it('fails closed on repeated headers (Node joins them; arrays are joined too)', async () => {
    const d = await csrfProtect(request({ ...COOKIE, 'sec-fetch-site': ['same-origin', 'cross-site'] }), policy);
    assert.equal(d.ok, false);
    const o = await csrfProtect(request({ ...COOKIE, origin: 'https://app.example, https://evil.example' }), policy);
    assert.equal(o.ok === false && o.reason, 'origin-malformed');
  });

  it('refuses a policy without keys', async () => {
    await assert.rejects(csrfProtect(request({}), { secretKeys: [] }), /secretKeys/);
  });

  it('hasAmbientCredentials: cookies and browser-remembered HTTP auth only', () => {
    assert.equal(hasAmbientCredentials({ cookie: 'a=b' }), true);
    assert.equal(hasAmbientCredentials({ cookie: '  ' }), false);
    assert.equal(hasAmbientCredentials({ authorization: 'Digest x' }), true);
    assert.equal(hasAmbientCredentials({ authorization: 'NTLM' }), true);
    assert.equal(hasAmbientCredentials({ authorization: 'Bearer x' }), false);
    assert.equal(hasAmbientCredentials({ authorization: 'Basically x' }), false);
  });
});

describe('csrfProtect: Content-Type never matters (case C24)', () => {
  const secret = newCsrfSecret();
  const policy: CsrfPolicy = { secretKeys: [KEY], now: T0 };
  const C24_TYPES = [
    'text/plain', 'Application/x-www-form-urlencoded', 'application/x-www-form-urlencoded;charset=UTF-8',
    'multipart/form-data; boundary=X', 'application/json', 'APPLICATION/JSON', 'application/json ;charset=utf-8',
    '', 'TEXT/PLAIN; charset=utf-8', 'constructor', '__proto__',
  ];
  const contentType = fc.oneof(fc.constantFrom(...C24_TYPES), fc.string({ maxLength: 60 }), fc.stringMatching(/^[A-Za-z]{1,12}\/[A-Za-z+.-]{1,20}(;\s?[a-z]+=[^;]{0,10})?$/));
  const requestShape = fc.record({
    method: fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE', 'GET'),
    site: fc.constantFrom(undefined, 'cross-site', 'same-site', 'same-origin', 'none'),
    origin: fc.constantFrom(undefined, 'https://attacker.example', 'https://app.example', 'null', 'http://app.example'),
    referer: fc.constantFrom(undefined, 'https://attacker.example/x', 'https://app.example/form'),
    cookie: fc.boolean(),
    token: fc.constantFrom('none', 'valid', 'other-session', 'junk'),
    isSecure: fc.boolean(),
  });

  type Shape = typeof requestShape extends fc.Arbitrary<infer T> ? T : never;
  function build(shape: Shape): CsrfRequest {
    const headers: Record<string, string> = { host: 'app.example' };
    if (shape.site !== undefined) headers['sec-fetch-site'] = shape.site;
    if (shape.origin !== undefined) headers.origin = shape.origin;
    if (shape.referer !== undefined) headers.referer = shape.referer;
    if (shape.cookie) headers.cookie = 'session=1';
    const formToken = shape.token === 'valid' ? generateCsrfToken(secret, KEY, T0)
      : shape.token === 'other-session' ? generateCsrfToken(newCsrfSecret(), KEY, T0)
        : shape.token === 'junk' ? 'junk' : undefined;
    return { method: shape.method, headers, isSecure: shape.isSecure, formToken, sessionSecret: secret };
  }

  it('a cross-site POST without a token is refused for every content type, C24’s rows and random ones', async () => {
    await fc.assert(fc.asyncProperty(contentType, fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE'), async (type, method) => {
      for (const headers of [
        { 'sec-fetch-site': 'cross-site', origin: 'https://attacker.example' },
        { origin: 'https://attacker.example' },
        { origin: 'null' },
      ]) {
        const d = await csrfProtect({ method, headers: { host: 'app.example', cookie: 'session=1', 'content-type': type, ...headers }, isSecure: true, sessionSecret: secret }, policy);
        assert.equal(d.ok, false);
        assert.equal(d.ok === false && d.status, 403);
      }
      // No header at all and no token, with a cookie: refused too.
      const bare = await csrfProtect({ method, headers: { host: 'app.example', cookie: 'session=1', 'content-type': type }, isSecure: true, sessionSecret: secret }, policy);
      assert.equal(bare.ok === false && bare.reason, 'token-missing');
    }), { numRuns: 300 });
  });

  it('adding any Content-Type, in any spelling, never changes any decision (property)', async () => {
    await fc.assert(fc.asyncProperty(requestShape, contentType, async (shape, type) => {
      const without = await csrfProtect(build(shape), policy);
      const base = build(shape);
      const withType = await csrfProtect({ ...base, headers: { ...base.headers, 'content-type': type } }, policy);
      // Tokens are regenerated per build (fresh masks) but decide the same way.
      assert.deepEqual(withType, without);
    }), { numRuns: 1000 });
  });
});
