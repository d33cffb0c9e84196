import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RuleError, parseRule } from '../../src/routing/rule.ts';
import type { RulePart, VariablePart } from '../../src/routing/rule.ts';
import { parseConverterArgs } from '../../src/routing/args.ts';

/** The parts of each segment as compact strings: "text" or <conv:name>. */
function shape(rule: string): string[][] {
  return parseRule(rule).segments.map((s) => s.parts.map(show));
}
function show(p: RulePart): string {
  return p.kind === 'static' ? JSON.stringify(p.text) : `<${p.converterName}:${p.name}>`;
}
function variable(rule: string, index = 0): VariablePart {
  const vars = parseRule(rule).segments.flatMap((s) => s.parts).filter((p): p is VariablePart => p.kind === 'variable');
  return vars[index]!;
}

describe('parseRule: syntax', () => {
  test('static, typed and default variables', () => {
    assert.deepEqual(shape('/users/<int:id>'), [['"users"'], ['<int:id>']]);
    assert.deepEqual(shape('/files/<path:name>'), [['"files"'], ['<path:name>']]);
    assert.deepEqual(shape('/<name>'), [['<string:name>']]);
    assert.deepEqual(shape('/u/<uuid:uid>'), [['"u"'], ['<uuid:uid>']]);
  });

  test('root, trailing slash and variables list', () => {
    const root = parseRule('/');
    assert.deepEqual(root.segments, []);
    assert.equal(root.trailingSlash, false);
    const items = parseRule('/items/');
    assert.equal(items.trailingSlash, true);
    assert.equal(items.segments.length, 1);
    assert.equal(parseRule('/items').trailingSlash, false);
    assert.deepEqual(parseRule('/a/<x>/b/<int:y>/').variables, ['x', 'y']);
  });

  test('several variables in one segment with static text between them', () => {
    assert.deepEqual(shape('/<a>-<b>'), [['<string:a>', '"-"', '<string:b>']]);
    assert.deepEqual(shape('/v<int:n>.<fmt>'), [['"v"', '<int:n>', '"."', '<string:fmt>']]);
    assert.deepEqual(shape('/<a>-<b>-<c>.json'), [['<string:a>', '"-"', '<string:b>', '"-"', '<string:c>', '".json"']]);
  });

  test('converter arguments: keyword, positional, quoted items with commas', () => {
    const s = variable('/s/<string(minlength=2,maxlength=8):code>');
    assert.deepEqual(s.args.positional, []);
    assert.deepEqual({ ...s.args.keyword }, { minlength: 2, maxlength: 8 });
    const a = variable('/<any(about, help, "foo,bar", \'x)y\'):page>');
    assert.deepEqual(a.args.positional, ['about', 'help', 'foo,bar', 'x)y']);
    assert.equal(a.name, 'page');
    const f = variable('/p/<float(signed=true):x>');
    assert.deepEqual({ ...f.args.keyword }, { signed: true });
  });

  test('quoted converter arguments may hold ")", ":" and ">" without ending the variable', () => {
    const parsed = parseRule('/<any("a)b", "c:d", "e>f"):x>/end');
    assert.equal(parsed.segments.length, 2);
    assert.deepEqual(variable('/<any("a)b", "c:d", "e>f"):x>/end').args.positional, ['a)b', 'c:d', 'e>f']);
    // A "/" is read as part of the item (not a segment break), and then refused: it never matches.
    assert.throws(() => parseRule('/<any("a/b", c):x>'), /item "a\/b" is not valid segment text/);
  });

  test('equal arguments give equal argsKey whatever the keyword order', () => {
    assert.equal(variable('/<int(min=1, max=5):a>').argsKey, variable('/<int(max=5,min=1):a>').argsKey);
    assert.notEqual(variable('/<int(min=1):a>').argsKey, variable('/<int(min=2):a>').argsKey);
  });
});

