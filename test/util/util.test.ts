// Shared helpers: message quoting and the name grammars.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { quote, QUOTE_MAX_LENGTH } from '../../src/util/quote.ts';
import { ENDPOINT_NAME, IDENTIFIER, SQL_NAME, SQL_QUALIFIED_NAME } from '../../src/util/identifier.ts';

describe('quote', () => {
  it('JSON-quotes strings, so controls show escaped and a message stays on one line', () => {
    assert.equal(quote('a\r\nb'), '"a\\r\\nb"');
    assert.equal(quote('\u0000'), '"\\u0000"');
  });

  it('cuts long values with …', () => {
    assert.equal(quote('x'.repeat(QUOTE_MAX_LENGTH + 5)), JSON.stringify('x'.repeat(QUOTE_MAX_LENGTH) + '…'));
    assert.equal(quote('abcdef', 3), '"abc…"');
    assert.equal(quote([1, 2, 3, 4], 4), '[1,2…');
  });

  it('shows other values as JSON, or as String() when JSON cannot, and never throws', () => {
    assert.equal(quote(5), '5');
    assert.equal(quote(null), 'null');
    assert.equal(quote(undefined), 'undefined');
    assert.equal(quote(['a']), '["a"]');
    assert.equal(quote(10n), '10');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.equal(quote(cyclic), '[object Object]');
    assert.equal(quote(Object.create(null)), '{}');
    const weird = Object.create(null) as Record<string, unknown>;
    weird.self = weird;
    assert.equal(quote(weird), '[object Object]');
  });
});

describe('name grammars', () => {
  it('accepts ASCII identifiers only', () => {
    for (const ok of ['a', '_x', 'snake_case9']) assert.ok(IDENTIFIER.test(ok), ok);
    for (const bad of ['', '9a', 'a-b', 'a.b', 'é', 'a b', 'a\n']) assert.ok(!IDENTIFIER.test(bad), JSON.stringify(bad));
  });

  it('lets endpoint names hold "-" but never "."', () => {
    assert.ok(ENDPOINT_NAME.test('list-notes'));
    assert.ok(!ENDPOINT_NAME.test('api.notes'));
  });

  it('caps SQL names at 63 characters and allows one schema qualifier', () => {
    assert.ok(SQL_NAME.test('a'.repeat(63)));
    assert.ok(!SQL_NAME.test('a'.repeat(64)));
    assert.ok(SQL_QUALIFIED_NAME.test('app.sessions'));
    assert.ok(!SQL_QUALIFIED_NAME.test('a.b.c'));
    assert.ok(!SQL_NAME.test('app.sessions'));
  });
});
