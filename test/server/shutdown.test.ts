// Graceful shutdown: in a real child process on SIGTERM, and in-process through RunningServer.close().
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { pino } from 'pino';
import { serve } from '../../src/server/serve.ts';
import { DEFAULT_SERVER_LIMITS } from '../../src/server/limits.ts';
import type { ServableApp } from '../../src/server/types.ts';
import { spawnTs, within } from './helpers.ts';

const FIXTURE = 'test/fixtures/server/shutdown-child.ts';

interface Reply { status: number; body: string; headers: IncomingHttpHeaders }

function httpGet(port: number, path: string, agent: Agent | false = false): Promise<Reply> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent }, (res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on('error', reject);
    }).on('error', reject).end();
  });
}

function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve('connected'); });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}

async function startChild(shutdownTimeout: number): Promise<{ child: ReturnType<typeof spawnTs>; port: number }> {
  const child = spawnTs(FIXTURE, [], { SHUTDOWN_TIMEOUT: String(shutdownTimeout) });
  const m = await child.waitFor(/^LISTENING (\d+)$/);
  return { child, port: Number(m[1]) };
}

describe('graceful shutdown on SIGTERM (child process)', () => {
  test('in-flight request completes, new connections are refused, exit 0', async () => {
    const { child, port } = await startChild(5000);
    const slow = httpGet(port, '/slow');
    await child.waitFor(/^STARTED \/slow$/);
    const signalledAt = Date.now();
    child.proc.kill('SIGTERM');
    // The listening socket closes as soon as the handler runs; poll briefly for that moment.
    let outcome = 'connected';
    for (let i = 0; i < 50 && outcome === 'connected'; i += 1) {
      await new Promise((r) => setTimeout(r, 20));
      outcome = await connectOutcome(port);
    }
    assert.equal(outcome, 'ECONNREFUSED', 'new connections refused after the signal');
    const reply = await slow;
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'done /slow');
    const exit = await within(child.exited, 5000, 'child exit');
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.ok(Date.now() - signalledAt < 4000, 'exited soon after the slow request');
    assert.ok(child.stdout.includes('HOOKS RAN'), 'shutdown hooks ran');
  });

  test('an idle keep-alive connection does not hold shutdown open', async () => {
    const { child, port } = await startChild(5000);
    const agent = new Agent({ keepAlive: true });
    const reply = await httpGet(port, '/', agent);
    assert.equal(reply.headers.connection, 'keep-alive');
    const signalledAt = Date.now();
    child.proc.kill('SIGTERM');
    const exit = await within(child.exited, 3000, 'child exit');
    assert.equal(exit.code, 0);
    // keepAliveTimeout is 5 s: exiting well before that means the idle socket was closed at once.
    assert.ok(Date.now() - signalledAt < 2000, `exited after ${Date.now() - signalledAt} ms`);
    agent.destroy();
  });

  test('a request slower than shutdownTimeout is cut and the process still exits 0', async () => {
    const { child, port } = await startChild(500);
    const verySlow = httpGet(port, '/very-slow').then(() => 'answered', (err: NodeJS.ErrnoException) => err.code ?? 'error');
    await child.waitFor(/^STARTED \/very-slow$/);
    const signalledAt = Date.now();
    child.proc.kill('SIGTERM');
    assert.equal(await verySlow, 'ECONNRESET', 'the request was cut');
    const exit = await within(child.exited, 3000, 'child exit');
    assert.deepEqual(exit, { code: 0, signal: null });
    const took = Date.now() - signalledAt;
    assert.ok(took >= 450 && took < 2500, `exited after ${took} ms`);
    assert.ok(child.stdout.includes('HOOKS RAN'));
  });

  test('a second signal during shutdown forces exit 1 at once', async () => {
    const { child, port } = await startChild(15_000);
    const verySlow = httpGet(port, '/very-slow').catch(() => undefined);
    await child.waitFor(/^STARTED \/very-slow$/);
    child.proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    const secondAt = Date.now();
    child.proc.kill('SIGINT');
    const exit = await within(child.exited, 2000, 'child exit');
    assert.deepEqual(exit, { code: 1, signal: null });
    assert.ok(Date.now() - secondAt < 1000);
    assert.ok(!child.stdout.includes('HOOKS RAN'));
    await verySlow;
  });
});

describe('RunningServer.close() (in process, no signal handling)', () => {
  test('drains, marks in-flight responses Connection: close, runs hooks once, does not exit', async () => {
    let hooks = 0;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const app: ServableApp = {
      config: { server: { ...DEFAULT_SERVER_LIMITS, shutdownTimeout: 3000 } },
      logger: pino({ level: 'silent' }),
      handle(req: IncomingMessage, res: ServerResponse) {
        if (req.url === '/wait') void gate.then(() => res.end('released'));
        else res.end('ok');
      },
      async runShutdownHooks() { hooks += 1; },
    };
    const listeners = process.listenerCount('SIGTERM');
    const running = await serve(app, { host: '127.0.0.1', port: 0, handleSignals: false });
    assert.equal(process.listenerCount('SIGTERM'), listeners, 'no signal handler installed');
    assert.match(running.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const agent = new Agent({ keepAlive: true });
    const warm = await httpGet(running.address.port, '/', agent);
    assert.equal(warm.headers.connection, 'keep-alive');

    const waiting = httpGet(running.address.port, '/wait', agent);
    await new Promise((r) => setTimeout(r, 100));
    const closed = running.close();
    assert.equal(running.close(), closed, 'idempotent');
    release();
    const reply = await waiting;
    assert.equal(reply.body, 'released');
    assert.equal(reply.headers.connection, 'close');
    await within(closed, 2000, 'close()');
    assert.equal(hooks, 1);
    assert.equal(running.server.listening, false);
    agent.destroy();
  });

  test('signal handlers are installed once and removed with the last server', async () => {
    const app: ServableApp = {
      config: { server: DEFAULT_SERVER_LIMITS },
      logger: pino({ level: 'silent' }),
      handle: (_req: IncomingMessage, res: ServerResponse) => res.end(),
      async runShutdownHooks() {},
    };
    const base = process.listenerCount('SIGTERM');
    const baseInt = process.listenerCount('SIGINT');
    const a = await serve(app, { host: '127.0.0.1', port: 0 });
    const b = await serve(app, { host: '127.0.0.1', port: 0 });
    assert.equal(process.listenerCount('SIGTERM'), base + 1);
    assert.equal(process.listenerCount('SIGINT'), baseInt + 1);
    await a.close();
    assert.equal(process.listenerCount('SIGTERM'), base + 1);
    await b.close();
    assert.equal(process.listenerCount('SIGTERM'), base);
    assert.equal(process.listenerCount('SIGINT'), baseInt);
  });

  test('listen errors reject and leave no handler behind', async () => {
    const app: ServableApp = {
      config: { server: DEFAULT_SERVER_LIMITS },
      logger: pino({ level: 'silent' }),
      handle: (_req: IncomingMessage, res: ServerResponse) => res.end(),
      async runShutdownHooks() {},
    };
    const base = process.listenerCount('SIGTERM');
    const first = await serve(app, { host: '127.0.0.1', port: 0, handleSignals: false });
    await assert.rejects(serve(app, { host: '127.0.0.1', port: first.address.port }), { code: 'EADDRINUSE' });
    assert.equal(process.listenerCount('SIGTERM'), base);
    await first.close();
  });
});
