import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NO_MATCH,
  anyConverter,
  floatConverter,
  intConverter,
  pathConverter,
  stringConverter,
  uuidConverter,
} from '../../src/routing/converters.ts';
import type { Converter, ConverterFactory } from '../../src/routing/converters.ts';
import { formatFloat } from '../../src/routing/numbers.ts';

function make(factory: ConverterFactory, keyword: Record<string, unknown> = {}, positional: unknown[] = []): Converter {
  return factory({ positional, keyword: Object.assign(Object.create(null) as Record<string, unknown>, keyword) });
}

function table(c: Converter, rows: Array<[string, unknown]>): void {
  for (const [piece, expected] of rows) {
    assert.equal(c.toValue(piece), expected, `toValue(${JSON.stringify(piece.length > 40 ? piece.slice(0, 40) + '…' : piece)})`);
  }
}

describe('string', () => {
  test('default: any non-empty segment text, but never an encoded separator', () => {
    const c = make(stringConverter);
    table(c, [['a', 'a'], ['héllo wörld', 'héllo wörld'], ['a/b', NO_MATCH], ['a\\b', NO_MATCH]]);
    assert.equal(c.toUrl('a b'), 'a%20b');
  });

  test('minlength, maxlength and length count code points', () => {
    const c = make(stringConverter, { minlength: 2, maxlength: 3 });
    table(c, [['a', NO_MATCH], ['ab', 'ab'], ['abc', 'abc'], ['abcd', NO_MATCH], ['😀😀', '😀😀'], ['😀😀😀😀', NO_MATCH]]);
    const fixed = make(stringConverter, { length: 2 });
    table(fixed, [['a', NO_MATCH], ['ab', 'ab'], ['abc', NO_MATCH], ['é😀', 'é😀']]);
    const positional = make(stringConverter, {}, [2]);
    table(positional, [['a', NO_MATCH], ['ab', 'ab']]);
    const unbounded = make(stringConverter, { maxlength: null });
    assert.equal(unbounded.toValue('x'.repeat(10_000)), 'x'.repeat(10_000));
  });

  test('toUrl encodes "/" and everything outside the safe set, and validates', () => {
    const c = make(stringConverter, { maxlength: 5 });
    assert.equal(make(stringConverter).toUrl("a b!$&'()*+,:;=@~"), "a%20b!$&'()*+,:;=@~");
    assert.equal(make(stringConverter).toUrl('é?#%'), '%C3%A9%3F%23%25');
    assert.equal(make(stringConverter).toUrl(42), '42');
    assert.throws(() => make(stringConverter).toUrl('a/b'), RangeError);
    assert.throws(() => make(stringConverter).toUrl('a\\b'), RangeError);
    assert.throws(() => make(stringConverter).toUrl('..'), RangeError);
    assert.throws(() => make(stringConverter).toUrl(''), RangeError);
    assert.throws(() => make(stringConverter).toUrl({}), TypeError);
    assert.throws(() => make(stringConverter).toUrl(null), TypeError);
    assert.throws(() => c.toUrl('abcdef'), /length/);
    assert.throws(() => make(stringConverter).toUrl('\ud800'), URIError);
  });
});

describe('any', () => {
  const c = make(anyConverter, {}, ['about', 'help', 'foo,bar', 2]);
  test('matches exactly one item, case-sensitive', () => {
    table(c, [['about', 'about'], ['help', 'help'], ['foo,bar', 'foo,bar'], ['2', '2'], ['About', NO_MATCH], ['abou', NO_MATCH], ['__proto__', NO_MATCH], ['constructor', NO_MATCH]]);
  });
  test('toUrl only accepts items', () => {
    assert.equal(c.toUrl('foo,bar'), 'foo,bar');
    assert.throws(() => c.toUrl('nope'), /one of "about", "help", "foo,bar", "2"/);
    assert.throws(() => c.toUrl(2), RangeError);
  });
});

