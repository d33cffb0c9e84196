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
  const noOrigin = makeApp();
  noOrigin.get('/reset', function reset(req) { return req.urlFor('reset', {}, { external: true }); });
  const c = noOrigin.testClient({ host: 'attacker.example' });
  const r = await c.get('/reset');
  assert.equal(r.status, 500, 'without a configured origin, building an external URL is a setup error');
  assert.doesNotMatch(r.text, /attacker/);
  await c.close();

  const app = makeApp({ origin: 'https://app.example' });
  app.get('/reset', function reset(req) { return req.urlFor('reset', { token: 't' }, { external: true }); });
  const c2 = app.testClient({ host: 'attacker.example' });
  const r2 = await c2.get('/reset', { headers: { 'x-forwarded-host': 'attacker.example' } });
  assert.equal(new URL(r2.text).host, 'app.example');
  await c2.close();
});

test('duplicate rules and blueprint names are refused at registration', () => {
  const app = makeApp();
  app.get('/a', function a() { return 'a'; });
  app.get('/a', function a2() { return 'a'; });
  assert.throws(() => app.freeze(), /duplicate|already/i);
  assert.throws(() => new Blueprint('bad.name'), /no dots/);
});
