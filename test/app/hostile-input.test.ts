// After every kind of hostile input (C16, C18–C20, C22, C23, slow bodies) the process is alive,
// a concurrent GET /healthz is answered quickly, and memory returns near its baseline.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as z from 'zod';
import { makeApp } from '../helpers.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

function post(port: number, path: string, headers: Record<string, string>, body: Buffer | string): Promise<number> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path, headers }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
    req.on('error', () => resolve(-1)); // the server may close after answering 413
    req.end(body);
  });
}

async function healthz(port: number): Promise<number> {
  const t0 = performance.now();
  const r = await fetch(`http://127.0.0.1:${port}/healthz`);
  assert.equal(r.status, 200);
  await r.text();
  return performance.now() - t0;
}

const uploads = (): string[] => readdirSync(tmpdir()).filter((n) => n.startsWith('phial-upload-'));

describe('hostile input leaves the server healthy', () => {
  let port: number;
  let close: () => Promise<void>;
  let viewRuns = 0;
  const tempBefore = uploads().length;

  before(async () => {
    const app = makeApp({ maxContentLength: 4 * 1024 * 1024 });
    app.get('/healthz', () => 'ok');
    app.post('/form', async (req) => { viewRuns++; return { keys: Object.keys(await req.form()).length }; });
    app.post('/json', { schema: { body: z.object({ name: z.string().max(10) }).strict() } }, (req) => { viewRuns++; return req.valid.body; });
    app.post('/noread', { bodyLimits: { maxContentLength: 1024 } }, () => { viewRuns++; return 'ran'; });
    const running = await app.listen({ port: 0 });
    port = running!.address.port;
    close = () => running!.close();
  });
  after(() => close());

  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const attacks: Array<[string, () => Promise<number>, number[]]> = [
    ['C16 deep brackets', () => post(port, '/form', form, 'a' + '[b]'.repeat(5000) + '=1'), [400]],
    ['C18 __proto__ query-style keys', () => post(port, '/form', form, 'a[__proto__]=b&a[__proto__]&a[length]=100000000'), [400]],
    ['C19 JSON prototype keys', () => post(port, '/json', { 'content-type': 'application/json' }, '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"isAdmin":true}}}'), [400]],
    ['C19 form prototype keys', () => post(port, '/form', form, 'user[__proto__][isAdmin]=true'), [400]],
    ['C20 100 000 multipart parts', () => post(port, '/form', { 'content-type': 'multipart/form-data; boundary=X' },
      Buffer.concat([...Array.from({ length: 100_000 }, (_, i) => Buffer.from(`--X\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\n\r\n`)), Buffer.from('--X--\r\n')])), [413]],
    ['C20 10 000 part header lines', () => post(port, '/form', { 'content-type': 'multipart/form-data; boundary=X' },
      '--X\r\n' + 'X-A: 1\r\n'.repeat(10_000) + 'Content-Disposition: form-data; name="a"\r\n\r\nv\r\n--X--\r\n'), [413, 400]],
    ['C20 many files', () => post(port, '/form', { 'content-type': 'multipart/form-data; boundary=X' },
      Array.from({ length: 200 }, (_, i) => `--X\r\nContent-Disposition: form-data; name="f"; filename="${i}.txt"\r\nContent-Type: text/plain\r\n\r\n${'x'.repeat(1000)}\r\n`).join('') + '--X--\r\n'), [413]],
    ['C22 2 MB non-file field', () => post(port, '/form', { 'content-type': 'multipart/form-data; boundary=X' },
      Buffer.concat([Buffer.from('--X\r\nContent-Disposition: form-data; name="note"\r\n\r\n'), Buffer.alloc(2_000_000, 97), Buffer.from('\r\n--X--\r\n')])), [413]],
    ['C22 chunked body over a route limit, never read', () => post(port, '/noread', { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' }, Buffer.alloc(2_000_000)), [413, -1]],
    ['C23 junk content type', () => post(port, '/json', { 'content-type': 'application/json garbage' }, '{"name":"xxxxxxxxxxxxxxxxxx","role":"admin"}'), [415]],
    ['C23 constructor content type', () => post(port, '/json', { 'content-type': 'constructor' }, '{}'), [415]],
    ['body over the app limit', () => post(port, '/json', { 'content-type': 'application/json' }, Buffer.alloc(5 * 1024 * 1024, 32)), [413, -1]],
  ];

  it('every attack is refused without running a view; memory returns near baseline; nothing polluted', async () => {
    await healthz(port);
    for (const [, attack] of attacks) await attack(); // warm up parsers and code paths once
    const baseline = heapAfterGc();
    for (let round = 0; round < 3; round++) {
      for (const [name, attack, expected] of attacks) {
        const status = await attack();
        assert.ok(expected.includes(status), `${name}: got ${status}, expected ${expected.join('/')}`);
      }
    }
    assert.equal(viewRuns, 0, 'no view ran for a refused request');
    const grown = heapAfterGc() - baseline;
    assert.ok(grown < 16 * 1024 * 1024, `heap grew by ${(grown / 1048576).toFixed(1)} MiB`);
    assert.equal(({} as Record<string, unknown>)['isAdmin'], undefined);
    assert.equal(({} as Record<string, unknown>)['length'], undefined);
    assert.ok(uploads().length <= tempBefore, 'no upload folder left behind');
  });

  it('GET /healthz stays fast while attacks and a slow body are in flight', async () => {
    // A slowloris-style body: headers sent, body trickled (the request timeout ends it later).
    const slow = connect(port, '127.0.0.1');
    slow.on('error', () => {});
    slow.write('POST /form HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\na=');
    const trickle = setInterval(() => slow.write('b'), 20);
    try {
      const inflight = attacks.map(([, attack]) => attack());
      const times: number[] = [];
      for (let i = 0; i < 10; i++) times.push(await healthz(port));
      await Promise.all(inflight);
      times.sort((a, b) => a - b);
      assert.ok(times[5]! < 250, `median /healthz latency ${times[5]!.toFixed(0)} ms under attack`);
    } finally {
      clearInterval(trickle);
      slow.destroy();
    }
    assert.ok((await healthz(port)) < 250);
  });
});
