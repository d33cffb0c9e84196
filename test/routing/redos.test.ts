// Case C01: several variables in one segment must not make matching super-linear.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UrlMap } from '../../src/routing/index.ts';

function c01Map(): UrlMap {
  const map = new UrlMap();
  map.add('/<a>-<b>', { endpoint: 'two' });
  map.add('/<a>-<b>-<c>', { endpoint: 'three' });
  map.add('/<a>-<b>-<c>.json', { endpoint: 'three_json' });
  map.add('/<a>.<b>.<c>.<d>', { endpoint: 'four' });
  map.add('/health', { endpoint: 'health' });
  return map;
}

/** `/a-a-…-a/a`: matches the first segment of the rules, then fails at the end. */
function nearMiss(n: number): string {
  return '/a' + '-a'.repeat(n) + '/a';
}

function medianMs(fn: () => void, runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)]!;
}

test('C01: ~6 KB and ~16 KB near-miss paths are a 404 in well under 100 ms', () => {
  const map = c01Map();
  for (const n of [3000, 8000]) {
    const path = nearMiss(n);
    const start = performance.now();
    const result = map.match(path, 'GET');
    const elapsed = performance.now() - start;
    assert.equal(result.kind, 'not_found', `n=${n}`);
    assert.ok(elapsed < 100, `n=${n} took ${elapsed.toFixed(1)} ms`);
  }
  assert.equal(map.match('/health', 'GET').kind, 'match');
});

test('C01: the split is deterministic (first separator); the rule with more static text wins', () => {
  const map = c01Map();
  const r = map.match('/x-y-z', 'GET');
  assert.ok(r.kind === 'match');
  assert.equal(r.rule.endpoint, 'three', 'more static text wins, whatever the registration order');
  assert.deepEqual(r.params, { a: 'x', b: 'y', c: 'z' });
  const two = map.match('/x-y', 'GET');
  assert.ok(two.kind === 'match');
  assert.equal(two.rule.endpoint, 'two');
  assert.deepEqual(two.params, { a: 'x', b: 'y' });
  const json = map.match('/x-y-z.json', 'GET');
  assert.ok(json.kind === 'match');
  assert.equal(json.rule.endpoint, 'three_json');
  assert.deepEqual(json.params, { a: 'x', b: 'y', c: 'z' });
});

test('C01: matching time grows at most about linearly (n=8000 vs n=1000)', () => {
  const map = c01Map();
  const small = nearMiss(1000);
  const large = nearMiss(8000);
  const repeat = (path: string) => () => {
    for (let i = 0; i < 20; i++) map.match(path, 'GET');
  };
  // Warm up both sizes so the JIT state is the same for each measurement.
  repeat(small)();
  repeat(large)();
  const tSmall = medianMs(repeat(small), 25);
  const tLarge = medianMs(repeat(large), 25);
  const ratio = tLarge / Math.max(tSmall, 0.001);
  // 8x the input: linear gives ~8; a quadratic matcher gives ~64, cubic ~512. Generous bound.
  assert.ok(ratio < 30, `n=1000: ${tSmall.toFixed(3)} ms, n=8000: ${tLarge.toFixed(3)} ms, ratio ${ratio.toFixed(1)}`);
});

test('a path with thousands of segments is matched without deep recursion or slowdown', () => {
  const map = new UrlMap();
  map.add('/static/<path:f>', { endpoint: 'static' });
  map.add('/files/<path:p>/edit', { endpoint: 'edit' });
  map.add('/<a>/<b>/<c>', { endpoint: 'three' });
  const many = 'a/'.repeat(8000) + 'z';
  const start = performance.now();
  const r = map.match('/static/' + many, 'GET');
  assert.ok(r.kind === 'match');
  assert.equal((r.params.f as string).length, many.length);
  assert.equal(map.match('/files/' + many + '/edit', 'GET').kind, 'match');
  assert.equal(map.match('/files/' + many + '/nope', 'GET').kind, 'not_found');
  assert.equal(map.match('/x/' + many, 'GET').kind, 'not_found');
  assert.ok(performance.now() - start < 100);
});
