/**
 * Case C24 over real HTTP: a node:http server whose state-changing routes are guarded by
 * csrfProtect() exactly as the request path will call it (Node's parsed headers, a lazily read
 * form field, a session-bound secret). Every attack row is 403 and leaves the state unchanged.
 */
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { csrfProtect, generateCsrfToken, newCsrfSecret, CSRF_FIELD_NAME } from '../../src/security/csrf.ts';

const KEY = 'test-secret-key-for-csrf-http-0123456789';

interface Reply { status: number; body: string; headers: IncomingMessage['headers'] }

function send(port: number, method: string, path: string, headers: OutgoingHttpHeaders = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // An explicit length: Node's client sends a DELETE body unframed otherwise.
    const framed = body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) };
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: framed }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    req.on('error', reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** What a lenient app would read as the email: urlencoded, JSON or a multipart field, whatever the type says. */
function emailFrom(body: string): string | undefined {
  if (body.startsWith('{')) { try { return (JSON.parse(body) as { email?: string }).email; } catch { return undefined; } }
  const multipart = /name="email"\r\n\r\n([^\r]*)/.exec(body);
  if (multipart) return multipart[1];
  return new URLSearchParams(body).get('email') ?? undefined;
}

describe('C24 over HTTP: CSRF check independent of Content-Type', () => {
  let server: Server;
  let port = 0;
  let email = 'owner@example.invalid';
  const sessions = new Map<string, string>(); // session id → CSRF secret
  const log: string[] = [];

  before(async () => {
    server = createServer((req, res) => {
      void (async () => {
        const sid = /(?:^|;\s*)session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
        if (req.method === 'GET' && req.url === '/form') {
          const id = sid ?? `s${sessions.size + 1}`;
          if (!sessions.has(id)) sessions.set(id, newCsrfSecret());
          res.writeHead(200, { 'set-cookie': `session=${id}; HttpOnly; SameSite=Lax; Path=/`, 'content-type': 'text/plain' });
          res.end(generateCsrfToken(sessions.get(id)!, KEY));
          return;
        }
        if (req.method === 'GET' && req.url === '/account') {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end(email);
          return;
        }
        let body: string | undefined;
        const readOnce = async (): Promise<string> => (body ??= await readBody(req));
        const decision = await csrfProtect({
          method: req.method ?? '',
          headers: req.headers,
          isSecure: false,
          formToken: async () => new URLSearchParams(await readOnce()).get(CSRF_FIELD_NAME) ?? undefined,
          sessionSecret: () => (sid === undefined ? undefined : sessions.get(sid)),
        }, { secretKeys: [KEY] });
        if (!decision.ok) {
          log.push(decision.reason);
          res.writeHead(decision.status, { 'content-type': 'text/plain' });
          res.end(decision.message);
          return;
        }
        const text = await readOnce();
        if (req.method === 'POST' && req.url === '/account/email') email = emailFrom(text) ?? email;
        if (req.method === 'DELETE' && req.url === '/account') email = '';
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok');
      })().catch((err: unknown) => { res.writeHead(500); res.end(String(err)); });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });

  after(() => new Promise<void>((r) => server.close(() => r())));

  async function login(): Promise<{ cookie: string; token: string }> {
    const res = await send(port, 'GET', '/form');
    const cookie = String(res.headers['set-cookie']?.[0]).split(';')[0]!;
    return { cookie, token: res.body };
  }

  it('refuses every row of C24 with 403 and leaves the state unchanged', async () => {
    const { cookie } = await login();
    const attack = { origin: 'https://attacker.example', cookie };
    const rows: [string, string, OutgoingHttpHeaders, string][] = [
      ['POST', '/account/email', { 'content-type': 'text/plain' }, 'email=user@example.invalid'],
      ['POST', '/account/email', { 'content-type': 'Application/x-www-form-urlencoded' }, 'email=user@example.invalid'],
      ['POST', '/account/email', { 'content-type': '' }, '{"email":"user@example.invalid"}'],
      ['POST', '/account/email', {}, 'email=user@example.invalid'],
      ['POST', '/account/email', { 'content-type': 'multipart/form-data; boundary=X' }, '--X\r\nContent-Disposition: form-data; name="email"\r\n\r\nuser@example.invalid\r\n--X--\r\n'],
      ['POST', '/account/email', { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' }, 'email=user@example.invalid'],
      ['POST', '/account/email', { 'content-type': 'application/json' }, '{"email":"user@example.invalid"}'],
      ['PUT', '/account/email', { 'content-type': 'text/plain' }, 'email=user@example.invalid'],
      ['PATCH', '/account/email', { 'content-type': 'text/plain' }, 'email=user@example.invalid'],
      ['DELETE', '/account', { 'content-type': 'application/x-www-form-urlencoded' }, 'x=1'],
    ];
    for (const [method, path, headers, body] of rows) {
      for (const signal of [attack, { ...attack, 'sec-fetch-site': 'cross-site' }]) {
        const res = await send(port, method, path, { ...signal, ...headers }, body);
        assert.equal(res.status, 403, `${method} ${JSON.stringify(headers)} ${JSON.stringify(signal)}`);
        assert.match(res.body, /^Cross-/);
      }
    }
    assert.equal((await send(port, 'GET', '/account')).body, 'owner@example.invalid');
  });

  it('refuses a cookie request with no origin signal and no token, whatever the type', async () => {
    const { cookie } = await login();
    for (const type of ['text/plain', 'TEXT/PLAIN;charset=utf-8', undefined]) {
      const res = await send(port, 'POST', '/account/email', { cookie, ...(type === undefined ? {} : { 'content-type': type }) }, 'email=x@example.invalid');
      assert.equal(res.status, 403);
      assert.equal(res.body, 'The CSRF token is missing.');
    }
    assert.equal((await send(port, 'GET', '/account')).body, 'owner@example.invalid');
  });

  it('refuses a token of another session', async () => {
    const victim = await login();
    const attacker = await login();
    assert.notEqual(victim.cookie, attacker.cookie);
    const res = await send(port, 'POST', '/account/email', { cookie: victim.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      `email=x@example.invalid&csrf_token=${attacker.token}`);
    assert.equal(res.status, 403);
    assert.equal(res.body, 'The CSRF token is invalid.');
    assert.equal((await send(port, 'GET', '/account')).body, 'owner@example.invalid');
  });

  it('accepts the same request from this origin with the token (form field or header)', async () => {
    const { cookie, token } = await login();
    const own = `http://127.0.0.1:${port}`;
    const res = await send(port, 'POST', '/account/email', { cookie, origin: own, 'content-type': 'application/x-www-form-urlencoded' },
      `email=new@example.invalid&csrf_token=${token}`);
    assert.equal(res.status, 200);
    assert.equal((await send(port, 'GET', '/account')).body, 'new@example.invalid');
    const viaField = await send(port, 'POST', '/account/email', { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      `email=field@example.invalid&csrf_token=${token}`);
    assert.equal(viaField.status, 200, 'no origin signal: the form-field token decides');
    const viaHeader = await send(port, 'POST', '/account/email', { cookie, 'x-csrf-token': token, 'content-type': 'application/json' },
      '{"email":"header@example.invalid"}');
    assert.equal(viaHeader.status, 200);
    assert.equal((await send(port, 'GET', '/account')).body, 'header@example.invalid');
    assert.ok(log.length > 0 && !log.includes(token), 'the log holds reasons, never tokens');
  });
});
