// Response cookies over real HTTP: several Set-Cookie lines, deletion, C12's four requests, and
// the writer's development downgrade of the default Secure flag.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Response } from '../../src/http/response.ts';
import { CookieError } from '../../src/http/set-cookie.ts';
import { headerNames, writeResponse, type WriteContext } from '../../src/http/writer.ts';
import { compileSecurityHeaders } from '../../src/security/headers.ts';
import { makeApp, rawRequest } from '../helpers.ts';

function get(port: number, path: string): Promise<{ status: number; headers: IncomingHttpHeaders; raw: string[] }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, raw: res.rawHeaders }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('Response.setCookie / deleteCookie', () => {
  it('appends one header line per cookie and validates at call time', () => {
    const r = new Response('x');
    r.setCookie('a', '1').setCookie('__Host-b', '2', { sameSite: 'Strict' }).deleteCookie('c', { path: '/app' });
    assert.deepEqual(r.headers.getAll('set-cookie'), [
      'a=1; Path=/; Secure; HttpOnly; SameSite=Lax',
      '__Host-b=2; Path=/; Secure; HttpOnly; SameSite=Strict',
      'c=; Path=/app; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; HttpOnly; SameSite=Lax',
    ]);
    assert.throws(() => r.setCookie('bad name', 'x'), CookieError);
    assert.equal(r.headers.getAll('set-cookie').length, 3, 'a refused cookie adds nothing');
    // @ts-expect-error the options type follows the literal name
    assert.throws(() => r.setCookie('__Host-c', 'x', { domain: 'app.example' }), CookieError);
  });

  it('drops only the default Secure, and only when asked (prefixed, None and Partitioned keep it)', () => {
    const r = new Response(null)
      .setCookie('plain', '1', { maxAge: 60 })
      .setCookie('explicit', '1', { secure: true })
      .setCookie('__Host-h', '1')
      .setCookie('__Secure-s', '1')
      .setCookie('none', '1', { sameSite: 'None' })
      .setCookie('part', '1', { partitioned: true })
      .deleteCookie('gone');
    r.headers.append('set-cookie', 'raw=1; Secure'); // set by hand: never rewritten
    const out = ['x-other', 'plain=1; Path=/; Secure; HttpOnly; SameSite=Lax'];
    const from = out.length;
    r.headers.flattenInto(out);
    r.dropDefaultSecure(out, from);
    const lines = out.filter((_, i) => i >= from && i % 2 === 1);
    assert.equal(out[1], 'plain=1; Path=/; Secure; HttpOnly; SameSite=Lax', 'entries before `from` untouched');
    assert.match(lines[0]!, /^plain=1; Path=\/; Max-Age=60; Expires=[^;]+; HttpOnly; SameSite=Lax$/);
    assert.equal(lines[0]!.split('Expires=')[1], r.headers.getAll('set-cookie')[0]!.split('Expires=')[1]!.replace('; Secure', ''), 'same Expires');
    assert.match(lines[1]!, /; Secure;/);
    assert.match(lines[2]!, /; Secure;/);
    assert.match(lines[3]!, /; Secure;/);
    assert.match(lines[4]!, /; Secure;/);
    assert.match(lines[5]!, /; Secure;/);
    assert.equal(lines[6], 'gone=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax');
    assert.equal(lines[7], 'raw=1; Secure');
  });
});

