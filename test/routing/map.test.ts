import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_MATCH, RuleError, UrlMap } from '../../src/routing/index.ts';
import type { ConverterFactory, RouteMatch } from '../../src/routing/index.ts';

/** The matched rule and params, or the non-match kind, for compact assertions. */
function m(map: UrlMap, path: string, method = 'GET'): unknown {
  const r: RouteMatch = map.match(path, method);
  switch (r.kind) {
    case 'match':
      return { rule: r.rule.rule, params: { ...r.params } };
    case 'redirect':
      return { redirect: r.location };
    case 'method_not_allowed':
      return { allowed: r.allowed };
    case 'options':
      return { options: r.allowed };
    default:
      return r.kind;
  }
}

function mapOf(rules: string[], options: ConstructorParameters<typeof UrlMap>[0] = {}): UrlMap {
  const map = new UrlMap(options);
  rules.forEach((rule, i) => map.add(rule, { endpoint: `e${i}` }));
  return map;
}

describe('UrlMap.match: converters and params', () => {
  const map = mapOf([
    '/', '/users/<int:id>', '/files/<path:name>', '/<any(about,help):page>', '/u/<uuid:uid>',
    '/s/<string(minlength=2,maxlength=8):code>', '/p/<float(signed=true):x>', '/pair/<a>-<b>', '/v<int:n>/items', '/doc/<name>.json',
  ]);
  test('each converter', () => {
    assert.deepEqual(m(map, '/'), { rule: '/', params: {} });
    assert.deepEqual(m(map, '/users/42'), { rule: '/users/<int:id>', params: { id: 42 } });
    assert.deepEqual(m(map, '/files/a/b/c.txt'), { rule: '/files/<path:name>', params: { name: 'a/b/c.txt' } });
    assert.deepEqual(m(map, '/files/a%20b'), { rule: '/files/<path:name>', params: { name: 'a b' } });
    assert.deepEqual(m(map, '/help'), { rule: '/<any(about,help):page>', params: { page: 'help' } });
    assert.equal(m(map, '/nope'), 'not_found');
    assert.deepEqual(m(map, '/u/123E4567-E89B-12D3-A456-426614174000'), {
      rule: '/u/<uuid:uid>', params: { uid: '123e4567-e89b-12d3-a456-426614174000' },
    });
    assert.equal(m(map, '/s/a'), 'not_found');
    assert.deepEqual(m(map, '/s/ab'), { rule: '/s/<string(minlength=2,maxlength=8):code>', params: { code: 'ab' } });
    assert.equal(m(map, '/s/abcdefghi'), 'not_found');
    assert.deepEqual(m(map, '/p/-2.5'), { rule: '/p/<float(signed=true):x>', params: { x: -2.5 } });
    assert.equal(m(map, '/p/2'), 'not_found');
    assert.deepEqual(m(map, '/pair/x-y-z'), { rule: '/pair/<a>-<b>', params: { a: 'x', b: 'y-z' } });
    assert.deepEqual(m(map, '/pair/-x-y'), { rule: '/pair/<a>-<b>', params: { a: '-x', b: 'y' } });
    assert.equal(m(map, '/pair/x-'), 'not_found');
    assert.deepEqual(m(map, '/v2/items'), { rule: '/v<int:n>/items', params: { n: 2 } });
    assert.equal(m(map, '/v02/items'), 'not_found');
    assert.deepEqual(m(map, '/doc/a.b.json'), { rule: '/doc/<name>.json', params: { name: 'a.b' } });
    assert.equal(m(map, '/doc/.json'), 'not_found');
  });

  test('params is a fresh plain object with the converted values', () => {
    const a = map.match('/users/1', 'GET');
    const b = map.match('/users/1', 'GET');
    assert.ok(a.kind === 'match' && b.kind === 'match');
    assert.notEqual(a.params, b.params);
    assert.equal(Object.getPrototypeOf(a.params), Object.prototype);
    assert.equal(a.data, undefined);
    assert.equal(a.rule.endpoint, 'e1');
  });

  test('C02 table: only canonical numbers match', () => {
    const items = mapOf(['/items/<int:id>', '/price/<float:p>']);
    for (const path of [
      '/items/%D9%A3', '/items/1_000', '/items/+5', '/items/007', '/items/-0', '/items/-5', '/items/1e3',
      '/items/' + '9'.repeat(5000), '/items/9007199254740992', '/items/%EF%BC%91', '/items/%205',
      '/price/1' + '0'.repeat(400) + '.0', '/price/1', '/price/1.50', '/price/Infinity', '/price/NaN',
    ]) {
      assert.equal(m(items, path), 'not_found', path.slice(0, 40));
    }
    // An escape that need not be one redirects to the one spelling, but only when a rule matches
    // there (Werkzeug's rule): `+5` matches nothing, so its escaped spelling is a 404 too.
    assert.equal(m(items, '/items/%2B5'), 'not_found');
    assert.deepEqual(m(items, '/items/%34%32'), { redirect: '/items/42' });
    assert.deepEqual(m(items, '/items/42'), { rule: '/items/<int:id>', params: { id: 42 } });
    assert.deepEqual(m(items, '/price/1.5'), { rule: '/price/<float:p>', params: { p: 1.5 } });
  });

  test('a 5000-digit id is a fast 404, never an exception', () => {
    const items = mapOf(['/items/<int:id>']);
    const path = '/items/' + '9'.repeat(5000);
    const start = performance.now();
    for (let i = 0; i < 100; i++) assert.equal(items.match(path, 'GET').kind, 'not_found');
    assert.ok(performance.now() - start < 1000);
  });
});

