import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toPlainData } from '../../src/templates/index.ts';
import { MAX_PLAIN_DATA_DEPTH } from '../../src/templates/plain-data.ts';

describe('toPlainData', () => {
  it('copies JSON-like data into fresh objects', () => {
    const src = { s: 'x', n: 1.5, b: true, z: null, u: undefined, list: [1, { a: [2] }], nested: { k: 'v' } };
    const out = toPlainData(src);
    assert.deepEqual(out, src);
    assert.notEqual(out, src);
    assert.notEqual((out as { nested: object }).nested, src.nested);
  });

  it('accepts null-prototype objects and turns Dates into ISO strings', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    assert.deepEqual(toPlainData({ bare, at: new Date(0) }), { bare: { a: 1 }, at: '1970-01-01T00:00:00.000Z' });
  });

  it('reads accessors once and ignores symbol keys', () => {
    let reads = 0;
    const src = {
      get v() {
        reads++;
        return 'got';
      },
      [Symbol('hidden')]: 1,
    };
    assert.deepEqual(toPlainData(src), { v: 'got' });
    assert.equal(reads, 1);
  });

  it('keeps __proto__ keys as data', () => {
    const out = toPlainData(JSON.parse('{"__proto__": {"x": 1}}')) as Record<string, unknown>;
    assert.ok(Object.hasOwn(out, '__proto__'));
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
  });

  it('refuses what is not plain data, naming the path', () => {
    assert.throws(() => toPlainData({ a: [() => 1] }), /context\.a\[0\] is a function/);
    assert.throws(() => toPlainData({ s: Symbol('x') }), /is a symbol/);
    assert.throws(() => toPlainData({ n: 1n }), /is a bigint/);
    assert.throws(() => toPlainData({ d: new Date(Number.NaN) }), /invalid Date/);
    assert.throws(() => toPlainData({ b: Buffer.from('x') }), /instance of Buffer/);
    assert.throws(() => toPlainData({ r: /x/ }), /instance of RegExp/);
  });

  it('refuses cycles and excessive depth, but allows shared sub-objects', () => {
    const shared = { v: 1 };
    assert.deepEqual(toPlainData({ a: shared, b: shared }), { a: { v: 1 }, b: { v: 1 } });
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    assert.throws(() => toPlainData({ cyclic }), /circular/);
    let deep: unknown = 'leaf';
    for (let i = 0; i < MAX_PLAIN_DATA_DEPTH + 1; i++) deep = [deep];
    assert.throws(() => toPlainData({ deep }), /nested deeper/);
  });

  it('bounds the number of values copied', () => {
    // 2^21 paths through a DAG of 21 levels: refused instead of copied exponentially.
    let dag: unknown = 'x';
    for (let i = 0; i < 21; i++) dag = { l: dag, r: dag };
    assert.throws(() => toPlainData({ dag }), /values in total/);
  });
});
