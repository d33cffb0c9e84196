import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Unauthorized, redirect } from 'phial';
import { makeApp, tempDir } from '../helpers.ts';

const EXPECTED = [
  'x-content-type-options', 'x-frame-options', 'referrer-policy', 'cross-origin-opener-policy',
  'permissions-policy', 'x-xss-protection', 'content-security-policy',
];

function securityHeaders(h: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of EXPECTED) if (name !== 'content-security-policy') out[name] = String(h[name]);
  return out;
}

test('the same security headers are on every response, errors included (case C32)', async () => {
  const root = tempDir();
  mkdirSync(join(root, 'static'));
  writeFileSync(join(root, 'static', 'a.css'), 'body{}');
  const app = makeApp({ rootPath: root, maxContentLength: 16 });
  app.get('/health', () => ({ ok: true }));
  app.get('/me', () => { throw new Unauthorized(); });
  app.get('/boom', () => { throw new Error('x'); });
  app.post('/items', async (req) => ({ got: await req.json() }));
  app.get('/dir/', () => 'dir');
  app.get('/go', () => redirect('/health'));
  const c = app.testClient();
  const base = await c.get('/health');
  const reference = securityHeaders(base.headers);
  assert.equal(reference['x-content-type-options'], 'nosniff');
  assert.equal(reference['x-frame-options'], 'DENY');
  assert.equal(reference['referrer-policy'], 'strict-origin-when-cross-origin');
  assert.equal(reference['cross-origin-opener-policy'], 'same-origin');
  assert.equal(reference['x-xss-protection'], '0');
  const cases = [
    await c.get('/does-not-exist'),
    await c.get('/me'),
    await c.get('/boom'),
    await c.post('/items', { body: '{bad', headers: { 'content-type': 'application/json' } }),
    await c.post('/items', { json: { long: 'x'.repeat(100) } }),
    await c.request('TRACE', '/health'),
    await c.get('/dir'),
    await c.get('/go'),
    await c.get('/static/a.css'),
    await c.get('/static/missing.css'),
  ];
  assert.deepEqual(cases.map((r) => r.status), [404, 401, 500, 400, 413, 405, 308, 302, 200, 404]);
  for (const r of cases) {
    assert.deepEqual(securityHeaders(r.headers), reference, `headers on ${r.status}`);
    assert.ok(r.header('content-security-policy'), `CSP on ${r.status}`);
    assert.ok(r.header('content-security-policy')!.includes("frame-ancestors 'none'"));
  }
  await c.close();
});

test('HTML gets a fresh nonce CSP each response; the template nonce equals the header nonce', async () => {
  const root = tempDir();
  mkdirSync(join(root, 'templates'));
  writeFileSync(join(root, 'templates', 'page.html'), '<script nonce="{{ csp_nonce }}">1</script>');
  const app = makeApp({ rootPath: root });
  app.get('/page', () => app.render('page.html'));
  app.get('/json', () => ({ a: 1 }));
  const c = app.testClient();
  const a = await c.get('/page');
  const b = await c.get('/page');
  const nonceOf = (csp: string): string => /'nonce-([^']+)'/.exec(csp)![1]!;
  const na = nonceOf(a.header('content-security-policy')!);
  const nb = nonceOf(b.header('content-security-policy')!);
  assert.notEqual(na, nb);
  assert.ok(na.length >= 22, '128-bit nonce');
  assert.equal(a.text, `<script nonce="${na}">1</script>`);
  const csp = a.header('content-security-policy')!;
  for (const part of ["'strict-dynamic'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]) assert.ok(csp.includes(part), part);
  const j = await c.get('/json');
  assert.doesNotMatch(j.header('content-security-policy')!, /nonce/);
  await c.close();
});

test('headers are configurable per app and per route, and opt-outs are listed', async () => {
  const app = makeApp({ securityHeaders: { xFrameOptions: 'SAMEORIGIN' } });
  app.get('/embed', { securityHeaders: { xFrameOptions: false, contentSecurityPolicy: false } }, function embed() { return 'embeddable'; });
  app.get('/normal', function normal() { return 'normal'; });
  const c = app.testClient();
  const e = await c.get('/embed');
  assert.equal(e.header('x-frame-options'), undefined);
  assert.equal(e.header('content-security-policy'), undefined);
  assert.equal(e.header('x-content-type-options'), 'nosniff');
  assert.equal((await c.get('/normal')).header('x-frame-options'), 'SAMEORIGIN');
  const routes = app.describeRoutes();
  const embed = routes.find((r) => r.endpoint === 'embed')!;
  assert.ok(Object.values(embed.options).includes('off'));
  assert.deepEqual(routes.find((r) => r.endpoint === 'normal')!.options, {});
  await c.close();
});

test('a response may override one security header without duplicating it', async () => {
  const app = makeApp();
  app.get('/x', () => ['x', { 'x-frame-options': 'SAMEORIGIN' }] as const);
  const c = app.testClient();
  const r = await c.get('/x');
  assert.equal(r.header('x-frame-options'), 'SAMEORIGIN');
  await c.close();
});

test('the fast path (no hooks) and the general path write the same headers', async () => {
  const fast = makeApp();
  const slow = makeApp();
  for (const app of [fast, slow]) {
    app.get('/html', () => '<p>x</p>');
    app.get('/json', () => ({ a: 1 }));
    app.get('/async', async () => ({ a: 2 }));
  }
  slow.afterRequest((res) => res);
  const cf = fast.testClient();
  const cs = slow.testClient();
  for (const path of ['/html', '/json', '/async']) {
    const a = await cf.get(path);
    const b = await cs.get(path);
    const names = (r: typeof a): string[] => Object.keys(r.headers).filter((n) => n !== 'date').sort();
    assert.deepEqual(names(a), names(b), path);
    for (const n of names(a)) {
      if (n === 'content-security-policy') continue;
      assert.equal(a.headers[n], b.headers[n], `${path} ${n}`);
    }
    assert.equal(a.text, b.text);
    assert.equal(
      a.header('content-security-policy')!.replace(/'nonce-[^']+'/g, 'N'),
      b.header('content-security-policy')!.replace(/'nonce-[^']+'/g, 'N'),
    );
  }
  await cf.close();
  await cs.close();
});

test('a custom CSP source is served as given; one outside the CSP3 source grammar stops the app at setup, naming it', async () => {
  const app = makeApp({ securityHeaders: { contentSecurityPolicy: { 'img-src': ["'self'", 'https://*.cdn.example:443/img/'] } } });
  app.get('/', () => '<p>hi</p>');
  const c = app.testClient();
  const r = await c.get('/');
  assert.match(String(r.headers['content-security-policy']), /; img-src 'self' https:\/\/\*\.cdn\.example:443\/img\/;/);
  await c.close();
  for (const bad of ["'self", "https://cdn'.example", "x'none'"]) {
    assert.throws(() => makeApp({ securityHeaders: { contentSecurityPolicy: { 'img-src': [bad] } } }),
      (e: unknown) => e instanceof Error && (e as { code?: string }).code === 'PHIAL_E_BAD_VALUE' &&
        e.message.includes('securityHeaders') && e.message.includes(JSON.stringify(bad)) && e.message.includes('CSP3'), bad);
  }
});