describe('UrlMap.match: priority', () => {
  test('static beats converters, converters beat path, converters in registration order', () => {
    const map = mapOf(['/<path:p>', '/<name>', '/<int:id>', '/about', '/a/<x>/c', '/a/b/<y>']);
    assert.deepEqual(m(map, '/about'), { rule: '/about', params: {} });
    assert.deepEqual(m(map, '/42'), { rule: '/<name>', params: { name: '42' } });
    assert.deepEqual(m(map, '/x/y'), { rule: '/<path:p>', params: { p: 'x/y' } });
    // Static wins segment by segment; the walk backtracks when the static branch fails.
    assert.deepEqual(m(map, '/a/b/c'), { rule: '/a/b/<y>', params: { y: 'c' } });
    assert.deepEqual(m(map, '/a/z/c'), { rule: '/a/<x>/c', params: { x: 'z' } });
    assert.deepEqual(m(map, '/a/z/d'), { rule: '/<path:p>', params: { p: 'a/z/d' } });
  });

  test('int first when registered first', () => {
    const map = mapOf(['/<int:id>', '/<name>']);
    assert.deepEqual(m(map, '/42'), { rule: '/<int:id>', params: { id: 42 } });
    assert.deepEqual(m(map, '/x'), { rule: '/<name>', params: { name: 'x' } });
  });

  test('path followed by more segments is matched from the end; longer tails first', () => {
    const map = mapOf(['/files/<path:p>', '/files/<path:p>/edit', '/files/<path:p>/<int:rev>/raw']);
    assert.deepEqual(m(map, '/files/a/b/edit'), { rule: '/files/<path:p>/edit', params: { p: 'a/b' } });
    assert.deepEqual(m(map, '/files/a/b/3/raw'), { rule: '/files/<path:p>/<int:rev>/raw', params: { p: 'a/b', rev: 3 } });
    assert.deepEqual(m(map, '/files/a/b/x/raw'), { rule: '/files/<path:p>', params: { p: 'a/b/x/raw' } });
    assert.deepEqual(m(map, '/files/edit'), { rule: '/files/<path:p>', params: { p: 'edit' } });
    assert.equal(m(mapOf(['/files/<path:p>/edit']), '/files/edit'), 'not_found');
  });
});

