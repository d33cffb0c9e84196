// Property test of the form / query parser: hostile names never escape as anything but 400/413,
// never touch Object.prototype, always give null-prototype containers within the depth limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BadRequest, RequestEntityTooLarge } from '../../src/errors/http.ts';
import { formFromPairs, parseUrlEncoded, resolveBodyLimits, type BodyLimits } from '../../src/http/body/index.ts';
import { prototypeSnapshot } from './body-helpers.ts';

const segment = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'a', 'b', 'length', 'toString', 'valueOf', '0', '1', '100', '101', '', '-1', '007'),
  fc.string({ maxLength: 6 }),
  fc.string({ unit: fc.constantFrom('[', ']', '.', '%', '5', 'B', 'D', '_', 'p', '&', '=', '+'), maxLength: 8 }),
);

/** A name in one of the spellings parsers expand: brackets, dots, percent-encoded brackets. */
const name = fc.tuple(segment, fc.array(fc.tuple(segment, fc.constantFrom('[]', '.', '%5B%5D', 'raw')), { maxLength: 14 }), fc.boolean())
  .map(([head, rest, encode]) => {
    let out = encode ? encodeURIComponent(head) : head;
    for (const [seg, style] of rest) {
      const s = encode ? encodeURIComponent(seg) : seg;
      out += style === '[]' ? `[${s}]` : style === '.' ? `.${s}` : style === '%5B%5D' ? `%5B${s}%5D` : s;
    }
    return out;
  });

const query = fc.array(fc.tuple(name, fc.string({ maxLength: 5 }), fc.boolean()), { maxLength: 12 })
  .map((pairs) => pairs.map(([k, v, bare]) => (bare ? k : `${k}=${encodeURIComponent(v)}`)).join('&'));

const limits = fc.record({
  maxDepth: fc.integer({ min: 0, max: 12 }),
  maxParams: fc.integer({ min: 1, max: 20 }),
  maxArrayIndex: fc.integer({ min: 0, max: 150 }),
  maxFieldNameSize: fc.integer({ min: 1, max: 300 }),
}).map((l) => resolveBodyLimits(l));

function checkResult(v: unknown, l: BodyLimits, depth = 0): void {
  if (typeof v === 'string') return;
  assert.ok(typeof v === 'object' && v !== null, `unexpected leaf of type ${typeof v}`);
  assert.ok(depth <= l.maxDepth + 1, `containers nested ${depth} deep with maxDepth ${l.maxDepth}`);
  if (Array.isArray(v)) {
    for (const item of v) checkResult(item, l, depth + 1);
    return;
  }
  assert.equal(Object.getPrototypeOf(v), null, 'object container without a null prototype');
  for (const key of Object.keys(v)) {
    assert.ok(!['__proto__', 'constructor', 'prototype'].includes(key), `forbidden key ${key}`);
    checkResult((v as Record<string, unknown>)[key], l, depth + 1);
  }
}

function expectOnlyHttpErrors(run: () => unknown, l: BodyLimits): void {
  try {
    checkResult(run(), l);
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    assert.ok(err instanceof BadRequest || err instanceof RequestEntityTooLarge, `unexpected ${err instanceof Error ? err.stack : typeof err}`);
  }
}

test('property: parseUrlEncoded gives only safe results or 400/413, and never pollutes', () => {
  const snapshot = prototypeSnapshot();
  fc.assert(fc.property(query, limits, (q, l) => {
    expectOnlyHttpErrors(() => parseUrlEncoded(q, l), l);
    assert.deepEqual(prototypeSnapshot(), snapshot);
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
    assert.equal(({} as Record<string, unknown>).length, undefined);
  }), { numRuns: 3000 });
});

test('property: multipart field names (formFromPairs) follow the same rules', () => {
  const snapshot = prototypeSnapshot();
  const pairs = fc.array(fc.tuple(name.map((n) => { try { return decodeURIComponent(n); } catch { return n; } }), fc.string({ maxLength: 4 })), { maxLength: 12 });
  fc.assert(fc.property(pairs, limits, (p, l) => {
    expectOnlyHttpErrors(() => formFromPairs(p, l), l);
    assert.deepEqual(prototypeSnapshot(), snapshot);
  }), { numRuns: 3000 });
});

test('property: a name containing a forbidden segment is always refused', () => {
  const poisoned = fc.tuple(fc.array(segment, { maxLength: 4 }), fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.array(segment, { maxLength: 4 }), fc.constantFrom('[]', '.'))
    .map(([pre, bad, post, style]) => {
      const segs = [...pre.map((s) => s.replace(/[[\].&=%+]/g, '')), bad, ...post.map((s) => s.replace(/[[\].&=%+]/g, ''))];
      return style === '.' ? segs.join('.') : segs[0] + segs.slice(1).map((s) => `[${s}]`).join('');
    });
  fc.assert(fc.property(poisoned, (n) => {
    const l = resolveBodyLimits({ maxDepth: 20, maxFieldNameSize: 10_000 });
    assert.throws(() => parseUrlEncoded(`${n}=1`, l), BadRequest, n);
    assert.throws(() => formFromPairs([[n, '1']], l), BadRequest, n);
  }), { numRuns: 1000 });
});
