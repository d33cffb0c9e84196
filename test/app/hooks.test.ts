import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Blueprint, HTTPException, NotFound, Response } from 'phial';
import { makeApp } from '../helpers.ts';

test('hooks run in Flask order: before (app, outer→inner), view, after (inner→app, reversed), teardown', async () => {
  const app = makeApp();
  const log: string[] = [];
  const outer = new Blueprint('outer', { urlPrefix: '/o' });
  const inner = new Blueprint('inner', { urlPrefix: '/i' });
  app.beforeRequest(() => { log.push('app.before1'); });
  app.beforeRequest(() => { log.push('app.before2'); });
  outer.beforeRequest(() => { log.push('outer.before'); });
  inner.beforeRequest(() => { log.push('inner.before'); });
  inner.get('/x', function x() { log.push('view'); return 'ok'; });
  app.afterRequest((res) => { log.push('app.after1'); return res; });
  app.afterRequest((res) => { log.push('app.after2'); return res; });
  outer.afterRequest((res) => { log.push('outer.after'); return res; });
  inner.afterRequest((res) => { log.push('inner.after'); res.headers.set('x-inner', '1'); return res; });
  app.teardownRequest((_req, err) => { log.push('app.teardown:' + String(err)); });
  inner.teardownRequest(() => { log.push('inner.teardown'); });
  outer.registerBlueprint(inner);
  app.registerBlueprint(outer);
  const c = app.testClient();
  const r = await c.get('/o/i/x');
  assert.equal(r.status, 200);
  assert.equal(r.header('x-inner'), '1');
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(log, [
    'app.before1', 'app.before2', 'outer.before', 'inner.before', 'view',
    'inner.after', 'outer.after', 'app.after2', 'app.after1', 'inner.teardown', 'app.teardown:undefined',
  ]);
  assert.equal(app.urlFor('outer.inner.x'), '/o/i/x');
  await c.close();
});

test('a before hook returning a value short-circuits the view; app hooks run for routing 404s', async () => {
  const app = makeApp();
  let viewRan = false;
  app.beforeRequest((req) => (req.path.startsWith('/admin') ? [{ error: 'login required' }, 401] as const : undefined));
  app.get('/admin/panel', () => { viewRan = true; return 'secret'; });
  const c = app.testClient();
  const r = await c.get('/admin/panel');
  assert.equal(r.status, 401);
  assert.equal(viewRan, false);
  // Flask runs app-level before_request hooks before raising a routing error, so a guard sees
  // unmatched URLs under its prefix too.
  assert.equal((await c.get('/admin/nothing-here')).status, 401);
  await c.close();
});

test('blueprint hooks only apply to that blueprint', async () => {
  const app = makeApp();
  const bp = new Blueprint('bp', { urlPrefix: '/bp' });
  bp.beforeRequest((req) => { req.g.fromBp = true; });
  bp.get('/a', function a(req) { return { fromBp: req.g.fromBp ?? false }; });
  app.get('/b', function b(req) { return { fromBp: req.g.fromBp ?? false }; });
  app.registerBlueprint(bp);
  const c = app.testClient();
  assert.deepEqual((await c.get('/bp/a')).json(), { fromBp: true });
  assert.deepEqual((await c.get('/b')).json(), { fromBp: false });
  await c.close();
});

test('g is per request', async () => {
  const app = makeApp();
  app.get('/count', (req) => { req.g.n = ((req.g.n as number | undefined) ?? 0) + 1; return { n: req.g.n }; });
  const c = app.testClient();
  const [a, b] = await Promise.all([c.get('/count'), c.get('/count')]);
  assert.deepEqual([a!.json(), b!.json()], [{ n: 1 }, { n: 1 }]);
  await c.close();
});

class QuotaExceeded extends Error {}
class DailyQuotaExceeded extends QuotaExceeded {}

test('error handlers: by code before by class, nearest class wins, blueprint before app', async () => {
  const app = makeApp();
  const bp = new Blueprint('api', { urlPrefix: '/api' });
  app.errorHandler(404, () => ['app 404', 404]);
  app.errorHandler(HTTPException, (e: HTTPException) => [`app http ${e.code}`, e.code]);
  app.errorHandler(QuotaExceeded, () => ['quota', 429]);
  app.errorHandler(Error, () => ['generic', 500]);
  bp.errorHandler(404, () => [{ error: 'api 404' }, 404]);
  bp.get('/missing', () => { throw new NotFound(); });
  bp.get('/daily', () => { throw new DailyQuotaExceeded(); });
  app.get('/teapot', () => { throw new HTTPException(418); });
  app.get('/boom', () => { throw new TypeError('x'); });
  app.registerBlueprint(bp);
  const c = app.testClient();
  assert.deepEqual((await c.get('/api/missing')).json(), { error: 'api 404' });
  assert.equal((await c.get('/nope')).text, 'app 404');
  assert.equal((await c.get('/teapot')).text, 'app http 418');
  const d = await c.get('/api/daily');
  assert.equal(d.status, 429);
  assert.equal(d.text, 'quota');
  assert.equal((await c.get('/boom')).text, 'generic');
  await c.close();
});

test('an error handler that throws falls back to the generic 500 page', async () => {
  const app = makeApp();
  app.errorHandler(500, () => { throw new Error('handler broke'); });
  app.get('/boom', () => { throw new Error('view broke'); });
  const c = app.testClient();
  const r = await c.get('/boom');
  assert.equal(r.status, 500);
  assert.doesNotMatch(r.text, /broke/);
  await c.close();
});

test('an after hook can replace the response', async () => {
  const app = makeApp();
  app.get('/', () => 'original');
  app.afterRequest(() => new Response('replaced', { status: 202 }));
  const c = app.testClient();
  const r = await c.get('/');
  assert.equal(r.status, 202);
  assert.equal(r.text, 'replaced');
  await c.close();
});