describe('UrlMap.match: canonical path (C04)', () => {
  const map = mapOf(['/admin/x', '/<path:p>', '/<a>/<b>/<c>']);
  for (const path of ['//admin/x', '/./admin/x', '/x/../admin/x', '/x/%2e%2e/admin/x', '/%2E/admin/x', '/admin//x']) {
    test(`${path} redirects to /admin/x and matches nothing else`, () => {
      assert.deepEqual(m(map, path), { redirect: '/admin/x' });
      assert.deepEqual(m(map, '/admin/x'), { rule: '/admin/x', params: {} });
    });
  }
  test('an encoded separator never reaches string or path converters', () => {
    const files = mapOf(['/static/<path:f>', '/u/<name>', '/a%2Fb']);
    assert.equal(m(files, '/static/..%2Fsecret'), 'not_found');
    assert.equal(m(files, '/static/a/..%5Csecret'), 'not_found');
    assert.equal(m(files, '/static/a\\b'), 'not_found');
    assert.equal(m(files, '/u/a%2Fb'), 'not_found');
    assert.equal(m(files, '/u/a%5Cb'), 'not_found');
    // A static rule may still spell a literal "%2F"-free text; "/a%2Fb" in a rule is literal text.
    assert.deepEqual(m(files, '/a%252Fb'), { rule: '/a%2Fb', params: {} });
  });
  test('malformed encoding is invalid', () => {
    assert.equal(m(map, '/admin/%zz'), 'invalid');
    assert.equal(m(map, '/admin/%00'), 'invalid');
    assert.equal(m(map, 'admin'), 'invalid');
  });
});

describe('UrlMap.match: slashes', () => {
  test('strict slashes: /items → 308 /items/ (any method; a missing one is 405 there), /thing/ → 404', () => {
    const map = new UrlMap();
    map.add('/items/', { endpoint: 'items', methods: ['GET', 'POST'] });
    map.add('/thing', { endpoint: 'thing' });
    map.add('/u/<name>/', { endpoint: 'u' });
    assert.deepEqual(m(map, '/items'), { redirect: '/items/' });
    assert.deepEqual(m(map, '/items', 'POST'), { redirect: '/items/' });
    assert.deepEqual(m(map, '/items', 'DELETE'), { redirect: '/items/' }, 'then 405 at the canonical URL');
    assert.deepEqual(m(map, '/items/'), { rule: '/items/', params: {} });
    assert.equal(m(map, '/thing/'), 'not_found');
    assert.deepEqual(m(map, '/u/bob'), { redirect: '/u/bob/' });
    assert.deepEqual(m(map, '/u/b%20b'), { redirect: '/u/b%20b/' });
  });

  test('strictSlashes: false matches both spellings without a redirect', () => {
    const map = new UrlMap({ strictSlashes: false });
    map.add('/items/', { endpoint: 'items' });
    map.add('/thing', { endpoint: 'thing' });
    assert.deepEqual(m(map, '/items'), { rule: '/items/', params: {} });
    assert.deepEqual(m(map, '/thing/'), { rule: '/thing', params: {} });
    const mixed = new UrlMap();
    mixed.add('/a/', { endpoint: 'a', strictSlashes: false });
    mixed.add('/b/', { endpoint: 'b' });
    assert.deepEqual(m(mixed, '/a'), { rule: '/a/', params: {} });
    assert.deepEqual(m(mixed, '/b'), { redirect: '/b/' });
  });

  test('an exact rule beats the trailing-slash alternative', () => {
    const map = mapOf(['/x', '/x/']);
    assert.deepEqual(m(map, '/x'), { rule: '/x', params: {} });
    assert.deepEqual(m(map, '/x/'), { rule: '/x/', params: {} });
  });
});

