import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compileSecurityHeaders, mergeSecurityHeaderOptions, type CspDirectives, type SecurityHeaderOptions,
} from '../../src/security/headers.ts';
import { cspNonce } from '../../src/security/nonce.ts';

const PERMISSIONS = 'accelerometer=(), bluetooth=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), ' +
  'hid=(), idle-detection=(), magnetometer=(), microphone=(), midi=(), payment=(), screen-wake-lock=(), ' +
  'serial=(), usb=(), xr-spatial-tracking=()';

const pairs = (flat: readonly string[]): Record<string, string> => {
  const out: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
};

test('default block: exact names and values, lower-case, CSP and HSTS kept apart', () => {
  const h = compileSecurityHeaders();
  assert.deepEqual([...h.common], [
    'x-content-type-options', 'nosniff',
    'x-frame-options', 'DENY',
    'referrer-policy', 'strict-origin-when-cross-origin',
    'cross-origin-opener-policy', 'same-origin',
    'cross-origin-resource-policy', 'same-origin',
    'permissions-policy', PERMISSIONS,
    'x-xss-protection', '0',
    'origin-agent-cluster', '?1',
    'x-permitted-cross-domain-policies', 'none',
  ]);
  for (let i = 0; i < h.common.length; i += 2) assert.equal(h.common[i], h.common[i]!.toLowerCase());
  assert.deepEqual([...h.secureOnly], ['strict-transport-security', 'max-age=63072000; includeSubDomains']);
  assert.equal(h.cspHeaderName, 'content-security-policy');
  assert.equal(h.staticCsp, "default-src 'none'; frame-ancestors 'none'; base-uri 'none'");
  assert.equal(h.htmlCsp('abc+/def=='),
    "default-src 'self'; script-src 'nonce-abc+/def==' 'strict-dynamic'; style-src 'self' 'nonce-abc+/def=='; " +
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
});

test('the compiled block is frozen: nothing can change it per request', () => {
  const h = compileSecurityHeaders();
  assert.ok(Object.isFrozen(h) && Object.isFrozen(h.common) && Object.isFrozen(h.secureOnly));
  assert.throws(() => (h.common as string[]).push('x', 'y'), TypeError);
});

test('htmlCsp puts the nonce exactly once per placeholder and nowhere else', () => {
  const h = compileSecurityHeaders();
  for (let i = 0; i < 50; i++) {
    const n = cspNonce();
    const v = h.htmlCsp(n)!;
    assert.equal(v.split(n).length - 1, 2); // script-src and style-src
    assert.equal(v.split("'nonce-").length - 1, 2);
    assert.ok(v.includes(`script-src 'nonce-${n}' 'strict-dynamic'`));
  }
  const one = compileSecurityHeaders({ contentSecurityPolicy: { 'style-src': ["'self'"] } });
  const n = cspNonce();
  assert.equal(one.htmlCsp(n)!.split(n).length - 1, 1);
  const none = compileSecurityHeaders({ contentSecurityPolicy: { 'script-src': ["'self'"], 'style-src': ["'self'"] } });
  assert.equal(none.htmlCsp(n), none.htmlCsp(cspNonce())); // no placeholder: a constant string
  assert.ok(!none.htmlCsp(n)!.includes('nonce'));
});

test('htmlCsp refuses a value that is not base64 (a directive could ride in on it)', () => {
  const h = compileSecurityHeaders();
  for (const bad of ["x'; script-src *", 'a b', 'a\r\nx: y', '', 'é']) assert.throws(() => h.htmlCsp(bad), TypeError);
});

test('every header can be removed, and describe() shows it as off', () => {
  const off: SecurityHeaderOptions = {
    contentSecurityPolicy: false, strictTransportSecurity: false, xContentTypeOptions: false,
    xFrameOptions: false, referrerPolicy: false, crossOriginOpenerPolicy: false,
    crossOriginResourcePolicy: false, permissionsPolicy: false, xXssProtection: false,
    originAgentCluster: false, xPermittedCrossDomainPolicies: false,
  };
  const h = compileSecurityHeaders(off);
  assert.deepEqual([...h.common], []);
  assert.deepEqual([...h.secureOnly], []);
  assert.equal(h.staticCsp, null);
  assert.equal(h.htmlCsp(cspNonce()), null);
  const d = h.describe();
  for (const name of ['content-security-policy', 'strict-transport-security', 'x-content-type-options', 'x-frame-options',
    'referrer-policy', 'cross-origin-opener-policy', 'cross-origin-resource-policy', 'cross-origin-embedder-policy',
    'permissions-policy', 'x-xss-protection', 'origin-agent-cluster', 'x-permitted-cross-domain-policies']) {
    assert.equal(d[name], 'off', name);
  }
  // One at a time: only that header disappears.
  const full = pairs(compileSecurityHeaders().common);
  for (const [key, header] of [['xFrameOptions', 'x-frame-options'], ['referrerPolicy', 'referrer-policy'],
    ['permissionsPolicy', 'permissions-policy'], ['xXssProtection', 'x-xss-protection']] as const) {
    const got = pairs(compileSecurityHeaders({ [key]: false }).common);
    const expected = { ...full };
    delete expected[header];
    assert.deepEqual(got, expected, key);
  }
});

test('describe() lists every header with its value, the CSP with a {nonce} slot', () => {
  const d = compileSecurityHeaders().describe();
  assert.equal(d['x-frame-options'], 'DENY');
  assert.equal(d['cross-origin-embedder-policy'], 'off'); // off by default, and visible
  assert.equal(d['strict-transport-security'], 'max-age=63072000; includeSubDomains (HTTPS only)');
  assert.ok(d['content-security-policy']!.startsWith("default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic'"));
  assert.equal(d['content-security-policy (non-HTML)'], "default-src 'none'; frame-ancestors 'none'; base-uri 'none'");
  d['x-frame-options'] = 'tampered';
  assert.equal(compileSecurityHeaders().describe()['x-frame-options'], 'DENY');
});

test('values can be changed; object settings merge over the defaults key by key', () => {
  const h = compileSecurityHeaders({
    xFrameOptions: 'SAMEORIGIN',
    referrerPolicy: 'no-referrer, strict-origin-when-cross-origin',
    crossOriginResourcePolicy: 'same-site',
    crossOriginEmbedderPolicy: 'require-corp',
    strictTransportSecurity: { maxAge: 31536000, preload: true },
    permissionsPolicy: { geolocation: ['self', 'https://maps.example'], camera: false, fullscreen: ['*'] },
    contentSecurityPolicy: { 'img-src': ["'self'", 'https://img.example'], 'form-action': false, 'upgrade-insecure-requests': [] },
  });
  const p = pairs(h.common);
  assert.equal(p['x-frame-options'], 'SAMEORIGIN');
  assert.equal(p['referrer-policy'], 'no-referrer, strict-origin-when-cross-origin');
  assert.equal(p['cross-origin-resource-policy'], 'same-site');
  assert.equal(p['cross-origin-embedder-policy'], 'require-corp');
  assert.deepEqual([...h.secureOnly], ['strict-transport-security', 'max-age=31536000; includeSubDomains; preload']);
  assert.ok(p['permissions-policy']!.includes('geolocation=(self "https://maps.example")'));
  assert.ok(!p['permissions-policy']!.includes('camera'));
  assert.ok(p['permissions-policy']!.endsWith(', fullscreen=*'));
  assert.ok(p['permissions-policy']!.includes('microphone=()'));
  const csp = h.htmlCsp('AAAA')!;
  assert.ok(csp.includes("img-src 'self' https://img.example;"));
  assert.ok(!csp.includes('form-action'));
  assert.ok(csp.endsWith('; upgrade-insecure-requests'));
  assert.ok(csp.includes("object-src 'none'") && csp.includes("base-uri 'none'"));
});

test('the non-HTML policy keeps the app\'s frame-ancestors and reporting, and runs nothing', () => {
  const h = compileSecurityHeaders({ contentSecurityPolicy: {
    'frame-ancestors': ["'self'"], 'report-uri': ['/csp-report'], 'report-to': ['csp'],
  } });
  assert.equal(h.staticCsp, "default-src 'none'; frame-ancestors 'self'; base-uri 'none'; report-uri /csp-report; report-to csp");
  const off = compileSecurityHeaders({ contentSecurityPolicy: { 'frame-ancestors': false } });
  assert.equal(off.staticCsp, "default-src 'none'; base-uri 'none'");
});

test('report-only mode changes the header name only', () => {
  const h = compileSecurityHeaders({ contentSecurityPolicyReportOnly: true });
  assert.equal(h.cspHeaderName, 'content-security-policy-report-only');
  assert.ok(h.describe()['content-security-policy-report-only']);
  assert.equal(h.htmlCsp('AAAA'), compileSecurityHeaders().htmlCsp('AAAA'));
});

test('invalid CSP names and sources throw a TypeError naming the directive and value', () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ 'script-src': ["'self'; object-src *"] }, /script-src.*object-src/],
    [{ 'img-src': ['a,b'] }, /img-src.*"a,b"/],
    [{ 'img-src': ['https://a.example\r\nx: y'] }, /img-src.*\\r\\n/],
    [{ 'img-src': ['a\0b'] }, /img-src/],
    [{ 'img-src': ['https://exämple.de'] }, /img-src/],
    [{ 'img-src': ['two words'] }, /img-src.*"two words"/],
    [{ 'img-src': [''] }, /img-src/],
    [{ 'img-src': [42] }, /img-src/],
    [{ 'img-src': 'self' }, /img-src.*array/],
    [{ 'img-src': [] }, /img-src.*'none'/],
    [{ 'script src': ["'self'"] }, /"script src"/],
    [{ 'script-src;': ["'self'"] }, /script-src;/],
    [{ 'ïmg-src': ["'self'"] }, /ïmg-src/],
    [{ 'Img-Src': ["'self'"], 'img-src': ["'self'"] }, /img-src.*twice/],
    [{ 'default-src': ['self'] }, /default-src.*needs single quotes/],
    [{ 'object-src': ['none'] }, /object-src.*'none'/],
    [{ 'script-src': ["'nonce-abc123'"] }, /script-src.*fixed nonce/],
    [{ 'img-src': ["'nonce'"] }, /img-src.*only works in script and style/],
    [{ 'script-src': ["'unsafe-everything'"] }, /script-src.*unknown quoted source/],
    [{ 'object-src': ["'none'", "'self'"] }, /object-src.*only source/],
    // CSP3 §2.3.1 grammar: quotes only around a whole keyword, nonce or hash; hosts, ports and
    // paths as the grammar spells them.
    [{ 'img-src': ["'self"] }, /img-src": source "'self" is not a CSP source expression/],
    [{ 'img-src': ["self'"] }, /img-src": source "self'" is not a CSP source expression/],
    [{ 'img-src': ["x'self'"] }, /"x'self'"/],
    [{ 'img-src': ["'self''"] }, /img-src.*"'self''"/],
    [{ 'img-src': ["https://cdn'.example"] }, /img-src.*"https:\/\/cdn'.example" is not a CSP source/],
    [{ 'img-src': ['"self"'] }, /img-src.*not a CSP source/],
    [{ 'img-src': ["'"] }, /img-src.*not a CSP source/],
    [{ 'img-src': ['data:image/png'] }, /"data:image\/png"/],
    [{ 'img-src': ['https://[::1]'] }, /img-src.*not a CSP source/],
    [{ 'img-src': ['*.'] }, /"\*\."/],
    [{ 'img-src': ['a..b'] }, /"a..b"/],
    [{ 'img-src': ['https://a.example:80x'] }, /img-src.*not a CSP source/],
    [{ 'img-src': ['https://a.example//x'] }, /img-src.*not a CSP source/],
    [{ 'img-src': ['https://a.example/%zz'] }, /img-src.*not a CSP source/],
    [{ 'img-src': ['1https:'] }, /img-src.*not a CSP source/],
    [{ 'img-src': ['https://a_b.example'] }, /img-src.*not a CSP source/],
    [{ 'script-src': ["'sha256-'"] }, /script-src.*unknown quoted source/],
    [{ 'frame-ancestors': ["'unsafe-inline'"] }, /frame-ancestors.*no meaning here/],
    [{ 'frame-ancestors': ["'sha256-abc='"] }, /frame-ancestors.*no meaning here/],
  ];
  for (const [directives, message] of cases) {
    assert.throws(() => compileSecurityHeaders({ contentSecurityPolicy: directives as never }),
      (e: unknown) => e instanceof TypeError && message.test(e.message), JSON.stringify(directives));
  }
  // Hashes and CSP3 keywords are fine.
  compileSecurityHeaders({ contentSecurityPolicy: { 'script-src': ["'nonce'", "'strict-dynamic'", "'sha256-abc+/=='", "'report-sample'"] } });
  // Every production of the grammar is accepted, in any case.
  compileSecurityHeaders({ contentSecurityPolicy: {
    'img-src': ['https:', 'DATA:', 'blob:', '*', '*.example.com', 'example.com.', 'https://*.cdn.example:443/img/', 'wss://a.example:*',
      '127.0.0.1:8080', 'https://a.example/a/b//c', "https://a.example/it's", 'https://a.example/%7Euser', 'HTTPS://A.Example', "'SELF'"],
    'frame-ancestors': ["'self'", 'https://parent.example'],
    'script-src': ["'nonce'", "'unsafe-hashes'", "'SHA384-abc_-'", "'wasm-unsafe-eval'"],
  } });
});

