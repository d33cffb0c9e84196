import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { makeApp } from '../helpers.ts';

function captureLogger(): { logger: ReturnType<typeof pino>; lines: () => Array<Record<string, unknown>> } {
  const out: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, cb) { out.push(chunk.toString()); cb(); } });
  return { logger: pino({ level: 'info' }, sink), lines: () => out.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

test('production error pages are generic; details go to the log with the request id', async () => {
  const { logger, lines } = captureLogger();
  const app = makeApp({ logger });
  app.get('/boom', () => { throw new Error('database password is hunter2'); });
  const c = app.testClient();
  const r = await c.get('/boom');
  assert.equal(r.status, 500);
  assert.doesNotMatch(r.text, /hunter2|Error:|at /);
  const id = /Request id: <code>([^<]+)<\/code>/.exec(r.text)![1];
  const j = await c.get('/boom', { headers: { accept: 'application/json' } });
  assert.equal((j.json() as { error: { status: number } }).error.status, 500);
  assert.doesNotMatch(j.text, /hunter2/);
  const logged = lines().find((l) => l.reqId === id)!;
  assert.ok(logged, 'the error is logged with the request id');
  assert.match(JSON.stringify(logged.err), /hunter2/);
  await c.close();
});

test('debug mode shows the traceback to a loopback client', async () => {
  const app = makeApp({ debug: true });
  app.get('/boom', () => { throw new Error('visible in debug'); });
  const c = app.testClient();
  const r = await c.get('/boom');
  assert.equal(r.status, 500);
  assert.match(r.text, /visible in debug/);
  assert.match(r.text, /errors\.test\.ts/);
  await c.close();
});

test('error descriptions are HTML-escaped', async () => {
  const app = makeApp();
  app.get('/x', () => { throw Object.assign(new (class extends Error {})(), {}); });
  app.get('/abort', async () => { const { abort } = await import('phial'); return abort(400, '<script>alert(1)</script>'); });
  const c = app.testClient();
  const r = await c.get('/abort');
  assert.equal(r.status, 400);
  assert.doesNotMatch(r.text, /<script>/);
  assert.match(r.text, /&lt;script&gt;/);
  await c.close();
});

test('a 5xx page never shows the text given to abort(); the log has it', async () => {
  const { logger, lines } = captureLogger();
  const app = makeApp({ logger });
  app.get('/a', async () => { const { abort } = await import('phial'); return abort(500, 'DB password is hunter2'); });
  app.get('/b', async () => { const { ServiceUnavailable } = await import('phial'); throw new ServiceUnavailable('maintenance: hunter2'); });
  const c = app.testClient();
  for (const path of ['/a', '/b']) {
    const r = await c.get(path);
    assert.ok(r.status >= 500);
    assert.doesNotMatch(r.text, /hunter2/);
    assert.doesNotMatch((await c.get(path, { headers: { accept: 'application/json' } })).text, /hunter2/);
  }
  assert.ok(lines().some((l) => JSON.stringify(l).includes('DB password is hunter2')));
  await c.close();
});
