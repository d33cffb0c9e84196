// The test client's body helpers and browser-like defaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeApp } from '../helpers.ts';

test('multipart uploads, cookies and CSRF through the test client', async () => {
  const app = makeApp();
  app.post('/up', async (req) => {
    const files = await req.files();
    const f = files['doc']![0]!;
    return { title: (await req.form())['title'], name: f.filename, original: f.originalFilename, text: (await f.bytes()).toString() };
  });
  app.post('/touch', (req) => { req.session.set('n', 1); return 'ok'; });
  const c = app.testClient();
  const r = await c.post('/up', { multipart: { title: 'Hi "there"', doc: { filename: '../../etc/passwd', content: 'body', contentType: 'text/plain' } } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json(), { title: 'Hi "there"', name: 'etc_passwd', original: '../../etc/passwd', text: 'body' });
  assert.equal((await c.post('/touch')).status, 200);
  assert.ok(c.getCookie('session'), 'the session cookie is in the jar');
  // The client acts as a same-origin browser by default; a cross-site one is refused.
  assert.equal((await c.post('/touch')).status, 200);
  assert.equal((await c.post('/touch', { headers: { 'sec-fetch-site': 'cross-site' } })).status, 403);
  await c.close();
});