test("'unsafe-inline' in a script directive needs allowUnsafeInlineScript: true", () => {
  const cases: CspDirectives[] = [
    { 'script-src': ["'nonce'", "'unsafe-inline'"] },
    { 'script-src-elem': ["'UNSAFE-INLINE'"] },
    { 'script-src-attr': ["'unsafe-inline'"] },
    { 'script-src': false, 'default-src': ["'self'", "'unsafe-inline'"] },
  ];
  for (const directives of cases) {
    assert.throws(() => compileSecurityHeaders({ contentSecurityPolicy: directives }),
      (e: unknown) => e instanceof TypeError && /unsafe-inline.*allowUnsafeInlineScript/.test(e.message));
    const h = compileSecurityHeaders({ contentSecurityPolicy: directives, allowUnsafeInlineScript: true });
    assert.equal(h.describe().allowUnsafeInlineScript, 'on');
  }
  // Styles and a default-src shadowed by script-src are not script policy.
  compileSecurityHeaders({ contentSecurityPolicy: { 'style-src': ["'self'", "'unsafe-inline'"] } });
  compileSecurityHeaders({ contentSecurityPolicy: { 'default-src': ["'self'", "'unsafe-inline'"] } });
});

test('other invalid values throw TypeError naming the header', () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ referrerPolicy: 'no-referer' }, /Referrer-Policy.*no-referer/],
    [{ referrerPolicy: '' }, /Referrer-Policy/],
    [{ referrerPolicy: 'origin\r\nx: y' }, /Referrer-Policy/],
    [{ xFrameOptions: 'ALLOW-FROM https://a.example' }, /X-Frame-Options/],
    [{ xXssProtection: '1; mode=block' }, /X-XSS-Protection/],
    [{ crossOriginOpenerPolicy: 'same_origin' }, /Cross-Origin-Opener-Policy/],
    [{ strictTransportSecurity: { maxAge: -1 } }, /Strict-Transport-Security.*maxAge/],
    [{ strictTransportSecurity: { maxAge: 1.5 } }, /Strict-Transport-Security/],
    [{ strictTransportSecurity: { preload: true, maxAge: 86400 } }, /preload/],
    [{ strictTransportSecurity: { preload: true, includeSubDomains: false } }, /preload/],
    [{ permissionsPolicy: { Camera: [] } }, /Permissions-Policy.*Camera/],
    [{ permissionsPolicy: { camera: ["'self'"] } }, /Permissions-Policy.*without quotes/],
    [{ permissionsPolicy: { camera: ['https://a.example/path'] } }, /Permissions-Policy/],
    [{ permissionsPolicy: { camera: ['*', 'self'] } }, /stand alone/],
  ];
  for (const [options, message] of cases) {
    assert.throws(() => compileSecurityHeaders(options as SecurityHeaderOptions),
      (e: unknown) => e instanceof TypeError && message.test(e.message), JSON.stringify(options));
  }
});

