// Route inputs end to end: accepted media types (415), bodies read under limits before any hook
// or view (C22), Standard Schema validation into req.valid (C23), with the process unharmed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import * as z from 'zod';
import * as v from 'valibot';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import { makeApp, rawRequest } from '../helpers.ts';

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; text: string }

function send(port: number, method: string, path: string, headers: Record<string, string>, body?: string | Buffer | AsyncIterable<Buffer>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    // The server may answer (413) and close before the whole body is written.
    req.on('error', (e: NodeJS.ErrnoException) => { if (e.code !== 'EPIPE' && e.code !== 'ECONNRESET') reject(e); });
    if (body === undefined) req.end();
    else if (typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
    else {
      void (async () => {
        try {
          for await (const chunk of body) { if (!req.write(chunk)) await new Promise((r) => req.once('drain', r)); if (req.destroyed) return; }
          req.end();
        } catch { /* server closed */ }
      })();
    }
  });
}

async function* zeros(total: number, chunk = 16_384): AsyncIterable<Buffer> {
  const block = Buffer.alloc(chunk);
  for (let sent = 0; sent < total; sent += chunk) yield block;
}

describe('route inputs', () => {
  let server: Server;
  let port: number;
  let noreadCalls = 0;
  let hookCalls = 0;
  let suffixViewCalls = 0;
  let jsonHookCalls = 0;
  const app = makeApp({ maxContentLength: 1024 });

  before(async () => {
    app.get('/healthz', () => 'ok');
    app.beforeRequest((req) => { if (req.path === '/hooked') hookCalls++; });
    app.beforeRequest((req) => { if (req.path === '/items') jsonHookCalls++; });
    app.post('/suffix', { accepts: ['*/*+json'] }, async (req) => { suffixViewCalls++; return { got: await req.json() }; });
    app.post('/noread', () => { noreadCalls++; return 'done'; });
    app.post('/hooked', () => 'done');
    app.post('/items', { schema: { body: z.object({ name: z.string().max(10) }).strict() } }, (req) => ({ name: req.valid.body.name }));
    app.post('/form', { schema: { form: v.object({ title: v.pipe(v.string(), v.minLength(1)), n: v.optional(v.string()) }) } }, (req) => ({ title: req.valid.form.title }));
    app.get('/search', { schema: { query: z.object({ q: z.string(), page: z.coerce.number().int().min(1).default(1) }) } }, (req) => req.valid.query);
    app.get('/h', { schema: { headers: z.object({ 'x-api-version': z.literal('2') }), cookies: z.object({ theme: z.enum(['dark', 'light']) }) } },
      (req) => ({ v: req.valid.headers['x-api-version'], theme: req.valid.cookies.theme }));
    app.get('/p/<id>', { schema: { params: z.object({ id: z.uuid() }) } }, (req) => ({ id: req.params.id }));
    app.put('/image', { accepts: ['image/*'] }, async (req) => ({ bytes: (await req.body()).length }));
    app.post('/big', { bodyLimits: { maxContentLength: 4096 } }, async (req) => ({ bytes: (await req.body()).length }));
    server = createServer(app.handle);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => { await new Promise((r) => server.close(r)); });

  it('a chunked body over the limit is refused before the view runs, even when the view never reads it (C22)', async () => {
    const r = await send(port, 'POST', '/noread', { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' }, zeros(2_000_000));
    assert.equal(r.status, 413);
    assert.equal(noreadCalls, 0);
    const declared = await send(port, 'POST', '/noread', { 'content-type': 'application/octet-stream', 'content-length': '5000' }, Buffer.alloc(5000));
    assert.equal(declared.status, 413);
    assert.equal(noreadCalls, 0);
    const ok = await send(port, 'POST', '/noread', { 'content-type': 'application/octet-stream' }, Buffer.alloc(100));
    assert.equal(ok.status, 200);
    assert.equal(noreadCalls, 1);
    assert.equal((await send(port, 'GET', '/healthz', {})).status, 200);
  });

  it('before-request hooks do not run for a body that breaks the limit', async () => {
    const r = await send(port, 'POST', '/hooked', { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' }, zeros(10_000, 1000));
    assert.equal(r.status, 413);
    assert.equal(hookCalls, 0);
  });

  it('a route limit overrides the app limit, and 100-continue follows the largest route limit', async () => {
    const r = await send(port, 'POST', '/big', { 'content-type': 'application/octet-stream' }, Buffer.alloc(3000));
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.text), { bytes: 3000 });
    assert.equal((await send(port, 'POST', '/big', { 'content-type': 'application/octet-stream' }, Buffer.alloc(5000))).status, 413);
    assert.equal((await send(port, 'POST', '/noread', { 'content-type': 'application/octet-stream' }, Buffer.alloc(3000))).status, 413);
  });

  it('every malformed or mismatched Content-Type is 415 and never reaches validation (C23)', async () => {
    const body = '{"name":"xxxxxxxxxxxxxxxxxxxxxxxx","role":"admin"}';
    for (const ct of ['application/json\tfoo', 'application/json garbage', 'constructor', '__proto__', 'text/plain', 'application/x-www-form-urlencoded', '']) {
      const headers: Record<string, string> = ct === '' ? {} : { 'content-type': ct };
      const r = await send(port, 'POST', '/items', headers, body);
      assert.equal(r.status, 415, `content type ${JSON.stringify(ct)}: ${r.text}`);
    }
    for (const ct of ['Application/JSON', 'application/json ;charset=utf-8', 'application/json; charset=UTF-8']) {
      const r = await send(port, 'POST', '/items', { 'content-type': ct, accept: 'application/json' }, body);
      assert.equal(r.status, 400, ct);
      const issues = (JSON.parse(r.text) as { error: { issues: Array<{ location: string; path: string }> } }).error.issues;
      assert.ok(issues.some((i) => i.location === 'body' && i.path === 'name'), r.text);
      assert.ok(issues.some((i) => i.location === 'body'), r.text);
    }
    const ok = await send(port, 'POST', '/items', { 'content-type': 'application/json; charset=utf-8' }, '{"name":"short"}');
    assert.equal(ok.status, 200);
    assert.deepEqual(JSON.parse(ok.text), { name: 'short' });
  });

  it('validates forms, queries, headers, cookies and params; issues are listed and escaped', async () => {
    const f = await send(port, 'POST', '/form', { 'content-type': 'application/x-www-form-urlencoded' }, 'title=Hello&n=2');
    assert.equal(f.status, 200);
    assert.deepEqual(JSON.parse(f.text), { title: 'Hello' });
    const bad = await send(port, 'POST', '/form', { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, 'title=&n=%3Cscript%3E');
    assert.equal(bad.status, 400);
    assert.match(bad.text, /<li>form title: /);
    assert.doesNotMatch(bad.text, /<script>/);
    const mp = await send(port, 'POST', '/form', { 'content-type': 'multipart/form-data; boundary=X' },
      '--X\r\nContent-Disposition: form-data; name="title"\r\n\r\nFrom multipart\r\n--X--\r\n');
    assert.equal(mp.status, 200, mp.text);
    assert.deepEqual(JSON.parse(mp.text), { title: 'From multipart' });

    const q = await send(port, 'GET', '/search?q=abc&page=3', {});
    assert.deepEqual(JSON.parse(q.text), { q: 'abc', page: 3 });
    const qd = await send(port, 'GET', '/search?q=abc', {});
    assert.deepEqual(JSON.parse(qd.text), { q: 'abc', page: 1 });
    const qb = await send(port, 'GET', '/search?page=0', { accept: 'application/json' });
    assert.equal(qb.status, 400);
    const locations = (JSON.parse(qb.text) as { error: { issues: Array<{ path: string }> } }).error.issues.map((i) => i.path).sort();
    assert.deepEqual(locations, ['page', 'q']);

    const h = await send(port, 'GET', '/h', { 'x-api-version': '2', cookie: 'theme=dark' });
    assert.deepEqual(JSON.parse(h.text), { v: '2', theme: 'dark' });
    assert.equal((await send(port, 'GET', '/h', { 'x-api-version': '1', cookie: 'theme=dark' })).status, 400);
    assert.equal((await send(port, 'GET', '/h', { 'x-api-version': '2', cookie: 'theme=blue' })).status, 400);

    assert.equal((await send(port, 'GET', '/p/5b1f4a2e-8f0a-4c3e-9d0b-2f6a1c7e9b10', {})).status, 200);
    assert.equal((await send(port, 'GET', '/p/not-a-uuid', {})).status, 400);
  });

  it('query parsing keeps its depth and pollution rules under validation (C16, C18)', async () => {
    const deep = '/search?q=x&' + 'a' + '[b]'.repeat(1000) + '=1';
    const t0 = performance.now();
    const r = await send(port, 'GET', deep, {});
    assert.ok(performance.now() - t0 < 500);
    assert.equal(r.status, 400);
    const poison = await send(port, 'GET', '/search?q=x&a[__proto__]=b&a[__proto__]&a[length]=100000000', {});
    assert.ok(poison.status === 400 || poison.status === 200);
    assert.equal(({} as Record<string, unknown>).length, undefined);
  });

  it('a compressed body is 415 with Accept-Encoding: identity, never parsed as the declared type', async () => {
    const r = await send(port, 'POST', '/items', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, '{"name":"short"}');
    assert.equal(r.status, 415);
    assert.equal(r.headers['accept-encoding'], 'identity');
    const identity = await send(port, 'POST', '/items', { 'content-type': 'application/json', 'content-encoding': 'identity' }, '{"name":"short"}');
    assert.equal(identity.status, 200);
  });

  it('accepts patterns: image/* takes image/png, refuses text/html', async () => {
    const ok = await send(port, 'PUT', '/image', { 'content-type': 'image/png' }, Buffer.alloc(10));
    assert.deepEqual(JSON.parse(ok.text), { bytes: 10 });
    assert.equal((await send(port, 'PUT', '/image', { 'content-type': 'text/html' }, 'x')).status, 415);
  });

  it('*/*+json and the JSON default of a body schema mean exactly what req.json() reads (RFC 6839)', async () => {
    suffixViewCalls = 0;
    for (const type of ['text/json', 'application/x-json', 'text/+json', 'application/jsonx']) {
      const r = await send(port, 'POST', '/suffix', { 'content-type': type }, '{"a":1}');
      assert.equal(r.status, 415, type);
    }
    assert.equal(suffixViewCalls, 0, 'the view never runs on a body it could not read as JSON');
    for (const type of ['application/vnd.api+json', 'application/problem+json; charset=utf-8', 'text/x.custom+json']) {
      const r = await send(port, 'POST', '/suffix', { 'content-type': type }, '{"a":1}');
      assert.equal(r.status, 200, type);
      assert.deepEqual(JSON.parse(r.text), { got: { a: 1 } });
    }
    jsonHookCalls = 0;
    const bare = await send(port, 'POST', '/items', { 'content-type': 'text/json' }, '{"name":"x"}');
    assert.equal(bare.status, 415);
    assert.equal(jsonHookCalls, 0, 'refused before any hook, like every other non-JSON type');
    const suffixed = await send(port, 'POST', '/items', { 'content-type': 'application/ld+json' }, '{"name":"x"}');
    assert.equal(suffixed.status, 200);
    assert.equal(jsonHookCalls, 1);
  });

  it('a bad route schema or accepts entry is a setup error naming the route', () => {
    const a = makeApp();
    a.post('/x', { schema: { body: { parse: () => 1 } as never } }, () => 'x');
    assert.throws(() => a.freeze(), /Route \/x: schema.body is not a Standard Schema validator/);
    const b = makeApp();
    b.post('/y', { accepts: ['json'] }, () => 'x');
    assert.throws(() => b.freeze(), /accepts entry "json"/);
  });

  it('the server stays healthy: a raw oversized chunked request gets 413 and closes', async () => {
    const head = 'POST /noread HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n';
    const chunk = '800\r\n' + 'a'.repeat(0x800) + '\r\n';
    const out = await rawRequest(port, head + chunk + chunk + '0\r\n\r\n');
    assert.match(out, /^HTTP\/1\.1 413 /);
    assert.match(out, /connection: close/i);
    assert.equal((await send(port, 'GET', '/healthz', {})).status, 200);
  });
});