describe('path', () => {
  const c = make(pathConverter);
  test('matches joined segments; a backslash never', () => {
    assert.equal(c.spansSegments, true);
    table(c, [['a', 'a'], ['a/b/c.txt', 'a/b/c.txt'], ['a\\b', NO_MATCH], ['', NO_MATCH]]);
  });
  test('toUrl keeps "/" and refuses values that could not match back', () => {
    assert.equal(c.toUrl('a/b c'), 'a/b%20c');
    assert.equal(c.toUrl('a/é:@'), 'a/%C3%A9:@');
    for (const bad of ['', '/a', 'a/', 'a//b', 'a/../b', './a', 'a\\b', 'a\0b']) {
      assert.throws(() => c.toUrl(bad), RangeError, JSON.stringify(bad));
    }
  });
});

describe('uuid', () => {
  const c = make(uuidConverter);
  test('8-4-4-4-12 hex digits of either case, value lower-cased', () => {
    table(c, [
      ['123e4567-e89b-12d3-a456-426614174000', '123e4567-e89b-12d3-a456-426614174000'],
      ['123E4567-E89B-12D3-A456-426614174000', '123e4567-e89b-12d3-a456-426614174000'],
      ['123e4567e89b12d3a456426614174000', NO_MATCH],
      ['123e4567-e89b-12d3-a456-42661417400g', NO_MATCH],
      ['{123e4567-e89b-12d3-a456-426614174000}', NO_MATCH],
      ['123e4567-e89b-12d3-a456_426614174000', NO_MATCH],
    ]);
  });
  test('toUrl lower-cases and validates', () => {
    assert.equal(c.toUrl('123E4567-E89B-12D3-A456-426614174000'), '123e4567-e89b-12d3-a456-426614174000');
    assert.throws(() => c.toUrl('nope'), RangeError);
    assert.throws(() => c.toUrl(5), RangeError);
  });
});