describe('the writer sends each cookie on its own header line', () => {
  let server: Server;
  let port = 0;
  let insecure = false;
  const compiled = compileSecurityHeaders({});
  const names = headerNames(compiled);

  before(async () => {
    server = createServer((req, res) => {
      const response = new Response('ok').setCookie('a', '1').setCookie('b', 'x y;z').deleteCookie('c');
      const ctx: WriteContext = { method: req.method ?? 'GET', isSecure: false, drawnNonce: undefined, nonce: () => 'n', insecureCookies: insecure };
      void writeResponse(ctx, res, response, compiled, names);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => server.close());

  it('keeps Secure by default and drops the default one for development', async () => {
    insecure = false;
    const a = await get(port, '/');
    assert.deepEqual(a.headers['set-cookie'], [
      'a=1; Path=/; Secure; HttpOnly; SameSite=Lax',
      'b=x%20y%3Bz; Path=/; Secure; HttpOnly; SameSite=Lax',
      'c=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; HttpOnly; SameSite=Lax',
    ]);
    assert.equal(a.raw.filter((h) => h.toLowerCase() === 'set-cookie').length, 3);
    insecure = true;
    const b = await get(port, '/');
    assert.deepEqual(b.headers['set-cookie'], [
      'a=1; Path=/; HttpOnly; SameSite=Lax',
      'b=x%20y%3Bz; Path=/; HttpOnly; SameSite=Lax',
      'c=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax',
    ]);
    assert.ok(b.headers['x-content-type-options'], 'security headers still written');
  });
});

describe('C12 through an app: request data passed to setCookie', () => {
  let port = 0;
  let close: () => Promise<void>;

  before(async () => {
    const app = makeApp({ trustedHosts: ['app.example', 'localhost'] });
    app.get('/pref', (req) => {
      const q = req.query;
      const options: Record<string, string> = {};
      if (q.get('path') !== null) options.path = q.get('path')!;
      if (q.get('ss') !== null) options.sameSite = q.get('ss')!;
      return new Response('saved').setCookie(q.get('n') ?? '', q.get('v') ?? '', options);
    });
    app.get('/healthz', () => 'ok');
    const running = await app.listen({ port: 0 });
    port = running!.address.port;
    close = () => running!.close();
  });
  after(() => close());

  // A non-loopback Host: `Secure` is only dropped for plain-HTTP development on localhost.
  const send = (target: string, host = 'app.example'): Promise<string> => rawRequest(port, `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);

  it('refuses each injection with a clean 500 and no Set-Cookie at all', async () => {
    for (const target of [
      '/pref?n=lang%3Dx%3B%20Max-Age%3D2592000%3B%20a&v=en',
      '/pref?n=lang&v=en&path=%2F%3B%20Domain%3Dattacker.example',
      '/pref?n=lang&v=en&ss=Lax%3B%20Domain%3Dattacker.example',
      '/pref?n=lang%0D%0AX-Injected%3A%201&v=en',
    ]) {
      const raw = await send(target);
      const head = raw.split('\r\n\r\n')[0]!;
      assert.match(head, /^HTTP\/1\.1 500 /, target);
      assert.doesNotMatch(head, /set-cookie/i, target);
      assert.doesNotMatch(raw, /Domain=attacker\.example|Max-Age=2592000|X-Injected/i, target);
    }
    assert.match(await send('/healthz'), /^HTTP\/1\.1 200 /);
  });

  it('the valid call yields exactly the expected header, values encoded', async () => {
    const head = (await send('/pref?n=lang&v=en')).split('\r\n\r\n')[0]!;
    assert.deepEqual(head.split('\r\n').filter((l) => /^set-cookie:/i.test(l)), ['set-cookie: lang=en; Path=/; Secure; HttpOnly; SameSite=Lax']);
    const enc = (await send('/pref?n=lang&v=fr%3B%20Domain%3Dx')).split('\r\n\r\n')[0]!;
    // `;` and space are encoded; `=` is a cookie-octet and stays: the value cannot start an attribute.
    assert.match(enc, /set-cookie: lang=fr%3B%20Domain=x; Path=\/; Secure; HttpOnly; SameSite=Lax\r?$/m);
  });

  it('plain-HTTP development on localhost drops the default Secure so the browser keeps the cookie', async () => {
    const head = (await send('/pref?n=lang&v=en', 'localhost:5000')).split('\r\n\r\n')[0]!;
    assert.deepEqual(head.split('\r\n').filter((l) => /^set-cookie:/i.test(l)), ['set-cookie: lang=en; Path=/; HttpOnly; SameSite=Lax']);
  });
});
