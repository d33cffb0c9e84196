import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BuildError, UrlMap } from '../../src/routing/index.ts';

function buildError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof BuildError, `expected BuildError, got ${String(err)}`);
    assert.equal(err.name, 'BuildError');
    assert.match(err.message, pattern);
    return true;
  });
}

describe('UrlMap.build', () => {
  const map = new UrlMap();
  map.add('/', { endpoint: 'index' });
  map.add('/u/<int:id>', { endpoint: 'u' });
  map.add('/p/<path:p>', { endpoint: 'p' });
  map.add('/s/<name>/', { endpoint: 's' });
  map.add('/caf\u00e9 menu', { endpoint: 'menu' });
  map.add('/<any(about,help):page>', { endpoint: 'page' });
  map.add('/pair/<a>-<b>.<int:n>', { endpoint: 'pair' });
  map.add('/f/<int(fixed_digits=4):n>', { endpoint: 'fixed' });
  map.add('/x/<float:x>', { endpoint: 'float' });
  map.add('/id/<uuid:id>', { endpoint: 'uuid' });

  test('paths, percent-encoded', () => {
    assert.equal(map.build('index'), '/');
    assert.equal(map.build('u', { id: 3 }), '/u/3');
    assert.equal(map.build('p', { p: 'a/b c' }), '/p/a/b%20c');
    assert.equal(map.build('s', { name: 'é' }), '/s/%C3%A9/');
    assert.equal(map.build('menu'), '/caf%C3%A9%20menu');
    assert.equal(map.build('page', { page: 'help' }), '/help');
    assert.equal(map.build('pair', { a: 'x', b: 'y-z', n: 5 }), '/pair/x-y-z.5');
    assert.equal(map.build('fixed', { n: 7 }), '/f/0007');
    assert.equal(map.build('float', { x: 2 }), '/x/2.0');
    assert.equal(map.build('uuid', { id: '123E4567-E89B-12D3-A456-426614174000' }), '/id/123e4567-e89b-12d3-a456-426614174000');
  });

  test('built paths match back to the same rule and values', () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ['u', { id: 3 }], ['p', { p: 'a/b c/é' }], ['s', { name: "x y!$&'()*+,;=:@" }], ['pair', { a: 'x', b: 'y-z', n: 5 }],
      ['fixed', { n: 42 }], ['float', { x: 0.1 }], ['menu', {}],
    ];
    for (const [endpoint, values] of cases) {
      const url = map.build(endpoint, values);
      const r = map.match(url, 'GET');
      assert.ok(r.kind === 'match', `${url} matches`);
      assert.equal(r.rule.endpoint, endpoint);
      assert.deepEqual(r.params, values);
    }
  });

  test('values that are not variables become the query string (x+y spelling)', () => {
    assert.equal(map.build('u', { id: 3, q: 'x y' }), '/u/3?q=x+y');
    assert.equal(map.build('u', { id: 3, tag: ['a', 'b&c'], n: 1, t: true, big: 2n }), '/u/3?tag=a&tag=b%26c&n=1&t=true&big=2');
    assert.equal(map.build('u', { id: 3, skip: undefined, none: null, arr: [null, 'k', undefined] }), '/u/3?arr=k');
    assert.equal(map.build('u', { id: 3, tag: [] }), '/u/3');
    assert.equal(map.build('u', { id: 3, 'é&=': 'é&=' }), '/u/3?%C3%A9%26%3D=%C3%A9%26%3D');
    buildError(() => map.build('u', { id: 3, q: { a: 1 } }), /query value for "q" must be/);
    buildError(() => map.build('u', { id: 3, q: [{}] }), /query value for "q"/);
    buildError(() => map.build('u', { id: 3, q: NaN }), /query value for "q"/);
  });

  test('BuildError names the endpoint and what is missing or invalid', () => {
    buildError(() => map.build('nope'), /endpoint "nope": no rule has this endpoint/);
    buildError(() => map.build('u'), /endpoint "u": "\/u\/<int:id>" needs "id"/);
    buildError(() => map.build('u', { id: null }), /needs "id"/);
    buildError(() => map.build('u', { id: -1 }), /invalid value for "id"/);
    buildError(() => map.build('u', { id: '07' }), /invalid value for "id"/);
    buildError(() => map.build('u', { id: 1.5 }), /invalid value for "id"/);
    buildError(() => map.build('page', { page: 'nope' }), /invalid value for "page" \(any: value must be one of "about", "help"\)/);
    buildError(() => map.build('p', { p: '../etc' }), /invalid value for "p"/);
    buildError(() => map.build('p', { p: 'a//b' }), /invalid value for "p"/);
    buildError(() => map.build('s', { name: 'a/b' }), /invalid value for "name"/);
    buildError(() => map.build('s', { name: '..' }), /invalid value for "name"/);
    buildError(() => map.build('pair', { a: 'x-y', b: 'z', n: 1 }), /value of "a" contains "-"/);
    buildError(() => map.build('fixed', { n: 12345 }), /invalid value for "n"/);
    buildError(() => map.build('float', { x: Infinity }), /invalid value for "x"/);
  });

  test('inherited properties of the values object do not count as values', () => {
    const m = new UrlMap();
    m.add('/c/<constructor>', { endpoint: 'c' });
    buildError(() => m.build('c', {}), /needs "constructor"/);
    assert.equal(m.build('c', { constructor: 'x' }), '/c/x');
  });

  test('rules of one endpoint: registration order, fallback, method filter', () => {
    const m = new UrlMap();
    m.add('/list/<int:page>', { endpoint: 'list_page' });
    m.add('/a', { endpoint: 'a', methods: ['GET'] });
    m.add('/b', { endpoint: 'a', methods: ['POST'] });
    m.add('/v/<int:id>', { endpoint: 'v' });
    m.add('/v/<id>/', { endpoint: 'v' });
    assert.equal(m.build('v', { id: 2 }), '/v/2');
    assert.equal(m.build('v', { id: 'x' }), '/v/x/', 'the next rule of the endpoint takes a value the first refuses');
    assert.equal(m.build('list_page', { page: 2, q: 1 }), '/list/2?q=1');
    assert.equal(m.build('a'), '/a');
    assert.equal(m.build('a', {}, { method: 'POST' }), '/b');
    assert.equal(m.build('a', {}, { method: 'HEAD' }), '/a');
    buildError(() => m.build('a', {}, { method: 'DELETE' }), /does not accept DELETE/);
  });
});