describe('int (case C02)', () => {
  const c = make(intConverter);
  test('canonical ASCII digits only', () => {
    table(c, [
      ['0', 0], ['7', 7], ['42', 42], [String(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER],
      ['٣', NO_MATCH], ['１', NO_MATCH], ['1_000', NO_MATCH], ['+5', NO_MATCH], ['007', NO_MATCH], ['00', NO_MATCH],
      ['-0', NO_MATCH], ['-5', NO_MATCH], [' 5', NO_MATCH], ['5 ', NO_MATCH], ['1e3', NO_MATCH], ['0x10', NO_MATCH],
      ['1.0', NO_MATCH], ['', NO_MATCH], ['-', NO_MATCH], ['9007199254740992', NO_MATCH], ['99999999999999999', NO_MATCH],
    ]);
  });

  test('5000 digits is rejected by length, fast', () => {
    const long = '9'.repeat(5000);
    const start = process.hrtime.bigint();
    for (let i = 0; i < 1000; i++) assert.equal(c.toValue(long), NO_MATCH);
    assert.ok(Number(process.hrtime.bigint() - start) / 1e6 < 1000, 'a thousand rejections take well under a second');
  });

  test('signed allows a leading "-" but never "-0", "+" or "--"', () => {
    const s = make(intConverter, { signed: true });
    table(s, [['-5', -5], ['5', 5], ['-0', NO_MATCH], ['-05', NO_MATCH], ['+5', NO_MATCH], ['--5', NO_MATCH], [`-${Number.MAX_SAFE_INTEGER}`, -Number.MAX_SAFE_INTEGER]]);
  });

  test('min and max are inclusive', () => {
    const r = make(intConverter, { min: 5, max: 10 });
    table(r, [['4', NO_MATCH], ['5', 5], ['10', 10], ['11', NO_MATCH]]);
  });

  test('fixed_digits requires exactly that many digits, zero padded', () => {
    const f = make(intConverter, { fixed_digits: 3 });
    table(f, [['007', 7], ['042', 42], ['999', 999], ['7', NO_MATCH], ['0007', NO_MATCH], ['000', 0]]);
    assert.equal(f.toUrl(7), '007');
    assert.throws(() => f.toUrl(1234), RangeError);
    const fs = make(intConverter, { fixed_digits: 2, signed: true });
    table(fs, [['-05', -5], ['-00', NO_MATCH], ['-5', NO_MATCH]]);
    assert.equal(fs.toUrl(-5), '-05');
  });

  test('positional arguments bind in Werkzeug order', () => {
    const p = make(intConverter, {}, [2, 1, 50]);
    table(p, [['05', 5], ['00', NO_MATCH], ['51', NO_MATCH]]);
  });

  test('toUrl validates type, sign and range', () => {
    assert.equal(c.toUrl(42), '42');
    assert.equal(c.toUrl(-0), '0');
    assert.equal(c.toUrl('42'), '42');
    assert.throws(() => c.toUrl('042'), RangeError);
    assert.throws(() => c.toUrl(-1), RangeError);
    assert.throws(() => c.toUrl(1.5), RangeError);
    assert.throws(() => c.toUrl(Number.MAX_SAFE_INTEGER + 1), RangeError);
    assert.throws(() => c.toUrl(Infinity), RangeError);
    assert.throws(() => make(intConverter, { max: 3 }).toUrl(4), RangeError);
    assert.throws(() => c.toUrl(null), TypeError);
    assert.equal(make(intConverter, { signed: true }).toUrl(-3), '-3');
  });
});

describe('float (case C02)', () => {
  const c = make(floatConverter);
  test('requires a dot, one canonical spelling, finite', () => {
    table(c, [
      ['1.5', 1.5], ['0.5', 0.5], ['1.0', 1], ['0.1', 0.1], ['123.456', 123.456], ['0.0', 0],
      ['1', NO_MATCH], ['1.', NO_MATCH], ['.5', NO_MATCH], ['01.5', NO_MATCH], ['1.50', NO_MATCH], ['1.00', NO_MATCH],
      ['+1.5', NO_MATCH], ['-1.5', NO_MATCH], ['1e3', NO_MATCH], ['1.5e3', NO_MATCH], ['Infinity', NO_MATCH], ['NaN', NO_MATCH],
      ['١.٥', NO_MATCH], ['1_0.5', NO_MATCH], [' 1.5', NO_MATCH],
      ['0.30000000000000004', 0.30000000000000004], ['0.30000000000000005', NO_MATCH],
      ['1' + '0'.repeat(400) + '.0', NO_MATCH],
      ['1' + '0'.repeat(21) + '.0', 1e21],
      ['0.000001', 0.000001], ['0.0000001', 1e-7],
    ]);
  });

  test('signed: "-" allowed, "-0.0" never', () => {
    const s = make(floatConverter, { signed: true });
    table(s, [['-1.5', -1.5], ['1.5', 1.5], ['-0.0', NO_MATCH], ['--1.5', NO_MATCH]]);
  });

  test('min and max', () => {
    const r = make(floatConverter, { min: 0.5, max: 2 });
    table(r, [['0.4', NO_MATCH], ['0.5', 0.5], ['2.0', 2], ['2.5', NO_MATCH]]);
  });

  test('toUrl writes the canonical spelling', () => {
    assert.equal(c.toUrl(1), '1.0');
    assert.equal(c.toUrl(1.5), '1.5');
    assert.equal(c.toUrl(-0), '0.0');
    assert.equal(c.toUrl(1e21), '1' + '0'.repeat(21) + '.0');
    assert.equal(c.toUrl(1e-7), '0.0000001');
    assert.throws(() => c.toUrl(-1.5), RangeError);
    assert.throws(() => c.toUrl(Infinity), RangeError);
    assert.throws(() => c.toUrl(NaN), RangeError);
    assert.throws(() => c.toUrl('1.50'), RangeError);
    assert.equal(make(floatConverter, { signed: true }).toUrl(-2.25), '-2.25');
  });

  test('every finite double has a canonical spelling that matches back', () => {
    const s = make(floatConverter, { signed: true });
    for (const n of [Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, 5e-324, 1.7976931348623157e308, 123456789.125, 2 ** 53, 1 / 3]) {
      const text = formatFloat(n);
      assert.equal(s.toValue(text), n, text.slice(0, 30));
      assert.equal(s.toUrl(n), text);
    }
  });
});
