// A client that stops sending in the middle of its body gets what one that stops in the middle of
// its headers gets: a 408 with the security headers and one warn log line, whichever of Node's
// timers (request deadline or socket inactivity) fires first; the request never hangs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { RunningServer } from '../../src/server/types.ts';
import { createHardenedServer } from '../../src/server/http-server.ts';
import type { ServerLimits } from '../../src/server/limits.ts';
import { makeApp } from '../helpers.ts';
import { listenLocal, rawExchange } from './helpers.ts';

interface Line { level: number; msg: string; phase?: string; status?: number }
const WARN = 40;

function capture(): { lines: Line[]; logger: ReturnType<typeof pino> } {
  const lines: Line[] = [];
  return { lines, logger: pino({ level: 'debug' }, { write: (s: string) => { lines.push(JSON.parse(s) as Line); } }) };
}

const HEAD = 'POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n';

describe('stalled requests through an app', () => {
  const { lines, logger } = capture();
  let running: RunningServer;
  let viewRuns = 0;
  let teardowns = 0;
  before(async () => {
    const app = makeApp({ logger, server: { headersTimeout: 400, requestTimeout: 800 } as never });
    app.post('/upload', { csrf: false }, async (req) => { viewRuns++; return { n: (await req.body()).length }; });
    app.teardownRequest(() => { teardowns++; });
    running = (await app.listen({ port: 0 }))!;
  });
  after(() => running.close());

  const timeouts = (): Line[] => lines.filter((l) => l.level === WARN && /stalled/.test(l.msg));

  for (const [name, chunks] of [
    ['Content-Length body', [HEAD + 'Content-Length: 100\r\n\r\nabc']],
    ['chunked body', [HEAD + 'Transfer-Encoding: chunked\r\n\r\n5\r\nabc']],
    ['body that never starts', [HEAD + 'Content-Length: 10\r\n\r\n']],
  ] as const) {
    test(`a stalled ${name}: 408 with the security headers, one warn line, no view, no hang`, async () => {
      const before = timeouts().length;
      const t0 = teardowns;
      const reply = await rawExchange(running.address.port, [...chunks], { timeoutMs: 4000 });
      assert.ok(reply.closedByServer, 'closed by the server');
      assert.equal(reply.statusLine, 'HTTP/1.1 408 Request Timeout');
      assert.match(reply.text, /\r\ncontent-security-policy: default-src 'none'/i);
      assert.match(reply.text, /\r\nX-Content-Type-Options: nosniff\r\n/i);
      assert.ok(reply.elapsedMs >= 700 && reply.elapsedMs < 3000, `${reply.elapsedMs} ms`);
      await new Promise((r) => setTimeout(r, 700)); // the linger, then the request path unwinds
      const added = timeouts().slice(before);
      assert.equal(added.length, 1, JSON.stringify(added));
      assert.equal(added[0]!.phase, 'body');
      assert.equal(added[0]!.status, 408);
      assert.equal(viewRuns, 0);
      assert.equal(teardowns, t0 + 1, 'the request finished (teardown ran): nothing hangs');
      assert.deepEqual(lines.filter((l) => l.level >= WARN && !/stalled/.test(l.msg)), [], 'nothing else is logged at warn or above');
    });
  }

  test('stalled headers: the same 408 and one warn line', async () => {
    const before = timeouts().length;
    const reply = await rawExchange(running.address.port, ['POST /upload HTTP/1.1\r\nHost: loc'], { timeoutMs: 4000 });
    assert.equal(reply.statusLine, 'HTTP/1.1 408 Request Timeout');
    assert.match(reply.text, /\r\ncontent-security-policy: /i);
    const added = timeouts().slice(before);
    assert.equal(added.length, 1);
    assert.equal(added[0]!.phase, 'headers');
  });

  test('the server still answers', async () => {
    const reply = await rawExchange(running.address.port, [HEAD + 'Content-Length: 3\r\nConnection: close\r\n\r\nabc'], { timeoutMs: 3000 });
    assert.equal(reply.statusLine, 'HTTP/1.1 200 OK');
  });
});

describe('stalled bodies on the bare hardened server, whichever timer fires first', () => {
  const limits = (requestTimeout: number): ServerLimits => ({
    headersTimeout: 300, requestTimeout, keepAliveTimeout: 1000, maxHeaderSize: 8192, maxRequestsPerSocket: 0, maxConnections: 0, shutdownTimeout: 1000,
  });
  for (const [name, requestTimeout, socketTimeout] of [
    ['socket inactivity first', 5000, 400],
    ['request deadline first', 600, 0],
  ] as const) {
    test(name, async () => {
      const { lines, logger } = capture();
      const server = createHardenedServer((req, res) => { req.resume(); req.on('end', () => res.end('ok')); }, limits(requestTimeout),
        { socketTimeout, logger, replyHeaders: ['x-frame-options', 'DENY'] });
      const port = await listenLocal(server);
      try {
        const reply = await rawExchange(port, [HEAD + 'Content-Length: 50\r\n\r\nab'], { timeoutMs: 4000 });
        assert.equal(reply.statusLine, 'HTTP/1.1 408 Request Timeout');
        assert.match(reply.text, /\r\nx-frame-options: DENY\r\n/);
        const warns = lines.filter((l) => l.level === WARN);
        assert.equal(warns.length, 1, JSON.stringify(lines));
        assert.equal(warns[0]!.phase, 'body');
      } finally {
        server.close();
        server.closeAllConnections();
      }
    });
  }
});
