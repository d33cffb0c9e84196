// A request carrying many cookies keeps every one of them, the session cookie included, however
// late in the header it comes: the Cookie parser has no count cap of its own (the header is
// bounded by the server's header size).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestClient } from 'phial/testing';
import { makeApp } from '../helpers.ts';

describe('many cookies', () => {
  let client: TestClient;
  before(() => {
    const app = makeApp();
    app.post('/login', { csrf: false }, (req) => { req.session.set('user', 'ann'); return 'in'; });
    app.get('/me', (req) => ({ user: req.session.get('user') ?? null, count: Object.keys(req.cookies).length, last: req.cookies.c299 ?? null }));
    client = app.testClient();
  });
  after(() => client.close());

  it('the session survives 300 other cookies sent before it', async () => {
    assert.equal((await client.post('/login')).status, 200);
    const session = client.getCookie('session');
    assert.ok(session, 'the login set a session cookie');
    client.deleteCookie('session');
    for (let i = 0; i < 300; i++) client.setCookie(`c${i}`, 'v');
    client.setCookie('session', session); // last in the Cookie header, after 300 others (~3.5 KB)
    const r = await client.get('/me');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), { user: 'ann', count: 301, last: 'v' });
  });
});
