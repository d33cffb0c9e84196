// Property-based tests: build ∘ match is the identity, and match never throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BuildError, UrlMap, canonicalPath } from '../../src/routing/index.ts';

function makeMap(): UrlMap {
  const map = new UrlMap();
  map.add('/i/<int:n>', { endpoint: 'int' });
  map.add('/si/<int(signed=true):n>', { endpoint: 'signed' });
  map.add('/fx/<int(fixed_digits=5):n>', { endpoint: 'fixed' });
  map.add('/fl/<float(signed=true):x>', { endpoint: 'float' });
  map.add('/s/<name>', { endpoint: 'string' });
  map.add('/p/<path:p>', { endpoint: 'path' });
  map.add('/p2/<path:p>/end', { endpoint: 'path_tail' });
  map.add('/pair/<a>-<b>', { endpoint: 'pair' });
  map.add('/u/<uuid:u>', { endpoint: 'uuid' });
  return map;
}

/** Segment text that a string converter can carry: no "/", "\", NUL, not "." or "..". */
const segmentText = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
  .filter((s) => !/[/\\\0]/.test(s) && s !== '.' && s !== '..');
const pathText = fc.array(segmentText, { minLength: 1, maxLength: 5 }).map((parts) => parts.join('/'));

function roundTrip(map: UrlMap, endpoint: string, values: Record<string, unknown>): void {
  const url = map.build(endpoint, values);
  const r = map.match(url, 'GET');
  assert.equal(r.kind, 'match', `${url} should match`);
  if (r.kind !== 'match') return;
  assert.equal(r.rule.endpoint, endpoint, url);
  assert.deepEqual({ ...r.params }, values, url);
}

test('property: build then match gives back int values', () => {
  const map = makeMap();
  fc.assert(fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (n) => roundTrip(map, 'int', { n })));
  fc.assert(fc.property(fc.maxSafeInteger(), (n) => roundTrip(map, 'signed', { n: n === 0 ? 0 : n })));
  fc.assert(fc.property(fc.integer({ min: 0, max: 99_999 }), (n) => roundTrip(map, 'fixed', { n })));
});

test('property: build then match gives back float values', () => {
  const map = makeMap();
  fc.assert(
    fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => roundTrip(map, 'float', { x: x === 0 ? 0 : x })),
  );
});

test('property: build then match gives back string, path, pair and uuid values', () => {
  const map = makeMap();
  fc.assert(fc.property(segmentText, (name) => roundTrip(map, 'string', { name })));
  fc.assert(fc.property(pathText, (p) => roundTrip(map, 'path', { p })));
  fc.assert(fc.property(pathText, (p) => roundTrip(map, 'path_tail', { p })));
  fc.assert(fc.property(fc.uuid(), (u) => roundTrip(map, 'uuid', { u })));
  fc.assert(
    fc.property(segmentText, segmentText, (a, b) => {
      try {
        roundTrip(map, 'pair', { a, b });
      } catch (err) {
        // A first value containing the separator cannot be matched back; building says so.
        assert.ok(err instanceof BuildError && a.includes('-'), String(err));
      }
    }),
  );
});

test('property: building arbitrary strings either fails with BuildError or round-trips', () => {
  const map = makeMap();
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 20 }), (s) => {
      for (const [endpoint, key] of [['string', 'name'], ['path', 'p']] as const) {
        try {
          roundTrip(map, endpoint, { [key]: s });
        } catch (err) {
          assert.ok(err instanceof BuildError, `${JSON.stringify(s)}: ${String(err)}`);
        }
      }
    }),
  );
});

test('property: match and canonicalPath never throw on arbitrary input', () => {
  const map = makeMap();
  const chars = fc.constantFrom('/', '%', '.', '\\', '-', 'a', '0', '2', 'e', 'F', 'f', '5', 'C', '\0', ' ', 'é', '?');
  const pathLike = fc.array(chars, { maxLength: 40 }).map((a) => a.join(''));
  const method = fc.constantFrom('GET', 'POST', 'OPTIONS', 'HEAD', '__proto__', 'get');
  fc.assert(
    fc.property(fc.oneof(pathLike, fc.string({ unit: 'binary', maxLength: 60 })), method, (path, m) => {
      const c = canonicalPath(path);
      const r = map.match(path, m);
      assert.ok(['match', 'redirect', 'not_found', 'invalid', 'method_not_allowed', 'options'].includes(r.kind));
      if (r.kind === 'redirect' && !c.ok) {
        // Canonical redirects point at a canonical path that never starts with "//" or "/\".
        assert.equal(canonicalPath(r.location).ok, true, r.location);
        assert.ok(!/^\/[/\\]/.test(r.location), r.location);
      }
    }),
    { numRuns: 2000 },
  );
});