describe('UrlMap.match: methods', () => {
  const map = new UrlMap();
  map.add('/thing', { endpoint: 'thing' });
  map.add('/thing', { endpoint: 'thing_post', methods: ['POST'] });
  map.add('/own', { endpoint: 'own', methods: ['GET', 'OPTIONS'] });
  map.add('/n/<int:id>', { endpoint: 'n', methods: ['PUT'] });
  map.add('/n/<name>', { endpoint: 'nn', methods: ['DELETE'] });

  test('HEAD is routed to GET rules', () => {
    assert.deepEqual(m(map, '/thing', 'HEAD'), { rule: '/thing', params: {} });
    assert.deepEqual(map.rules()[0]!.methods, ['GET', 'HEAD']);
  });

  test('405 lists every method of every rule matching the path, sorted, with OPTIONS', () => {
    assert.deepEqual(m(map, '/thing', 'DELETE'), { allowed: ['GET', 'HEAD', 'OPTIONS', 'POST'] });
    assert.deepEqual(m(map, '/n/5', 'GET'), { allowed: ['DELETE', 'OPTIONS', 'PUT'] });
    assert.deepEqual(m(map, '/n/x', 'GET'), { allowed: ['DELETE', 'OPTIONS'] });
    assert.deepEqual(m(map, '/thing', 'get'), { allowed: ['GET', 'HEAD', 'OPTIONS', 'POST'] });
    assert.deepEqual(m(map, '/thing', '__proto__'), { allowed: ['GET', 'HEAD', 'OPTIONS', 'POST'] });
  });

  test('a later rule with the right method wins over a 405', () => {
    assert.deepEqual(m(map, '/n/5', 'DELETE'), { rule: '/n/<name>', params: { name: '5' } });
  });

  test('OPTIONS is answered automatically unless the rule declares it', () => {
    assert.deepEqual(m(map, '/thing', 'OPTIONS'), { options: ['GET', 'HEAD', 'OPTIONS', 'POST'] });
    assert.deepEqual(m(map, '/n/5', 'OPTIONS'), { options: ['DELETE', 'OPTIONS', 'PUT'] });
    assert.deepEqual(m(map, '/own', 'OPTIONS'), { rule: '/own', params: {} });
    assert.equal(m(map, '/missing', 'OPTIONS'), 'not_found');
  });
});

describe('UrlMap.add: validation', () => {
  test('duplicate rule + method, HEAD included, variable names ignored', () => {
    const map = new UrlMap();
    map.add('/u/<int:id>', { endpoint: 'u' });
    assert.throws(() => map.add('/u/<int:id>', { endpoint: 'u2' }), (e: unknown) => e instanceof RuleError && /GET is already routed by "\/u\/<int:id>"/.test(e.message));
    assert.throws(() => map.add('/u/<int:uid>', { endpoint: 'u3' }), /already routed/);
    assert.throws(() => map.add('/u/<int:id>', { endpoint: 'u4', methods: ['HEAD'] }), /HEAD is already routed/);
    map.add('/u/<int:id>', { endpoint: 'u5', methods: ['POST'] });
    map.add('/u/<int(min=1):id>', { endpoint: 'u6' });
    map.add('/u/<int:id>/', { endpoint: 'u7' });
  });

  test('one endpoint on several rules needs the same variable names', () => {
    const map = new UrlMap();
    map.add('/a/<int:id>', { endpoint: 'e' });
    map.add('/b/<id>', { endpoint: 'e' });
    assert.throws(() => map.add('/c/<other>', { endpoint: 'e' }), /endpoint "e" is already used by "\/a\/<int:id>" with other variables/);
    assert.throws(() => map.add('/d', { endpoint: 'e' }), RuleError);
  });

  test('methods must be upper-case tokens; endpoint non-empty', () => {
    const map = new UrlMap();
    assert.throws(() => map.add('/x', { endpoint: 'x', methods: ['get'] }), /upper-case/);
    assert.throws(() => map.add('/x', { endpoint: 'x', methods: ['GE T'] }), /upper-case/);
    assert.throws(() => map.add('/x', { endpoint: 'x', methods: [] }), /must not be empty/);
    assert.throws(() => map.add('/x', { endpoint: '' }), /endpoint/);
  });

  test('rules() lists rules in registration order, frozen', () => {
    const map = new UrlMap<{ view: string }>();
    map.add('/b', { endpoint: 'b', methods: ['POST', 'GET'], data: { view: 'B' } });
    map.add('/a/<x>', { endpoint: 'a', data: { view: 'A' } });
    const rules = map.rules();
    assert.deepEqual(rules.map((r) => [r.rule, r.endpoint, r.methods, r.data.view, r.variables]), [
      ['/b', 'b', ['GET', 'HEAD', 'POST'], 'B', []],
      ['/a/<x>', 'a', ['GET', 'HEAD'], 'A', ['x']],
    ]);
    assert.ok(Object.isFrozen(rules[0]));
    const match = map.match('/a/1', 'GET');
    assert.ok(match.kind === 'match');
    assert.equal(match.data.view, 'A');
    assert.equal(match.rule, rules[1]);
  });
});

