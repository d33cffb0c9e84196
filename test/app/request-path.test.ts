import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Response, type Phial } from 'phial';
import { makeApp, rawRequest } from '../helpers.ts';

/** An app whose logger records every entry with its level. */
function recordingApp(): { app: Phial; levels: string[] } {
  const levels: string[] = [];
  const app = makeApp({ logLevel: 'trace' });
  for (const level of ['fatal', 'error', 'warn'] as const) {
    (app.logger as unknown as Record<string, (...a: unknown[]) => void>)[level] = () => { levels.push(level); };
  }
  return { app, levels };
}

describe('no client input reaches the last-resort path', () => {
  it('a canonicalising redirect keeps a query with a backslash, percent-encoded', async () => {
    const { app, levels } = recordingApp();
    app.get('/a/b', () => 'ab');
    await app.listen({ port: 0 }).then(async (server) => {
      try {
        const raw = await rawRequest(server!.address.port, 'GET //a/b?x=\\evil.example HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
        assert.match(raw, /^HTTP\/1\.1 308 /);
        assert.match(raw, /\r\nlocation: \/a\/b\?x=%5Cevil\.example\r\n/i);
        assert.match(raw, /\r\ncontent-security-policy: /i);
      } finally {
        await server!.close();
      }
    });
    assert.deepEqual(levels, []);
  });

  it('a canonical path that matches no rule is a 404, not a redirect', async () => {
    const app = makeApp();
    app.get('/a/b', () => 'ab');
    const c = app.testClient();
    assert.equal((await c.get('//a//b')).status, 308);
    assert.equal((await c.get('//nothing//here')).status, 404);
    assert.equal((await c.get('/a/./zzz')).status, 404);
    await c.close();
  });

  it('a custom converter that throws is a 500 answered by the error handler, never fatal', async () => {
    const { app, levels } = recordingApp();
    app.addConverter('broken', () => ({ toValue: () => { throw new Error('converter bug'); }, toUrl: String }));
    app.get('/b/<broken:x>', () => 'never');
    app.errorHandler(500, () => ['handled', 500]);
    const c = app.testClient();
    const r = await c.get('/b/1');
    assert.equal(r.status, 500);
    assert.equal(r.text, 'handled');
    assert.ok(r.header('content-security-policy'));
    assert.equal(levels.includes('fatal'), false);
    await c.close();
  });
});

describe('teardown always runs', () => {
  it('an invalid per-response securityHeaders value is a 500 with the full header block, and teardown runs', async () => {
    const { app, levels } = recordingApp();
    const torn: string[] = [];
    app.teardownRequest((req) => { torn.push(req.path); });
    app.get('/bad', () => {
      const res = new Response('x');
      res.securityHeaders = { referrerPolicy: 'not-a-policy' as never };
      return res;
    });
    const c = app.testClient();
    const r = await c.get('/bad');
    assert.equal(r.status, 500);
    assert.ok(r.header('content-security-policy'));
    assert.equal(r.header('x-content-type-options'), 'nosniff');
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(torn, ['/bad']);
    assert.equal(levels.includes('fatal'), false);
    await c.close();
  });

  it('teardown runs after a step refused the request, and after a failing after-request hook', async () => {
    const app = makeApp();
    const torn: string[] = [];
    app.teardownRequest((req, err) => { torn.push(`${req.path}:${err === undefined ? 'ok' : 'error'}`); });
    app.post('/p', () => 'posted');
    app.get('/after', () => 'x');
    app.afterRequest((res, req) => { if (req.path === '/after') throw new Error('after hook bug'); return res; });
    const c = app.testClient();
    assert.equal((await c.post('/p', { headers: { 'sec-fetch-site': 'cross-site' } })).status, 403);
    assert.equal((await c.get('/after')).status, 500);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(torn, ['/p:error', '/after:error']);
    await c.close();
  });
});

describe('a streamed body that fails', () => {
  it('cuts the connection and logs the error', async () => {
    const { app } = recordingApp();
    const logged: string[] = [];
    (app.logger as unknown as { error: (o: object, m: string) => void }).error = (_o, m) => { logged.push(m); };
    app.get('/s', () => (async function* body() { yield 'first part'; throw new Error('source failed'); })());
    const server = (await app.listen({ port: 0 }))!;
    try {
      const raw = await rawRequest(server.address.port, 'GET /s HTTP/1.1\r\nHost: localhost\r\n\r\n');
      assert.match(raw, /^HTTP\/1\.1 200 /);
      assert.doesNotMatch(raw, /\r\n0\r\n\r\n$/, 'the chunked body is not ended as if complete');
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(logged, ['Response stream failed on /s [GET]']);
    } finally {
      await server.close();
    }
  });
});
