// Headers node:http keeps only the first copy of (Content-Type, Host, Authorization, …) are a 400
// when repeated, before the route's view runs: a proxy that keeps the last copy would otherwise read
// the request differently from the app (case C23 for Content-Type, C28 for Host).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeApp, rawRequest } from '../helpers.ts';
import { repeatedSingletonHeader } from '../../src/http/singleton-headers.ts';

describe('repeated singleton request headers', () => {
  let port: number;
  let close: () => Promise<void>;
  let runs = 0;
  before(async () => {
    const app = makeApp();
    app.post('/echo', { csrf: false }, async (req) => { runs++; return { type: req.mimetype, body: (await req.body()).toString() }; });
    app.get('/', () => 'home');
    const running = await app.listen({ port: 0 });
    port = running!.address.port;
    close = () => running!.close();
  });
  after(() => close());

  const post = (headers: string, body: string): string =>
    `POST /echo HTTP/1.1\r\nHost: localhost\r\n${headers}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

  it('two Content-Type headers (any case, same or different value) are a 400 with the security headers; the view never runs', async () => {
    runs = 0;
    for (const headers of [
      'Content-Type: text/plain\r\nContent-Type: application/json\r\n',
      'content-type: application/json\r\nCONTENT-TYPE: application/json\r\n',
      'Content-Type: application/json\r\nX-A: 1\r\nContent-type: text/plain\r\n',
    ]) {
      const reply = await rawRequest(port, post(headers, '{"a":1}'));
      assert.match(reply, /^HTTP\/1\.1 400 /, JSON.stringify(headers));
      assert.match(reply, /at most one Content-Type header/);
      assert.match(reply, /\r\ncontent-security-policy: /i);
      assert.match(reply, /\r\nx-content-type-options: nosniff\r\n/i);
    }
    assert.equal(runs, 0);
  });

  it('one Content-Type is served as before', async () => {
    const reply = await rawRequest(port, post('Content-Type: text/plain\r\n', 'hi'));
    assert.match(reply, /^HTTP\/1\.1 200 /);
    assert.match(reply, /"type":"text\/plain","body":"hi"/);
  });

  it('the other first-wins headers (Authorization, Referer, User-Agent, If-Modified-Since) are refused the same way', async () => {
    for (const name of ['Authorization', 'Referer', 'User-Agent', 'If-Modified-Since']) {
      const reply = await rawRequest(port, `GET / HTTP/1.1\r\nHost: localhost\r\n${name}: a\r\n${name.toLowerCase()}: b\r\n\r\n`);
      assert.match(reply, /^HTTP\/1\.1 400 /, name);
      assert.ok(reply.includes(`at most one ${name} header`), name);
    }
    // List-valued headers may repeat (RFC 9110 §5.3): Accept twice is fine.
    assert.match(await rawRequest(port, 'GET / HTTP/1.1\r\nHost: localhost\r\nAccept: text/html\r\nAccept: */*\r\n\r\n'), /^HTTP\/1\.1 200 /);
  });

  it('repeatedSingletonHeader reads raw header lists', () => {
    assert.equal(repeatedSingletonHeader(['Host', 'a', 'Accept', 'x', 'Accept', 'y']), undefined);
    assert.equal(repeatedSingletonHeader(['Host', 'a', 'hOsT', 'b']), 'Host');
    assert.equal(repeatedSingletonHeader(['Content-Type', 'a', 'Host', 'h', 'content-type', 'a']), 'Content-Type');
  });
});
