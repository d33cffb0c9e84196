import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import * as phial from 'phial';
import {
  abort, BadRequest, Blueprint, defaultExceptions, HTTPException, InternalServerError, MethodNotAllowed, NotFound,
  RequestedRangeNotSatisfiable, Unauthorized, ValidationError,
} from 'phial';
import { makeApp } from '../helpers.ts';

function captureLogger(): { logger: ReturnType<typeof pino>; lines: () => Array<Record<string, unknown>> } {
  const out: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, cb) { out.push(chunk.toString()); cb(); } });
  return { logger: pino({ level: 'info' }, sink), lines: () => out.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

test('production error pages are generic; details go to the log with the request id', async () => {
  const { logger, lines } = captureLogger();
  const app = makeApp({ logger });
  app.get('/boom', () => { throw new Error('database password is hunter2'); });
  const c = app.testClient();
  const r = await c.get('/boom');
  assert.equal(r.status, 500);
  assert.doesNotMatch(r.text, /hunter2|Error:|at /);
  const id = /Request id: <code>([^<]+)<\/code>/.exec(r.text)![1];
  const j = await c.get('/boom', { headers: { accept: 'application/json' } });
  assert.equal((j.json() as { error: { status: number } }).error.status, 500);
  assert.doesNotMatch(j.text, /hunter2/);
  const logged = lines().find((l) => l.reqId === id)!;
  assert.ok(logged, 'the error is logged with the request id');
  assert.match(JSON.stringify(logged.err), /hunter2/);
  await c.close();
});

test('debug mode shows the traceback to a loopback client', async () => {
  const app = makeApp({ debug: true });
  app.get('/boom', () => { throw new Error('visible in debug'); });
  const c = app.testClient();
  const r = await c.get('/boom');
  assert.equal(r.status, 500);
  assert.match(r.text, /visible in debug/);
  assert.match(r.text, /errors\.test\.ts/);
  await c.close();
});

test('error descriptions are HTML-escaped', async () => {
  const app = makeApp();
  app.get('/x', () => { throw Object.assign(new (class extends Error {})(), {}); });
  app.get('/abort', async () => { const { abort } = await import('phial'); return abort(400, '<script>alert(1)</script>'); });
  const c = app.testClient();
  const r = await c.get('/abort');
  assert.equal(r.status, 400);
  assert.doesNotMatch(r.text, /<script>/);
  assert.match(r.text, /&lt;script&gt;/);
  await c.close();
});

test('a 5xx page never shows the text given to abort(); the log has it', async () => {
  const { logger, lines } = captureLogger();
  const app = makeApp({ logger });
  app.get('/a', async () => { const { abort } = await import('phial'); return abort(500, 'DB password is hunter2'); });
  app.get('/b', async () => { const { ServiceUnavailable } = await import('phial'); throw new ServiceUnavailable('maintenance: hunter2'); });
  const c = app.testClient();
  for (const path of ['/a', '/b']) {
    const r = await c.get(path);
    assert.ok(r.status >= 500);
    assert.doesNotMatch(r.text, /hunter2/);
    assert.doesNotMatch((await c.get(path, { headers: { accept: 'application/json' } })).text, /hunter2/);
  }
  assert.ok(lines().some((l) => JSON.stringify(l).includes('DB password is hunter2')));
  await c.close();
});

// --- one class per status (Werkzeug's default_exceptions) and handler choice (Flask's _find_error_handler) ---

const WERKZEUG: Array<[number, string]> = [
  [400, 'BadRequest'], [401, 'Unauthorized'], [403, 'Forbidden'], [404, 'NotFound'], [405, 'MethodNotAllowed'],
  [406, 'NotAcceptable'], [408, 'RequestTimeout'], [409, 'Conflict'], [410, 'Gone'], [411, 'LengthRequired'],
  [412, 'PreconditionFailed'], [413, 'RequestEntityTooLarge'], [414, 'RequestURITooLarge'], [415, 'UnsupportedMediaType'],
  [416, 'RequestedRangeNotSatisfiable'], [417, 'ExpectationFailed'], [418, 'ImATeapot'], [421, 'MisdirectedRequest'],
  [422, 'UnprocessableEntity'], [423, 'Locked'], [424, 'FailedDependency'], [428, 'PreconditionRequired'],
  [429, 'TooManyRequests'], [431, 'RequestHeaderFieldsTooLarge'], [451, 'UnavailableForLegalReasons'],
  [500, 'InternalServerError'], [501, 'NotImplemented'], [502, 'BadGateway'], [503, 'ServiceUnavailable'],
  [504, 'GatewayTimeout'], [505, 'HTTPVersionNotSupported'],
];

test('abort(status) and new HTTPException(status) give the Werkzeug class of the status, with status and code', async () => {
  assert.deepEqual([...defaultExceptions.keys()].sort(), WERKZEUG.map(([s]) => s));
  for (const [status, name] of WERKZEUG) {
    const cls = (phial as unknown as Record<string, unknown>)[name] as (new (...a: never[]) => unknown) & { status: number };
    assert.equal(typeof cls, 'function', name);
    assert.equal(cls.status, status, name);
    assert.equal(defaultExceptions.get(status), cls, name);
    assert.throws(() => abort(status), (e: unknown) => e instanceof cls && e instanceof HTTPException && e.status === status && e.code === status, name);
    const made = new HTTPException(status, 'why');
    assert.ok(made instanceof cls, name);
    assert.equal(made.name, name);
    assert.equal(made.description, 'why');
  }
  const plain = new HTTPException(499);
  assert.equal(Object.getPrototypeOf(plain), HTTPException.prototype);
  assert.equal(plain.status, 499);
  assert.throws(() => abort(399), RangeError);
  assert.throws(() => new HTTPException(600), RangeError);
});

test('abort keeps headers and causes; 405 carries Allow only with methods; 416 gets Content-Range from a length', async () => {
  const cause = new Error('root');
  assert.throws(() => abort(500, 'x', { cause }), (e: unknown) => e instanceof InternalServerError && e.originalError === cause && e.cause === cause);
  assert.throws(() => abort(429, undefined, { headers: { 'retry-after': '3' } }), (e: unknown) => e instanceof HTTPException && e.headers['retry-after'] === '3');
  assert.deepEqual(new MethodNotAllowed().headers, {});
  assert.deepEqual(new MethodNotAllowed(['GET', 'HEAD']).headers, { allow: 'GET, HEAD' });
  assert.deepEqual(new RequestedRangeNotSatisfiable(undefined, { length: 1200 }).headers, { 'content-range': 'bytes */1200' });
});

test('a handler registered for NotFound answers every 404: abort, new HTTPException(404), NotFound, routing, subclasses', async () => {
  class Missing404 extends HTTPException { constructor() { super(404, 'custom'); } }
  const app = makeApp();
  app.errorHandler(NotFound, (e: NotFound) => [`nf ${e.status} ${e.constructor.name}`, 404]);
  app.get('/abort', () => abort(404));
  app.get('/new', () => { throw new HTTPException(404); });
  app.get('/class', () => { throw new NotFound(); });
  app.get('/custom', () => { throw new Missing404(); });
  const c = app.testClient();
  assert.equal((await c.get('/abort')).text, 'nf 404 NotFound');
  assert.equal((await c.get('/new')).text, 'nf 404 NotFound');
  assert.equal((await c.get('/class')).text, 'nf 404 NotFound');
  assert.equal((await c.get('/custom')).text, 'nf 404 Missing404');
  const routed = await c.get('/no/such/page');
  assert.equal(routed.status, 404);
  assert.equal(routed.text, 'nf 404 NotFound');
  await c.close();
});

test('a handler for a Werkzeug class and one for its status are one registration (the later wins, as in Flask)', async () => {
  const app = makeApp();
  app.errorHandler(401, () => ['by code', 401]);
  app.errorHandler(Unauthorized, () => ['by class', 401]);
  app.get('/a', () => abort(401));
  const c = app.testClient();
  assert.equal((await c.get('/a')).text, 'by class');
  await c.close();
});

test('handler choice: classes bound to the status nearest first, then the code, every scope; then classes', async () => {
  class NoteMissing extends NotFound {}
  const app = makeApp();
  const api = new Blueprint('api', { urlPrefix: '/api' });
  app.errorHandler(400, () => ['app 400', 400]);
  app.errorHandler(ValidationError, () => ['app validation', 400]); // nearer class than BadRequest: wins for ValidationError
  app.errorHandler(NoteMissing, () => ['app note missing', 404]);
  app.errorHandler(404, () => ['app 404', 404]);
  app.errorHandler(MethodNotAllowed, (e: MethodNotAllowed) => [`app 405 ${e.headers.allow}`, 405, e.headers]);
  api.errorHandler(HTTPException, (e: HTTPException) => [`api http ${e.status}`, e.status]);
  app.get('/bad', () => abort(400));
  app.get('/invalid', () => { throw new ValidationError([]); });
  app.get('/plain-bad', () => { throw new BadRequest(); });
  app.get('/note', () => { throw new NoteMissing(); });
  app.post('/only-post', () => 'ok');
  api.get('/missing', () => abort(404)); // the app's 404 code handler beats the blueprint's class handler
  api.get('/teapot', () => abort(418)); // no code handler anywhere: the blueprint's class handler
  app.registerBlueprint(api);
  const c = app.testClient();
  assert.equal((await c.get('/bad')).text, 'app 400');
  assert.equal((await c.get('/plain-bad')).text, 'app 400');
  assert.equal((await c.get('/invalid')).text, 'app validation');
  assert.equal((await c.get('/note')).text, 'app note missing');
  assert.equal((await c.get('/api/missing')).text, 'app 404');
  assert.equal((await c.get('/api/teapot')).text, 'api http 418');
  const r = await c.get('/only-post');
  assert.equal(r.status, 405);
  assert.equal(r.text, 'app 405 OPTIONS, POST');
  assert.equal(r.header('allow'), 'OPTIONS, POST');
  await c.close();
});

test('an HTTPException of a status without a class reaches the code handler, then HTTPException handlers', async () => {
  const app = makeApp();
  app.errorHandler(HTTPException, (e: HTTPException) => [`class ${e.status}`, e.status]);
  app.get('/499', () => { throw new HTTPException(499); });
  app.get('/498', () => { throw new HTTPException(498); });
  app.errorHandler(499, () => ['code 499', 499]);
  const c = app.testClient();
  assert.equal((await c.get('/499')).text, 'code 499');
  assert.equal((await c.get('/498')).text, 'class 498');
  await c.close();
});

test('an unhandled error reaches InternalServerError and 500 handlers, after handlers of its own class', async () => {
  class Quota extends Error {}
  const app = makeApp();
  app.errorHandler(InternalServerError, (e: InternalServerError) => [`ise ${(e.originalError as Error).message}`, 500]);
  app.errorHandler(Quota, () => ['quota', 429]);
  app.get('/boom', () => { throw new TypeError('boom'); });
  app.get('/quota', () => { throw new Quota(); });
  const c = app.testClient();
  const r = await c.get('/boom');
  assert.equal(r.status, 500);
  assert.equal(r.text, 'ise boom');
  assert.equal((await c.get('/quota')).text, 'quota');
  await c.close();
});
