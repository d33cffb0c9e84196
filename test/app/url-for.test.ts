import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Blueprint } from 'phial';
import { makeApp } from '../helpers.ts';

test('urlFor builds paths, query strings, anchors and blueprint-relative endpoints', async () => {
  const app = makeApp({ origin: 'https://app.example' });
  app.get('/u/<int:id>', function u() { return 'u'; });
  app.get('/p/<path:rest>', function p() { return 'p'; });
  const bp = new Blueprint('shop', { urlPrefix: '/shop' });
  bp.get('/items/<int:id>', function item(req) { return { self: req.urlFor('.item', { id: req.params.id }), list: req.urlFor('.items') }; });
  bp.get('/items', function items() { return 'items'; });
  app.registerBlueprint(bp);
  assert.equal(app.urlFor('u', { id: 3, q: 'x y', _anchor: 'top' }), '/u/3?q=x+y#top');
  assert.equal(app.urlFor('p', { rest: 'a/b c' }), '/p/a/b%20c');
  assert.equal(app.urlFor('u', { id: 3 }, { external: true }), 'https://app.example/u/3');
  assert.throws(() => app.urlFor('nope'));
  assert.throws(() => app.urlFor('u', { id: 'abc' }));
  const c = app.testClient();
  assert.deepEqual((await c.get('/shop/items/5')).json(), { self: '/shop/items/5', list: '/shop/items' });
  await c.close();
});

test('external URLs never come from the Host header (case C28)', async () => {
  // Both hosts trusted, to show the Host header cannot steer the URL even then (an untrusted one is
  // a 400 before routing: development accepts only loopback names by default).
  const noOrigin = makeApp({ trustedHosts: ['app.example', 'attacker.example'] });
  noOrigin.get('/reset', function reset(req) { return req.urlFor('reset', {}, { external: true }); });
  const c = noOrigin.testClient({ host: 'attacker.example' });
  const r = await c.get('/reset');
  assert.equal(r.status, 500, 'without a configured origin, building an external URL is a setup error');
  assert.doesNotMatch(r.text, /attacker/);
  await c.close();

  const app = makeApp({ origin: 'https://app.example', trustedHosts: ['app.example', 'attacker.example'] });
  app.get('/reset', function reset(req) { return req.urlFor('reset', { token: 't' }, { external: true }); });
  const c2 = app.testClient({ host: 'attacker.example' });
  const r2 = await c2.get('/reset', { headers: { 'x-forwarded-host': 'attacker.example' } });
  assert.equal(new URL(r2.text).host, 'app.example');
  await c2.close();

  const dev = makeApp({ origin: 'https://app.example' });
  dev.get('/reset', function reset(req) { return req.urlFor('reset', {}, { external: true }); });
  const c3 = dev.testClient({ host: 'attacker.example' });
  assert.equal((await c3.get('/reset')).status, 400, 'development accepts only loopback Host names by default (DNS rebinding)');
  await c3.close();
  const c4 = dev.testClient({ host: 'localhost:5000' });
  assert.equal((await c4.get('/reset')).status, 200);
  await c4.close();
});

test('a request without exactly one Host header is a 400 with the security headers (RFC 9112 §3.2)', async () => {
  const { rawRequest } = await import('../helpers.ts');
  const app = makeApp();
  app.get('/', () => 'home');
  const running = await app.listen({ port: 0 });
  const port = running!.address.port;
  try {
    for (const raw of ['GET / HTTP/1.1\r\n\r\n', 'GET / HTTP/1.1\r\nHost: localhost\r\nHost: attacker.example\r\n\r\n']) {
      const reply = await rawRequest(port, raw);
      assert.match(reply, /^HTTP\/1\.1 400 /, JSON.stringify(raw));
      assert.match(reply, /\r\ncontent-security-policy: /i);
      assert.match(reply, /\r\nx-content-type-options: nosniff\r\n/i);
      assert.match(reply, /\r\nconnection: close\r\n/i);
    }
    const expect = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: localhost\r\nExpect: bogus\r\n\r\n');
    assert.match(expect, /^HTTP\/1\.1 417 /);
    assert.match(expect, /\r\nX-Content-Type-Options: nosniff\r\n/i);
    assert.match(expect, /\r\ncontent-security-policy: /i);
    assert.match(await rawRequest(port, 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n'), /^HTTP\/1\.1 200 /);
    for (const line of ['GET / HTTP/2.0\r\nHost: localhost\r\n\r\n', 'GET /\r\n\r\n']) {
      const reply = await rawRequest(port, line);
      assert.match(reply, /^HTTP\/1\.1 505 /, JSON.stringify(line));
      assert.match(reply, /\r\nx-content-type-options: nosniff\r\n/i);
    }
  } finally {
    await running!.close();
  }
});

test('duplicate rules and blueprint names are refused at registration', () => {
  const app = makeApp();
  app.get('/a', function a() { return 'a'; });
  app.get('/a', function a2() { return 'a'; });
  assert.throws(() => app.freeze(), /duplicate|already/i);
  assert.throws(() => new Blueprint('bad.name'), /no dots/);
});
