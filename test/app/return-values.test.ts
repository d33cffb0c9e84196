import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { Response, abort } from 'phial';
import { makeApp } from '../helpers.ts';

test('view return values follow Flask make_response rules', async () => {
  const app = makeApp();
  app.get('/str', () => '<p>hi</p>');
  app.get('/obj', () => ({ a: 1, b: [1, 2] }));
  app.get('/arr', () => [1, 'two']);
  app.get('/bytes', () => new Uint8Array([1, 2, 3]));
  app.get('/resp', () => new Response('plain', { status: 201, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-a': 'b' } }));
  app.get('/tuple2', () => ['created', 201] as const);
  app.get('/tuple3', () => [{ ok: true }, 202, { 'x-extra': 'yes' }] as const);
  app.get('/tuple-headers', () => ['hdr', { 'x-only': '1' }] as const);
  app.get('/stream', () => Readable.from(['a', 'b', 'c']));
  app.get('/asyncgen', () => (async function* gen() { yield 'x'; yield 'y'; })());
  app.get('/undefined', () => undefined as unknown as string);
  app.get('/abort', () => abort(418));
  const c = app.testClient();

  let r = await c.get('/str');
  assert.equal(r.status, 200);
  assert.equal(r.header('content-type'), 'text/html; charset=utf-8');
  assert.equal(r.text, '<p>hi</p>');
  assert.equal(r.header('content-length'), '9');

  r = await c.get('/obj');
  assert.equal(r.header('content-type'), 'application/json');
  assert.deepEqual(r.json(), { a: 1, b: [1, 2] });

  r = await c.get('/arr');
  assert.deepEqual(r.json(), [1, 'two']);

  r = await c.get('/bytes');
  assert.equal(r.header('content-type'), 'application/octet-stream');
  assert.deepEqual([...r.body], [1, 2, 3]);

  r = await c.get('/resp');
  assert.equal(r.status, 201);
  assert.equal(r.text, 'plain');
  assert.equal(r.header('x-a'), 'b');

  r = await c.get('/tuple2');
  assert.equal(r.status, 201);
  assert.equal(r.text, 'created');

  r = await c.get('/tuple3');
  assert.equal(r.status, 202);
  assert.equal(r.header('x-extra'), 'yes');
  assert.deepEqual(r.json(), { ok: true });

  r = await c.get('/tuple-headers');
  assert.equal(r.status, 200);
  assert.equal(r.header('x-only'), '1');

  r = await c.get('/stream');
  assert.equal(r.text, 'abc');
  r = await c.get('/asyncgen');
  assert.equal(r.text, 'xy');

  r = await c.get('/undefined');
  assert.equal(r.status, 500);
  assert.doesNotMatch(r.text, /did not return/, 'the reason stays in the log');

  r = await c.get('/abort');
  assert.equal(r.status, 418);
  await c.close();
});

test('HEAD keeps Content-Length and drops the body; OPTIONS lists Allow', async () => {
  const app = makeApp();
  app.get('/thing', () => 'twelve bytes');
  app.route('/multi', { methods: ['GET', 'POST'] }, () => 'x');
  const c = app.testClient();
  const h = await c.head('/thing');
  assert.equal(h.status, 200);
  assert.equal(h.header('content-length'), '12');
  assert.equal(h.body.length, 0);
  const o = await c.options('/multi');
  assert.equal(o.status, 200);
  assert.deepEqual(o.header('allow')!.split(', ').sort(), ['GET', 'HEAD', 'OPTIONS', 'POST']);
  const m = await c.request('DELETE', '/multi');
  assert.equal(m.status, 405);
  assert.deepEqual(m.header('allow')!.split(', ').sort(), ['GET', 'HEAD', 'OPTIONS', 'POST']);
  await c.close();
});

test('strict slashes: /items redirects to /items/ with 308, keeping the query', async () => {
  const app = makeApp();
  app.get('/items/', () => 'list');
  app.get('/thing', () => 'thing');
  const c = app.testClient();
  const r = await c.post('/items?x=1');
  assert.equal(r.status, 308);
  assert.equal(r.header('location'), '/items/?x=1');
  assert.equal((await c.get('/thing/')).status, 404);
  await c.close();
});

test('setup after the first request throws, like Flask', async () => {
  const app = makeApp();
  app.get('/', () => 'x');
  const c = app.testClient();
  await c.get('/');
  assert.throws(() => app.get('/late', () => 'y'), /can no longer be called/);
  await c.close();
});

test('JSON bodies: size limit 413, malformed 400, prototype keys 400, wrong type 415', async () => {
  const app = makeApp({ maxContentLength: 64 });
  app.post('/echo', async (req) => ({ got: await req.json() }));
  const c = app.testClient();
  assert.deepEqual((await c.post('/echo', { json: { a: 1 } })).json(), { got: { a: 1 } });
  assert.equal((await c.post('/echo', { json: { a: 'x'.repeat(100) } })).status, 413);
  assert.equal((await c.post('/echo', { body: '{bad', headers: { 'content-type': 'application/json' } })).status, 400);
  assert.equal((await c.post('/echo', { body: '{"__proto__":{"x":1}}', headers: { 'content-type': 'application/json' } })).status, 400);
  assert.equal((await c.post('/echo', { body: '{"constructor":{"prototype":{"x":1}}}', headers: { 'content-type': 'application/json' } })).status, 400);
  assert.equal((await c.post('/echo', { body: '{}', headers: { 'content-type': 'text/plain' } })).status, 415);
  assert.equal(({} as Record<string, unknown>).x, undefined);
  await c.close();
});
