// The limits given to createHardenedServer are the limits enforced — checked by reading them back and
// by clients that misbehave on purpose.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import { connect } from 'node:net';
import { once } from 'node:events';
import { createHardenedServer, defaultCheckingInterval } from '../../src/server/http-server.ts';
import { assertServerLimits, DEFAULT_SERVER_LIMITS } from '../../src/server/limits.ts';
import type { ServerLimits } from '../../src/server/limits.ts';
import { listenLocal, rawExchange } from './helpers.ts';

// Properties node:http has but @types/node does not declare on Server.
type ServerWithExtras = Server & { maxHeaderSize: number; connectionsCheckingInterval: number };

const LIMITS: ServerLimits = {
  headersTimeout: 500,
  requestTimeout: 1000,
  keepAliveTimeout: 700,
  maxHeaderSize: 4096,
  maxRequestsPerSocket: 2,
  maxConnections: 4,
  shutdownTimeout: 1000,
};

function fetchText(port: number, path: string): Promise<{ status: number; body: string; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, res }));
    }).on('error', reject);
  });
}

describe('createHardenedServer limits', () => {
  let calls = 0;
  const server = createHardenedServer((req, res) => {
    calls += 1;
    req.resume();
    req.on('end', () => res.end(req.url === '/healthz' ? 'ok' : 'hello'));
  }, LIMITS) as ServerWithExtras;
  let port = 0;
  before(async () => { port = await listenLocal(server); });
  after(() => { server.close(); server.closeAllConnections(); });

  test('reads back every limit', () => {
    assert.equal(server.headersTimeout, LIMITS.headersTimeout);
    assert.equal(server.requestTimeout, LIMITS.requestTimeout);
    assert.equal(server.keepAliveTimeout, LIMITS.keepAliveTimeout);
    assert.equal(server.maxHeaderSize, LIMITS.maxHeaderSize);
    assert.equal(server.maxRequestsPerSocket, 0, 'counted by Phial, so the 503 past it carries headers');
    assert.equal(server.maxConnections, LIMITS.maxConnections);
    assert.equal(server.timeout, LIMITS.requestTimeout, 'socket inactivity defaults to requestTimeout');
    // Node's default (30 s) would let a slow client live 30 s past its deadline.
    assert.equal(server.connectionsCheckingInterval, 250);
    assert.equal(defaultCheckingInterval({ headersTimeout: 60_000, requestTimeout: 300_000 }), 1000);
    assert.equal(defaultCheckingInterval({ headersTimeout: 8, requestTimeout: 0 }), 10);
  });

  test('slowloris (head one byte at a time) is cut by headersTimeout with 408', async () => {
    const head = `GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ${'a'.repeat(200)}\r\n\r\n`;
    const reply = await rawExchange(port, [...head], { gapMs: 20, timeoutMs: 4000 });
    assert.ok(reply.closedByServer, 'closed by the server');
    assert.equal(reply.statusLine, 'HTTP/1.1 408 Request Timeout');
    // Deadline 500 ms + up to one 250 ms check interval, with slack for a loaded machine.
    assert.ok(reply.elapsedMs >= 450 && reply.elapsedMs < 2000, `closed after ${reply.elapsedMs} ms`);
  });

  test('a connection that never sends a byte is cut too', async () => {
    const reply = await rawExchange(port, [], { timeoutMs: 4000 });
    assert.ok(reply.closedByServer);
    assert.ok(reply.elapsedMs < 2500, `closed after ${reply.elapsedMs} ms`);
  });

  test('slow body is cut by requestTimeout with 408', async () => {
    const head = 'POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 200\r\n\r\n';
    const reply = await rawExchange(port, [head, ...'b'.repeat(100)], { gapMs: 40, timeoutMs: 5000 });
    assert.ok(reply.closedByServer);
    assert.equal(reply.statusLine, 'HTTP/1.1 408 Request Timeout');
    assert.ok(reply.elapsedMs >= 950 && reply.elapsedMs < 2500, `closed after ${reply.elapsedMs} ms`);
  });

  test('head above maxHeaderSize → 431', async () => {
    const reply = await rawExchange(port, [`GET / HTTP/1.1\r\nHost: localhost\r\nX: ${'x'.repeat(5000)}\r\n\r\n`]);
    assert.equal(reply.statusLine, 'HTTP/1.1 431 Request Header Fields Too Large');
  });

  test('maxRequestsPerSocket: the last allowed response says Connection: close', async () => {
    const req = 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n';
    const reply = await rawExchange(port, [req, req], { gapMs: 100 });
    const heads = reply.text.split('HTTP/1.1 ').slice(1);
    assert.equal(heads.length, 2);
    assert.match(heads[0] ?? '', /Connection: keep-alive/);
    assert.match(heads[1] ?? '', /Connection: close/);
    assert.ok(reply.closedByServer);
  });

  test('maxRequestsPerSocket: pipelined requests past the limit get a 503 with the security headers', async () => {
    const req = 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n';
    const reply = await rawExchange(port, [req + req + req]);
    const heads = reply.text.split('HTTP/1.1 ').slice(1);
    assert.ok(heads.length >= 2, reply.text);
    assert.match(heads[1] ?? '', /Connection: close/);
    if (heads.length > 2) {
      assert.match(heads[2] ?? '', /^503 /);
      assert.match(heads[2] ?? '', /x-content-type-options: nosniff/i);
    }
    assert.ok(reply.closedByServer);
  });

  test('maxConnections: connections beyond the limit are dropped', async () => {
    const held = await Promise.all(Array.from({ length: LIMITS.maxConnections }, async () => {
      const s = connect(port, '127.0.0.1');
      await once(s, 'connect');
      s.write('GET / HTTP/1.1\r\n'); // keep it busy but within headersTimeout
      return s;
    }));
    try {
      await new Promise((r) => setTimeout(r, 50));
      const extra = await rawExchange(port, ['GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'], { timeoutMs: 2000 });
      assert.ok(extra.closedByServer);
      assert.equal(extra.text, '', 'dropped without a reply');
    } finally {
      for (const s of held) s.destroy();
    }
  });

  test('after all that, the server still answers', async () => {
    await new Promise((r) => setTimeout(r, 100)); // let the held sockets' close reach the server
    const before = calls;
    const { status, body } = await fetchText(port, '/healthz');
    assert.equal(status, 200);
    assert.equal(body, 'ok');
    assert.equal(calls, before + 1);
  });
});

describe('assertServerLimits', () => {
  test('accepts the defaults', () => assertServerLimits(DEFAULT_SERVER_LIMITS));
  for (const [field, value, pattern] of [
    ['headersTimeout', 0, /headersTimeout must be at least 1 ms/],
    ['maxHeaderSize', 0, /maxHeaderSize/],
    ['keepAliveTimeout', -1, /keepAliveTimeout must be a non-negative integer, got -1/],
    ['maxConnections', 1.5, /maxConnections .* got 1.5/],
    ['headersTimeout', 70_000, /headersTimeout \(70000 ms\) must be <= requestTimeout \(60000 ms\)/],
  ] as const) {
    test(`rejects ${field}=${value}`, () => {
      assert.throws(() => createHardenedServer(() => undefined, { ...DEFAULT_SERVER_LIMITS, [field]: value }), pattern);
    });
  }
});