describe('UrlMap: custom converters', () => {
  const hex: ConverterFactory = (args) => {
    if (args.positional.length > 0) throw new Error('hex() takes no arguments');
    return {
      toValue: (piece) => (/^[0-9a-f]{1,12}$/.test(piece) ? parseInt(piece, 16) : NO_MATCH),
      toUrl: (value) => (value as number).toString(16),
    };
  };
  test('registered by name, used in rules, matched and built', () => {
    const map = new UrlMap({ converters: { hex } });
    map.add('/c/<hex:id>', { endpoint: 'c' });
    assert.deepEqual(m(map, '/c/ff'), { rule: '/c/<hex:id>', params: { id: 255 } });
    assert.equal(m(map, '/c/zz'), 'not_found');
    assert.equal(map.build('c', { id: 255 }), '/c/ff');
    assert.throws(() => map.add('/d/<hex(1):id>', { endpoint: 'd' }), /hex\(1\): hex\(\) takes no arguments/);
  });
  test('may replace a built-in; bad names are refused', () => {
    const map = new UrlMap({ converters: { int: hex } });
    map.add('/c/<int:id>', { endpoint: 'c' });
    assert.deepEqual(m(map, '/c/a'), { rule: '/c/<int:id>', params: { id: 10 } });
    assert.throws(() => new UrlMap({ converters: { 'a-b': hex } }), RuleError);
  });
  test('a custom converter output that would not match back is a BuildError', () => {
    const sloppy: ConverterFactory = () => ({ toValue: (p) => p, toUrl: (v) => String(v) });
    const map = new UrlMap({ converters: { sloppy } });
    map.add('/s/<sloppy:x>', { endpoint: 's' });
    for (const bad of ['a/b', 'a?b', '..', 'a b', '%zz']) assert.throws(() => map.build('s', { x: bad }), /Could not build/, bad);
    assert.equal(map.build('s', { x: 'ok' }), '/s/ok');
  });
});

describe('UrlMap: user-supplied strings never reach inherited properties', () => {
  const map = mapOf(['/x', '/<any(a,b):k>', '/s/<name>']);
  for (const segment of ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__']) {
    test(segment, () => {
      assert.equal(m(map, `/${segment}`), 'not_found');
      assert.deepEqual(m(map, `/s/${segment}`), { rule: '/s/<name>', params: { name: segment } });
      const r = map.match(`/s/${segment}`, 'GET');
      assert.ok(r.kind === 'match');
      assert.equal(Object.getPrototypeOf(r.params), Object.prototype);
      assert.equal(Object.keys(r.params).length, 1);
    });
  }
  test('the static fast path is a Map too', () => {
    assert.equal(m(map, '/__proto__'), 'not_found');
    assert.equal(m(map, '/constructor'), 'not_found');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

test('a non-canonical path redirects only to a canonical path that a rule answers', () => {
  const map = mapOf(['/a/b', '/dir/']);
  assert.deepEqual(m(map, '//a//b'), { redirect: '/a/b' });
  assert.deepEqual(m(map, '/a/./b'), { redirect: '/a/b' });
  assert.deepEqual(m(map, '/x/../a/b'), { redirect: '/a/b' });
  // The canonical path's own slash redirect is taken at once: one hop.
  assert.deepEqual(m(map, '//dir'), { redirect: '/dir/' });
  for (const path of ['//nothing', '/a/./c', '/x/../../zzz', '//a//b//c']) assert.equal(m(map, path), 'not_found', path);
});