test('merge: the route wins field by field; objects merge key by key; false replaces', () => {
  const app: SecurityHeaderOptions = {
    xFrameOptions: 'SAMEORIGIN', referrerPolicy: 'no-referrer',
    contentSecurityPolicy: { 'img-src': ["'self'", 'https://img.example'] },
    strictTransportSecurity: { maxAge: 31536000 },
  };
  const route: SecurityHeaderOptions = {
    xFrameOptions: false, referrerPolicy: undefined,
    contentSecurityPolicy: { 'frame-ancestors': ['https://partner.example'] },
    strictTransportSecurity: { includeSubDomains: false },
  };
  const m = mergeSecurityHeaderOptions(app, route);
  assert.equal(m.xFrameOptions, false);
  assert.equal(m.referrerPolicy, 'no-referrer'); // undefined in the route does not erase
  assert.deepEqual(m.contentSecurityPolicy, { 'img-src': ["'self'", 'https://img.example'], 'frame-ancestors': ['https://partner.example'] });
  assert.deepEqual(m.strictTransportSecurity, { maxAge: 31536000, includeSubDomains: false });
  assert.deepEqual(mergeSecurityHeaderOptions(app, { contentSecurityPolicy: false }).contentSecurityPolicy, false);
  assert.deepEqual(mergeSecurityHeaderOptions({ contentSecurityPolicy: false }, { contentSecurityPolicy: { 'img-src': ['data:'] } })
    .contentSecurityPolicy, { 'img-src': ['data:'] });
  assert.deepEqual(mergeSecurityHeaderOptions(undefined, undefined), {});
  assert.equal(app.xFrameOptions, 'SAMEORIGIN'); // inputs untouched
  const h = compileSecurityHeaders(m);
  assert.ok(h.htmlCsp('AAAA')!.includes('frame-ancestors https://partner.example'));
  assert.equal(pairs(h.common)['x-frame-options'], undefined);
});

test('the exported defaults cannot be mutated at run time', async () => {
  const { DEFAULT_CSP, DEFAULT_PERMISSIONS_POLICY } = await import('../../src/security/headers.ts');
  assert.throws(() => (DEFAULT_CSP['script-src'] as string[]).push("'unsafe-inline'"), TypeError);
  assert.throws(() => (DEFAULT_PERMISSIONS_POLICY.camera as string[]).push('*'), TypeError);
  assert.throws(() => { (DEFAULT_CSP as Record<string, unknown>)['object-src'] = ['*']; }, TypeError);
});
