// Urlencoded forms and query strings: cases C16 (depth), C18 (__proto__ in queries), C19 (form
// bodies), over real HTTP and at parser level.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequest, RequestEntityTooLarge } from '../../src/errors/http.ts';
import { DEFAULT_BODY_LIMITS, parseUrlEncoded, resolveBodyLimits, type FormObject } from '../../src/http/body/index.ts';
import { bodyServer, prototypeSnapshot, send, type BodyServer } from './body-helpers.ts';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

function plain(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v));
}

function isNullProtoTree(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return true;
  if (Array.isArray(v)) return v.every(isNullProtoTree);
  return Object.getPrototypeOf(v) === null && Object.values(v).every(isNullProtoTree);
}

describe('urlencoded bodies and query strings over HTTP', () => {
  let srv: BodyServer;
  const protoBefore = prototypeSnapshot();
  before(async () => {
    srv = await bodyServer({}, (body, req) => {
      // GET: the query string goes through the same parser as form bodies.
      const form = req.method === 'GET' ? parseUrlEncoded(req.url!.split('?')[1] ?? '', DEFAULT_BODY_LIMITS) : body.form;
      return { keys: Object.keys(form ?? {}), form };
    });
  });
  after(async () => {
    await srv.close();
    assert.deepEqual(prototypeSnapshot(), protoBefore);
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
    assert.equal(({} as Record<string, unknown>).length, undefined);
  });

  it('C16: a[b]×5000 in a form body is a 400 in < 100 ms; a[b][c]=1 still parses', async () => {
    const r = await send(srv.port, { headers: FORM, body: 'a' + '[b]'.repeat(5000) + '=1' });
    assert.equal(r.status, 400);
    assert.match(r.text, /nested deeper than 10 levels/);
    // A built array of 10⁸ holes would take seconds and gigabytes; the bound only catches that.
    assert.ok(r.ms < 2000, `${r.ms} ms`);
    const ok = await send(srv.port, { headers: FORM, body: 'a[b][c]=1' });
    assert.equal(ok.status, 200);
    assert.deepEqual(JSON.parse(ok.text).form, { a: { b: { c: '1' } } });
  });

  it('C16: 1000 levels as a query string (~4 KB) is a 400 quickly; 10 levels are fine', async () => {
    const r = await send(srv.port, { method: 'GET', path: '/search?a' + '[b]'.repeat(1000) + '=1' });
    assert.equal(r.status, 400);
    // A built array of 10⁸ holes would take seconds and gigabytes; the bound only catches that.
    assert.ok(r.ms < 2000, `${r.ms} ms`);
    const ten = await send(srv.port, { method: 'GET', path: '/search?a' + '[b]'.repeat(10) + '=1' });
    assert.equal(ten.status, 200);
    const eleven = await send(srv.port, { method: 'GET', path: '/search?a' + '[b]'.repeat(11) + '=1' });
    assert.equal(eleven.status, 400);
  });

  it('C18: a[__proto__]=b&a[__proto__]&a[length]=100000000 is a 400 at once (no 10⁸-element array), prototype untouched', async () => {
    const r = await send(srv.port, { method: 'GET', path: '/search?a[__proto__]=b&a[__proto__]&a[length]=100000000' });
    assert.equal(r.status, 400);
    // A built array of 10⁸ holes would take seconds and gigabytes; the bound only catches that.
    assert.ok(r.ms < 2000, `${r.ms} ms`);
    assert.equal(({} as Record<string, unknown>).length, undefined);
    // Percent-encoded and dotted spellings are the same name.
    for (const q of ['a%5B__proto__%5D=b', 'a[%5F%5Fproto%5F%5F]=1', '__proto__=1', 'a[constructor][prototype][x]=1', 'x.__proto__.y=1', 'a[prototype]=1']) {
      const rr = await send(srv.port, { method: 'GET', path: '/search?' + q });
      assert.equal(rr.status, 400, q);
    }
  });

  it('C19: user[__proto__][isAdmin]=true in a form body is a 400 and pollutes nothing', async () => {
    for (const body of ['user[__proto__][isAdmin]=true', 'constructor[prototype][isAdmin]=true', '__proto__[isAdmin]=true']) {
      const r = await send(srv.port, { headers: FORM, body });
      assert.equal(r.status, 400, body);
      assert.match(r.text, /forbidden segment/);
    }
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
  });

  it('too many parameters is a 413; a body over maxFormMemorySize is a 413', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => `f${i}=1`).join('&');
    assert.equal((await send(srv.port, { headers: FORM, body: many })).status, 413);
    const enough = Array.from({ length: 1000 }, (_, i) => `f${i}=1`).join('&');
    assert.equal((await send(srv.port, { headers: FORM, body: enough })).status, 200);
    const big = 'a=' + 'x'.repeat(DEFAULT_BODY_LIMITS.maxFormMemorySize);
    assert.equal((await send(srv.port, { headers: FORM, body: big })).status, 413);
  });

  it('charsets other than UTF-8 are 415; invalid UTF-8 is 400', async () => {
    assert.equal((await send(srv.port, { headers: { 'content-type': 'application/x-www-form-urlencoded; charset=iso-8859-1' }, body: 'a=1' })).status, 415);
    assert.equal((await send(srv.port, { headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' }, body: 'a=1' })).status, 200);
    assert.equal((await send(srv.port, { headers: FORM, body: Buffer.from([0x61, 0x3d, 0xff]) })).status, 400);
  });
});

describe('parseUrlEncoded', () => {
  const L = DEFAULT_BODY_LIMITS;

  it('builds null-prototype objects, lists and nested values', () => {
    const f = parseUrlEncoded('a[b][c]=1&t=x&t=y&l[]=1&l[]=2&i[0]=z&n=%E2%9C%93+ok&e&=skip', L);
    assert.deepEqual(plain(f), { a: { b: { c: '1' } }, t: ['x', 'y'], l: ['1', '2'], i: ['z'], n: '✓ ok', e: '' });
    assert.ok(isNullProtoTree(f));
    assert.equal(Object.getPrototypeOf(f), null);
    assert.equal(Object.getPrototypeOf(parseUrlEncoded('', L)), null);
  });

  it('keeps ordinary names that merely look like properties, on null-prototype objects', () => {
    const f = parseUrlEncoded('toString=1&hasOwnProperty=2&length=3&valueOf[x]=4', L);
    assert.deepEqual(plain(f), { toString: '1', hasOwnProperty: '2', length: '3', valueOf: { x: '4' } });
    assert.ok(isNullProtoTree(f));
  });

  it('refuses indices above maxArrayIndex (400) but keeps 100', () => {
    assert.deepEqual(plain(parseUrlEncoded('a[100]=x', L)), { a: ['x'] });
    assert.throws(() => parseUrlEncoded('a[101]=x', L), BadRequest);
    assert.throws(() => parseUrlEncoded('a[99999999999999999999]=x', L), BadRequest);
    assert.deepEqual(plain(parseUrlEncoded('a[0101]=x', L)), { a: { '0101': 'x' } }); // not an index
  });

  it('refuses long names (400) and honours smaller limits', () => {
    assert.throws(() => parseUrlEncoded('n'.repeat(201) + '=1', L), BadRequest);
    assert.doesNotThrow(() => parseUrlEncoded('n'.repeat(200) + '=1', L));
    const small = resolveBodyLimits({ maxDepth: 2, maxParams: 3 });
    assert.doesNotThrow(() => parseUrlEncoded('a[b][c]=1&b=1&c=1', small));
    assert.throws(() => parseUrlEncoded('a[b][c][d]=1', small), BadRequest);
    assert.throws(() => parseUrlEncoded('a=1&b=1&c=1&d=1', small), RequestEntityTooLarge);
  });

  it('every spelling of a list has the same cap, maxArrayIndex + 1 values; raising maxArrayIndex allows bulk checkboxes', () => {
    const list = (n: number, name: (i: number) => string): string => Array.from({ length: n }, (_, i) => `${name(i)}=${i}`).join('&');
    for (const spell of [(i: number) => `id[${i}]`, () => 'id[]', () => 'id', () => 'x[y][]', (i: number) => (i % 2 ? 'id' : 'id[]')]) {
      const f = parseUrlEncoded(list(101, spell), L) as FormObject;
      assert.ok(Object.values(f).length === 1, spell(0));
      assert.throws(() => parseUrlEncoded(list(102, spell), L), (e: unknown) => e instanceof BadRequest && /more than 101 values|index is above 100/.test(e.message), spell(1));
    }
    const bulk = resolveBodyLimits({ maxArrayIndex: 999 });
    assert.equal(((parseUrlEncoded(list(500, () => 'id'), bulk) as FormObject).id as string[]).length, 500);
  });

  it('is linear in the input: 1 MB of brackets in one name is refused in < 100 ms', () => {
    const t0 = performance.now();
    assert.throws(() => parseUrlEncoded('a' + '[b]'.repeat(300_000) + '=1', L), BadRequest);
    assert.throws(() => parseUrlEncoded('a[' + 'b'.repeat(1_000_000) + ']=1', L), BadRequest);
    assert.ok(performance.now() - t0 < 100, `${performance.now() - t0} ms`);
  });
});
