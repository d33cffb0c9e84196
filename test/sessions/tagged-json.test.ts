import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Markup, TaggedJsonError, Uuid, compareCodePoints, isTuple, taggedDumps, taggedLoads, tuple } from '../../src/sessions/tagged-json.ts';

/** Session-shaped values: JSON plus every tagged type, including tag-like keys. */
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.constant(null), fc.boolean(), fc.string({ unit: 'binary' }),
    fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
    fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
      .map((d) => new Date(Math.floor(d.getTime() / 1000) * 1000)),
    fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b)),
    fc.string().map((s) => new Markup(s)),
    fc.uuid().map((u) => new Uuid(u)),
  ),
  node: fc.oneof({ depthSize: 'small' },
    tie('leaf'),
    fc.array(tie('node'), { maxLength: 4 }),
    fc.array(tie('node'), { maxLength: 4 }).map((a) => tuple(...a)),
    fc.dictionary(fc.string({ unit: 'binary' }), tie('node'), { maxKeys: 4 }),
    fc.tuple(fc.constantFrom(' t', ' b', ' m', ' u', ' d', ' di'), tie('node')).map(([k, v]) => ({ [k]: v })),
  ),
})).node;

/** Compares decoded against original, treating tuples as tuples. */
function same(a: unknown, b: unknown): void {
  if (Array.isArray(a)) {
    assert.ok(Array.isArray(b));
    assert.equal(isTuple(a), isTuple(b), 'tuple-ness');
    assert.equal(a.length, b.length);
    a.forEach((x, i) => same(x, (b as unknown[])[i]));
  } else if (a instanceof Markup || a instanceof Uuid) {
    assert.equal(a.constructor, (b as object).constructor);
    assert.equal(String(a), String(b));
  } else if (a !== null && typeof a === 'object' && !(a instanceof Date) && !(a instanceof Uint8Array)) {
    assert.deepEqual(Object.keys(a).sort(), Object.keys(b as object).sort());
    for (const k of Object.keys(a)) same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]);
  } else {
    assert.deepStrictEqual(b, a);
  }
}

describe('Flask tagged JSON', () => {
  it('round-trips any session value (property)', () => {
    fc.assert(fc.property(value, (v) => {
      const text = taggedDumps(v);
      same(taggedLoads(text), v);
      assert.equal(taggedDumps(taggedLoads(text)), text, 'canonical: re-encoding gives the same text');
      assert.match(text, /^[\x20-\x7e]*$/, 'ASCII only (ensure_ascii)');
    }), { numRuns: 500 });
  });

  it('writes Python json.dumps(sort_keys, ensure_ascii, compact)', () => {
    assert.equal(taggedDumps({ z: 1, _permanent: true, a: 'é' }), '{"_permanent":true,"a":"\\u00e9","z":1}');
    assert.equal(taggedDumps({ s: '"\\\n\r\t\b\f\x00\x1f\x7f😀' }), '{"s":"\\"\\\\\\n\\r\\t\\b\\f\\u0000\\u001f\\u007f\\ud83d\\ude00"}');
    // Python float repr: scientific below 1e-4 with two exponent digits; integral values as ints.
    assert.equal(taggedDumps([1.5, -0, 1e21, 1e-7, 12, 0.0001, 0.00009, 7.260061169190295e-6, -2.5e-300, 1.5e300, 1e16]),
      '[1.5,0,1e+21,1e-07,12,0.0001,9e-05,7.260061169190295e-06,-2.5e-300,1.5e+300,10000000000000000]');
  });

  it('sorts keys by code point like Python (not by UTF-16 unit)', () => {
    const keys = ['\uffff', '😀', 'a', 'B', '\ue000'];
    assert.deepEqual([...keys].sort(compareCodePoints), ['B', 'a', '\ue000', '\uffff', '😀']);
    assert.equal(taggedDumps({ '😀': 1, '\uffff': 2 }), '{"\\uffff":2,"\\ud83d\\ude00":1}');
  });

  it('tags a dict whose only key is a tag name as " di", and only then', () => {
    assert.equal(taggedDumps({ ' t': 'v' }), '{" di":{" t__":"v"}}');
    assert.equal(taggedDumps({ ' t': 'v', a: 1 }), '{" t":"v","a":1}');
    assert.equal(taggedDumps({ ' x': 'v' }), '{" x":"v"}');
    assert.deepEqual(taggedLoads('{" di":{" t__":{" t":[1]}}}'), { ' t': tuple(1) });
  });

  it('bytes use standard base64 with padding; dates IMF-fixdate at second precision', () => {
    assert.equal(taggedDumps(Buffer.from([0xfb, 0xff])), '{" b":"+/8="}');
    assert.equal(taggedDumps(new Uint8Array([1])), '{" b":"AQ=="}');
    assert.equal(taggedDumps(new Date('0005-01-01T00:00:00.999Z')), '{" d":"Sat, 01 Jan 0005 00:00:00 GMT"}');
    assert.equal((taggedLoads('{" d":"Sat, 01 Jan 0005 00:00:00 GMT"}') as Date).getUTCFullYear(), 5);
    assert.throws(() => taggedDumps(new Date(NaN)), /invalid Date/);
    assert.throws(() => taggedDumps(new Date(Date.UTC(10000, 0, 1))), /years 1-9999/);
  });

  it('any object with __html__() is Markup, as in Flask', () => {
    assert.equal(taggedDumps({ x: { __html__: () => '<i>' } }), '{"x":{" m":"<i>"}}');
    assert.throws(() => taggedDumps({ __html__: () => 1 }), /__html__\(\) does not return a string/);
  });

  it('a __proto__ key stays data', () => {
    const v = taggedLoads('{"__proto__":{"polluted":true},"a":{" di":{"__proto____":1}}}') as Record<string, unknown>;
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(v), Object.prototype);
    assert.deepEqual(Object.keys(v), ['__proto__', 'a']);
    assert.equal(taggedDumps(v), '{"__proto__":{"polluted":true},"a":{"__proto__":1}}');
  });

  it('refuses malformed tags and deep nesting with TaggedJsonError', () => {
    for (const text of [
      '{" t":1}', '{" b":"AP8"}', '{" b":"A-8="}', '{" m":1}', '{" u":"xyz"}', '{" d":"2024-01-02"}',
      '{" d":"Tue, 31 Feb 2024 03:04:05 GMT"}', '{" di":{"a":1,"b":2}}', '{" di":{"a":1}}', 'NaN', '{"a":Infinity}', '{',
      `${'['.repeat(101)}${']'.repeat(101)}`,
    ]) assert.throws(() => taggedLoads(text), TaggedJsonError, text);
  });

  it('Uuid accepts Python UUID() spellings', () => {
    for (const s of ['12345678123456781234567812345678', '12345678-1234-5678-1234-567812345678',
      '{12345678-1234-5678-1234-567812345678}', 'urn:uuid:12345678-1234-5678-1234-567812345678', '12345678123456781234567812345678'.toUpperCase()]) {
      assert.equal(new Uuid(s).hex, '12345678123456781234567812345678');
    }
    assert.throws(() => new Uuid('1234'), /not a UUID/);
  });
});
