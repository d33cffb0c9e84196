import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { Response, redirect } from 'phial';
import { makeApp, rawRequest } from '../helpers.ts';

// Case C13: CR/LF or NUL in a header value never reaches the wire.
test('CR, LF and NUL in header values are never written (case C13)', async () => {
  const app = makeApp();
  app.get('/echo', (req) => new Response('ok', { headers: { 'x-echo': req.query.get('v') ?? '' } }));
  app.get('/back', (req) => redirect(req.query.get('next') ?? '/'));
  app.get('/health', () => 'ok');
  const server = createServer(app.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const get = (path: string): Promise<string> => rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
  try {
    const a = await get('/echo?v=a%0D%0ASet-Cookie%3A%20sid%3Dattacker');
    assert.match(a, /^HTTP\/1\.1 500 /);
    assert.doesNotMatch(a, /set-cookie: sid=attacker/i);
    const b = await get('/echo?v=a%00b');
    assert.match(b, /^HTTP\/1\.1 500 /);
    const c = await get('/back?next=%2Fdashboard%0D%0ALocation%3A%20https%3A%2F%2Fattacker.example');
    assert.match(c, /^HTTP\/1\.1 400 /);
    assert.equal((c.match(/^location:/gim) ?? []).length, 0);
    assert.doesNotMatch(c, /attacker\.example/);
    const ok = await get('/echo?v=fine');
    assert.match(ok, /^HTTP\/1\.1 200 /);
    assert.match(ok, /x-echo: fine/i);
    assert.match(await get('/health'), /^HTTP\/1\.1 200 /);
  } finally {
    server.close();
  }
});
