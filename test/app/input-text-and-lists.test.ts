// Lists and text in every input, over real HTTP: one cap on list length whatever the spelling
// (a[n], a[], a repeated name), the parameter count on every query parse (req.query included),
// and strict UTF-8 with a 400 for query strings, urlencoded and multipart forms and text bodies.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as z from 'zod';
import type { TestClient } from 'phial/testing';
import { makeApp } from '../helpers.ts';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const B = 'XyZ';
const MP = { 'content-type': `multipart/form-data; boundary=${B}` };

function multipart(...parts: Array<[string, string | Buffer]>): Buffer {
  const out: Buffer[] = [];
  for (const [head, content] of parts) out.push(Buffer.from(`--${B}\r\n`), Buffer.from(head, 'latin1'), Buffer.from('\r\n\r\n'), Buffer.from(content), Buffer.from('\r\n'));
  out.push(Buffer.from(`--${B}--\r\n`));
  return Buffer.concat(out);
}
const list = (n: number, name: (i: number) => string): string => Array.from({ length: n }, (_, i) => `${name(i)}=${i}`).join('&');

describe('input lists and text', () => {
  let client: TestClient;
  let viewRuns = 0;
  before(() => {
    const app = makeApp();
    app.post('/form', { csrf: false }, async (req) => { viewRuns++; return { form: await req.form() }; });
    app.post('/files', { csrf: false }, async (req) => {
      const files = await req.files();
      const f = files.f?.[0];
      return { form: await req.form(), name: f?.originalFilename ?? null, bytes: f ? [...await f.bytes()] : null };
    });
    app.post('/text', { csrf: false }, async (req) => ({ text: await req.text() }));
    app.get('/args', (req) => ({ q: req.query.get('q'), all: req.query.getAll('x').length }));
    app.get('/strict', { bodyLimits: { maxParams: 5 } }, (req) => ({ n: [...req.query.keys()].length }));
    app.get('/schema', { schema: { query: z.object({ q: z.string().optional(), x: z.array(z.string()).optional() }) } }, (req) => req.valid.query);
    client = app.testClient();
  });
  after(() => client.close());

  describe('one cap for every spelling of a list (maxArrayIndex + 1 = 101 values)', () => {
    it('urlencoded: a[]=…, a=…&a=… and a[n] all stop at 101 values with a 400; the view never runs', async () => {
      viewRuns = 0;
      for (const spell of [(_: number) => 'a[]', () => 'a', () => 'u[tags][]']) {
        const ok = await client.post('/form', { headers: FORM, body: list(101, spell) });
        assert.equal(ok.status, 200, spell(0));
        const r = await client.post('/form', { headers: FORM, body: list(102, spell) });
        assert.equal(r.status, 400, spell(0));
        assert.match(r.text, /more than 101 values/);
      }
      assert.equal((await client.post('/form', { headers: FORM, body: list(102, (i) => `a[${i}]`) })).status, 400);
      assert.equal(viewRuns, 3);
    });

    it('multipart: 102 fields of one name are a 400', async () => {
      const parts = Array.from({ length: 102 }, (_, i): [string, string] => ['Content-Disposition: form-data; name="tag"', String(i)]);
      const r = await client.post('/files', { headers: MP, body: multipart(...parts) });
      assert.equal(r.status, 400);
      assert.match(r.text, /more than 101 values/);
      assert.equal((await client.post('/files', { headers: MP, body: multipart(...parts.slice(1)) })).status, 200);
    });

    it('query: req.query and a query schema both refuse 102 values of one name', async () => {
      assert.deepEqual((await client.get('/args?' + list(101, () => 'x'))).json(), { q: null, all: 101 });
      assert.equal((await client.get('/args?' + list(102, () => 'x'))).status, 400);
      assert.equal((await client.get('/schema?' + list(102, () => 'x[]'))).status, 400);
    });
  });

  describe('the parameter count applies to every query parse', () => {
    it('req.query on a route without a schema: 1001 parameters are a 413, 1000 are fine', async () => {
      assert.equal((await client.get('/args?' + list(1000, (i) => `p${i}`))).status, 200);
      const r = await client.get('/args?' + list(1001, (i) => `p${i}`));
      assert.equal(r.status, 413);
      assert.match(r.text, /more than 1000 parameters/);
    });

    it("req.query uses the route's own limits", async () => {
      assert.deepEqual((await client.get('/strict?' + list(5, (i) => `p${i}`))).json(), { n: 5 });
      assert.equal((await client.get('/strict?' + list(6, (i) => `p${i}`))).status, 413);
    });
  });

  describe('invalid UTF-8 is a 400 everywhere text is read', () => {
    it('query strings, through req.query and through a schema; valid escapes and a lone % are read', async () => {
      for (const path of ['/args?q=%FF', '/args?q=%C3', '/args?%FF=1', '/args?q=%ED%A0%80', '/schema?q=%C0%AF']) {
        const r = await client.get(path);
        assert.equal(r.status, 400, path);
        assert.match(r.text, /not valid UTF-8/, path);
      }
      assert.equal((await client.get('/args?q=caf%C3%A9+au+lait')).json<{ q: string }>().q, 'café au lait');
      assert.equal((await client.get('/args?q=100%')).json<{ q: string }>().q, '100%');
      assert.deepEqual((await client.get('/schema?q=%E2%82%AC')).json(), { q: '€' });
    });

    it('urlencoded bodies: an escape of invalid bytes in a value or a name is a 400, never "%FF" or U+FFFD', async () => {
      for (const body of ['name=%FF', 'name=ok&bio=%E2%82', '%FF=1', 'a[%FE]=1']) {
        const r = await client.post('/form', { headers: FORM, body });
        assert.equal(r.status, 400, body);
        assert.match(r.text, /not valid UTF-8/, body);
      }
      assert.deepEqual((await client.post('/form', { headers: FORM, body: 'name=caf%C3%A9&x=%zz' })).json(), { form: { name: 'café', x: '%zz' } });
    });

    it('multipart field values and field/file names must be UTF-8; file contents are bytes', async () => {
      const bad: Array<[string, string | Buffer]>[] = [
        [['Content-Disposition: form-data; name="a"', Buffer.from([0x61, 0xff, 0x62])]],
        [['Content-Disposition: form-data; name="a"\r\nContent-Type: text/plain; charset=utf-8', Buffer.from([0xe2, 0x82])]],
        [['Content-Disposition: form-data; name="n\xff"', 'v']],
        [['Content-Disposition: form-data; name="f"; filename="a\xfe.txt"', 'x']],
        [['Content-Disposition: form-data; name="f"; filename="a.txt"; filename*=utf-8\'\'a%FF.txt', 'x']],
        [['Content-Disposition: form-data; name="f"; filename*=iso-8859-1\'\'caf%E9.txt', 'x']],
      ];
      for (const parts of bad) {
        const r = await client.post('/files', { headers: MP, body: multipart(...parts) });
        assert.equal(r.status, 400, parts[0]![0]);
        assert.match(r.text, /not valid UTF-8/);
      }
      const latin1 = await client.post('/files', { headers: MP, body: multipart(['Content-Disposition: form-data; name="a"\r\nContent-Type: text/plain; charset=iso-8859-1', 'x']) });
      assert.equal(latin1.status, 415);
      const good = await client.post('/files', { headers: MP, body: multipart(
        ['Content-Disposition: form-data; name="caf\xc3\xa9"\r\nContent-Type: text/plain; charset=UTF-8', Buffer.from('é€', 'utf8')],
        ['Content-Disposition: form-data; name="f"; filename="x.bin"; filename*=UTF-8\'\'r%C3%A9sum%C3%A9.bin\r\nContent-Type: text/plain', Buffer.from([0xff, 0x00, 0xfe])],
      ) });
      assert.equal(good.status, 200, good.text);
      assert.deepEqual(good.json(), { form: { café: 'é€' }, name: 'résumé.bin', bytes: [0xff, 0x00, 0xfe] });
    });

    it('req.text() refuses invalid bytes instead of returning U+FFFD', async () => {
      const r = await client.post('/text', { headers: { 'content-type': 'text/plain' }, body: Buffer.from([0x68, 0x69, 0xff]) });
      assert.equal(r.status, 400);
      assert.match(r.text, /not valid UTF-8/);
      assert.deepEqual((await client.post('/text', { headers: { 'content-type': 'text/plain' }, body: 'héllo' })).json(), { text: 'héllo' });
    });

    it('req.text() refuses a declared charset other than UTF-8 with 415, as JSON and forms do', async () => {
      for (const body of [Buffer.from('plain ascii'), Buffer.from([0x63, 0x61, 0x66, 0xe9])]) {
        const r = await client.post('/text', { headers: { 'content-type': 'text/plain; charset=iso-8859-1' }, body });
        assert.equal(r.status, 415);
      }
      assert.equal((await client.post('/text', { headers: { 'content-type': 'text/plain; charset=UTF-8' }, body: 'ok' })).status, 200);
    });
  });
});
