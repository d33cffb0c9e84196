// The body-size limit on bytes actually received (case C22), client aborts, and the limits object.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { DEFAULT_BODY_LIMITS, resolveBodyLimits } from '../../src/http/body/index.ts';
import { bodyServer, send, type BodyServer } from './body-helpers.ts';

describe('body size limit (case C22)', () => {
  let srv: BodyServer;
  let viewRuns = 0;
  before(async () => {
    // The "view" counts its runs: it must never run for a refused body.
    srv = await bodyServer({ maxContentLength: 1024 }, (body) => { viewRuns++; return { bytes: body.raw?.length ?? 0 }; });
  });
  after(() => srv.close());

  it('a chunked 2 MB body over a 1 KB limit is a 413 and the view never runs', async () => {
    const chunks = Array.from({ length: 125 }, () => Buffer.alloc(16_000));
    const r = await send(srv.port, { path: '/noread', headers: { 'content-type': 'application/octet-stream' }, body: chunks });
    assert.equal(r.status, 413);
    assert.equal(viewRuns, 0);
  });

  it('a declared Content-Length over the limit is a 413 before any byte is read', async () => {
    const reply = await new Promise<string>((resolve) => {
      const s = connect(srv.port, '127.0.0.1');
      let got = '';
      s.on('data', (d) => { got += d.toString('latin1'); });
      s.on('close', () => resolve(got));
      // Only the head: the server must answer without waiting for the 2 MB it was promised.
      s.write('POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: 2000000\r\n\r\n');
      setTimeout(() => s.destroy(), 1000);
    });
    assert.match(reply, /^HTTP\/1\.1 413 /);
    assert.equal(viewRuns, 0);
  });

  it('exactly the limit is accepted, one byte more is not (chunked or with a length)', async () => {
    assert.deepEqual(JSON.parse((await send(srv.port, { body: Buffer.alloc(1024) })).text), { bytes: 1024 });
    assert.equal((await send(srv.port, { body: Buffer.alloc(1025) })).status, 413);
    assert.deepEqual(JSON.parse((await send(srv.port, { body: [Buffer.alloc(1000), Buffer.alloc(24)] })).text), { bytes: 1024 });
    assert.equal((await send(srv.port, { body: [Buffer.alloc(1000), Buffer.alloc(25)] })).status, 413);
    assert.equal(viewRuns, 2);
  });

  it('a client that stops mid-body gets the request refused with 400, the view never runs', async () => {
    const before = viewRuns;
    const s = connect(srv.port, '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    s.write('POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 500\r\n\r\n' + 'a'.repeat(100));
    await new Promise((r) => setTimeout(r, 50));
    s.destroy();
    await srv.idle();
    assert.equal(srv.statuses.at(-1), 400);
    assert.equal(viewRuns, before);
  });

  it('an empty body is an empty Buffer', async () => {
    assert.deepEqual(JSON.parse((await send(srv.port, { method: 'GET' })).text), { bytes: 0 });
  });
});

describe('resolveBodyLimits', () => {
  it('fills defaults; maxFileSize follows maxContentLength', () => {
    assert.deepEqual(resolveBodyLimits(), DEFAULT_BODY_LIMITS);
    const l = resolveBodyLimits({ maxContentLength: 5_000_000 });
    assert.equal(l.maxFileSize, 5_000_000);
    assert.equal(resolveBodyLimits({ maxContentLength: 5_000_000, maxFileSize: 10 }).maxFileSize, 10);
    assert.ok(Object.isFrozen(l));
    assert.equal(DEFAULT_BODY_LIMITS.maxFormMemorySize, 500_000);
    assert.equal(DEFAULT_BODY_LIMITS.maxFormParts, 1000);
  });

  it('refuses non-finite, negative, fractional and unknown limits, naming them', () => {
    assert.throws(() => resolveBodyLimits({ maxDepth: Infinity }), /maxDepth/);
    assert.throws(() => resolveBodyLimits({ maxFiles: -1 }), /maxFiles/);
    assert.throws(() => resolveBodyLimits({ maxParams: 1.5 }), /maxParams/);
    assert.throws(() => resolveBodyLimits({ maxParams: Number.NaN }), /maxParams/);
    assert.throws(() => resolveBodyLimits({ maxBogus: 1 } as never), /maxBogus/);
  });
});
