// Request body accessors through a real Phial app: json(), form(), files(), body(), text(),
// mimetype; cases C19 (all three encodings) and C23 (media types) end to end.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { makeApp } from '../helpers.ts';
import { multipartBody, prototypeSnapshot } from './body-helpers.ts';
import type { TestClient } from '../../src/testing/index.ts';

/** A naive recursive merge, the kind that turns a `__proto__` key into prototype pollution. */
function naiveMerge(target: Record<string, unknown>, source: unknown): Record<string, unknown> {
  if (typeof source !== 'object' || source === null) return target;
  for (const key in source) {
    const v = (source as Record<string, unknown>)[key];
    if (typeof v === 'object' && v !== null) {
      const t = target[key];
      target[key] = naiveMerge(typeof t === 'object' && t !== null ? (t as Record<string, unknown>) : {}, v);
    } else {
      target[key] = v;
    }
  }
  return target;
}

describe('Request body accessors', () => {
  let c: TestClient;
  const protoBefore = prototypeSnapshot();
  let uploadedPath = '';
  before(() => {
    const app = makeApp();
    app.get('/healthz', () => 'ok');
    app.post('/echo-json', async (req) => ({ got: await req.json(), mimetype: req.mimetype }));
    app.post('/echo-form', async (req) => ({ form: await req.form(), files: Object.keys(await req.files()) }));
    app.post('/echo-raw', async (req) => ({ text: await req.text(), bytes: (await req.body()).length, mimetype: req.mimetype }));
    app.get('/form-on-get', async (req) => ({ form: await req.form(), files: Object.keys(await req.files()) }));
    app.post('/upload', async (req) => {
      const files = await req.files();
      const f = files.doc![0]!;
      uploadedPath = f.path;
      return { name: f.filename, size: f.size, content: (await f.bytes()).toString(), form: await req.form(), raw: (await req.body()).length };
    });
    app.post('/profile', async (req) => {
      const body = req.mimetype === 'application/json' ? await req.json() : await req.form();
      const merged = naiveMerge({ name: 'guest' }, body);
      return { isAdmin: merged.isAdmin ?? null, probe: ({} as Record<string, unknown>).isAdmin ?? null };
    });
    app.post('/items', async (req) => {
      const body = await req.json() as { name?: unknown };
      // The handler's own validation sees exactly what the parser produced.
      if (typeof body.name !== 'string' || body.name.length > 10) return [{ error: 'invalid name' }, 422];
      return body;
    });
    c = app.testClient();
  });
  after(async () => {
    await c.close();
    assert.deepEqual(prototypeSnapshot(), protoBefore);
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
  });

  it('json() parses JSON bodies and refuses other types with 415', async () => {
    const r = await c.post('/echo-json', { json: { a: [1, { b: null }] } });
    assert.deepEqual(r.json(), { got: { a: [1, { b: null }] }, mimetype: 'application/json' });
    assert.equal((await c.post('/echo-json', { body: '"s"', headers: { 'content-type': 'application/problem+json' } })).json<{ got: unknown }>().got, 's');
    assert.equal((await c.post('/echo-json', { form: { a: 1 } })).status, 415);
    assert.equal((await c.post('/echo-json', { body: '{}' })).status, 415);
    assert.equal((await c.post('/echo-json', { body: '{}', headers: { 'content-type': 'application/json; charset=latin1' } })).status, 415);
    assert.equal((await c.post('/echo-json', { body: '', headers: { 'content-type': 'application/json' } })).status, 400);
    assert.equal((await c.post('/echo-json', { body: '{"a":', headers: { 'content-type': 'application/json' } })).status, 400);
    assert.equal((await c.post('/echo-json', { body: Buffer.from([0x22, 0xff, 0x22]), headers: { 'content-type': 'application/json' } })).status, 400);
  });

  it('form() gives null-prototype nested fields for urlencoded and multipart, {} without a body', async () => {
    const r = await c.post('/echo-form', { body: 'user[name]=Ann&tags[]=a&tags[]=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.deepEqual(r.json(), { form: { user: { name: 'Ann' }, tags: ['a', 'b'] }, files: [] });
    const mp = await c.post('/echo-form', {
      body: multipartBody('b1', [['Content-Disposition: form-data; name="user[name]"', 'Bo'], ['Content-Disposition: form-data; name="f"; filename="a.txt"', 'x']]),
      headers: { 'content-type': 'multipart/form-data; boundary=b1' },
    });
    assert.deepEqual(mp.json(), { form: { user: { name: 'Bo' } }, files: ['f'] });
    assert.deepEqual((await c.get('/form-on-get')).json(), { form: {}, files: [] });
    assert.equal((await c.post('/echo-form', { json: { a: 1 } })).status, 415);
    assert.equal((await c.post('/echo-form', { body: 'a=1' })).status, 415);
  });

  it('files() stream to a temporary file that is gone after the response', async () => {
    const r = await c.post('/upload', {
      body: multipartBody('b2', [['Content-Disposition: form-data; name="t"', 'v'], ['Content-Disposition: form-data; name="doc"; filename="../Report 1.pdf"', 'PDFDATA']]),
      headers: { 'content-type': 'multipart/form-data; boundary=b2' },
    });
    assert.deepEqual(r.json(), { name: 'Report_1.pdf', size: 7, content: 'PDFDATA', form: { t: 'v' }, raw: 0 });
    assert.ok(uploadedPath.length > 0);
    for (let i = 0; i < 50 && existsSync(uploadedPath); i++) await new Promise((res) => setTimeout(res, 10));
    assert.ok(!existsSync(uploadedPath), 'temporary upload removed after the response');
  });

  it('body() and text() give the raw bytes of any other type', async () => {
    const r = await c.post('/echo-raw', { body: 'héllo', headers: { 'content-type': 'Text/Plain; charset=utf-8' } });
    assert.deepEqual(r.json(), { text: 'héllo', bytes: 6, mimetype: 'text/plain' });
    const j = await c.post('/echo-raw', { json: { a: 1 } });
    assert.deepEqual(j.json(), { text: '{"a":1}', bytes: 7, mimetype: 'application/json' });
  });

  it('C19: JSON, multipart and urlencoded pollution attempts are refused (400) and pollute nothing', async () => {
    const json = await c.post('/profile', { body: '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"isAdmin":true}}}', headers: { 'content-type': 'application/json' } });
    assert.equal(json.status, 400);
    assert.match(json.text, /forbidden key/);
    const ctor = await c.post('/profile', { body: '{"a":{"constructor":{"prototype":{"isAdmin":true}}}}', headers: { 'content-type': 'application/json' } });
    assert.equal(ctor.status, 400);
    const escaped = await c.post('/profile', { body: '{"\\u005f_proto__":{"isAdmin":true}}', headers: { 'content-type': 'application/json' } });
    assert.equal(escaped.status, 400);
    const mp = await c.post('/profile', {
      body: multipartBody('b3', [['Content-Disposition: form-data; name="__proto__.isAdmin"', 'true'], ['Content-Disposition: form-data; name="constructor.prototype.isAdmin"', 'true']]),
      headers: { 'content-type': 'multipart/form-data; boundary=b3' },
    });
    assert.equal(mp.status, 400);
    const ue = await c.post('/profile', { body: 'user[__proto__][isAdmin]=true', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(ue.status, 400);
    // A harmless body goes through the same merge.
    assert.deepEqual((await c.post('/profile', { json: { name: 'x' } })).json(), { isAdmin: null, probe: null });
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
  });

  it('C23: malformed media types are 415, valid spellings are parsed and validated', async () => {
    const body = '{"name":"xxxxxxxxxxxxxxxxxxxxxxxx","role":"admin"}';
    const statuses: Record<string, number> = {};
    for (const ct of ['application/json\tfoo', 'application/json garbage', 'Application/JSON', 'application/json ;charset=utf-8', 'constructor', '__proto__']) {
      statuses[ct] = (await c.post('/items', { body, headers: { 'content-type': ct } })).status;
    }
    assert.deepEqual(statuses, {
      'application/json\tfoo': 415, 'application/json garbage': 415, 'Application/JSON': 422,
      'application/json ;charset=utf-8': 422, constructor: 415, __proto__: 415,
    });
    const ok = await c.post('/items', { body: '{"name":"ann"}', headers: { 'content-type': 'application/json; charset=utf-8' } });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json(), { name: 'ann' });
    assert.equal((await c.get('/healthz')).status, 200);
  });
});