describe('parseConverterArgs: Python literals', () => {
  test('values', () => {
    const { positional, keyword } = parseConverterArgs(
      `1, -5, 2.5, 3., .5, 1e3, True, true, False, false, None, "q", 'r', u"u", r"a\\b", word, index.html, k=1`,
    );
    assert.deepEqual(positional, [1, -5, 2.5, 3, 0.5, 1000, true, true, false, false, null, 'q', 'r', 'u', 'a\\b', 'word', 'index.html']);
    assert.deepEqual({ ...keyword }, { k: 1 });
    assert.equal(Object.getPrototypeOf(keyword), null);
  });

  test('escapes in quoted strings and a trailing comma', () => {
    assert.deepEqual(parseConverterArgs(`"a\\"b", 'c\\'d', "e\\\\f",`).positional, ['a"b', "c'd", 'e\\f']);
  });

  test('empty arguments', () => {
    assert.deepEqual(parseConverterArgs('').positional, []);
    assert.deepEqual(parseConverterArgs('  ').positional, []);
  });

  for (const [text, pattern] of [
    ['a=1, 2', /positional argument follows a keyword/],
    ['a=1, a=2', /repeated/],
    ['"open', /unterminated/],
    ['1 2', /expected ","/],
    ['about-us', /expected ","|cannot read/],
    ['99999999999999999999', /safe integer/],
    ['1e999', /not finite/],
    ['@', /expected a value/],
    ['1a', /cannot read/],
    [',', /expected a value/],
  ] as const) {
    test(`rejects ${JSON.stringify(text)}`, () => {
      assert.throws(() => parseConverterArgs(text), pattern);
    });
  }
});

describe('parseRule: errors are RuleError naming the rule', () => {
  const cases: Array<[string, RegExp]> = [
    ['users', /must start with "\/"/],
    ['', /must start with "\/"/],
    ['/a//b', /empty segment/],
    ['/a/../b', /never match/],
    ['/./b', /never match/],
    ['/<>', /bad variable/],
    ['/<1a>', /bad variable/],
    ['/<int:>', /bad variable/],
    ['/<int id>', /bad variable/],
    ['/<int:id', /bad variable/],
    ['/<int(min=1:id>', /unclosed/],
    ['/<int(min=1)id>', /bad variable/],
    ['/a>b', /unexpected ">"/],
    ['/<nope:x>', /unknown converter "nope"/],
    ['/<int(min=5, max=2):x>', /min \(5\) is greater than max \(2\)/],
    ['/<int(bogus=1):x>', /unexpected argument "bogus"/],
    ['/<int(1, 2, 3, 4, 5):x>', /at most 4 positional/],
    ['/<int(signed=1):x>', /signed\) must be true or false/],
    ['/<int(fixed_digits=-1):x>', /non-negative/],
    ['/<string(length=2, minlength=1):x>', /cannot be combined/],
    ['/<string(minlength=3, maxlength=2):x>', /less than minlength/],
    ['/<float(min=2.5, max=1):x>', /greater than max/],
    ['/<any():x>', /at least one item/],
    ['/<any(a, a):x>', /repeated/],
    ['/<any(x=1):x>', /only positional/],
    ['/<any(True):x>', /must be strings/],
    ['/<path(1):x>', /at most 0 positional/],
    ['/<int(a=1, 2):x>', /positional argument follows/],
    ['/<x>/<x>', /appears twice/],
    ['/<a><b>', /static text between them/],
    ['/x<a><b>y', /static text between them/],
    ['/<__proto__>', /__proto__/],
    ['/a/<path:p>/<path:q>', /only one path variable/],
    ['/a/x<path:p>', /fill its whole segment/],
    ['/a\\b', /backslash/],
    ['/a\0b', /NUL/],
  ];
  for (const [rule, message] of cases) {
    test(JSON.stringify(rule), () => {
      assert.throws(
        () => parseRule(rule),
        (err: unknown) => {
          assert.ok(err instanceof RuleError, `expected RuleError, got ${String(err)}`);
          assert.equal(err.name, 'RuleError');
          assert.equal(err.rule, rule);
          assert.ok(err.message.includes(JSON.stringify(rule)), `message names the rule: ${err.message}`);
          assert.match(err.message, message);
          return true;
        },
      );
    });
  }

  test('a converter argument error keeps its cause', () => {
    try {
      parseRule('/<int(min=5, max=2):x>');
      assert.fail('expected a RuleError');
    } catch (err) {
      assert.ok(err instanceof RuleError);
      assert.ok(err.cause instanceof Error);
    }
  });

  test('a custom factory that returns something else is rejected', () => {
    const converters = new Map([['bad', () => ({ toValue: 1 }) as never]]);
    assert.throws(() => parseRule('/<bad:x>', converters), /did not return \{ toValue, toUrl \}/);
  });
});
