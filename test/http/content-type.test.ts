// The media-type parser (RFC 9110 §8.3.1), case C23 at parser level, and its properties.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { UnsupportedMediaType } from '../../src/errors/http.ts';
import { formatMediaType, isJson, isMultipart, isUrlEncoded, matchesMediaRange, parseMediaType, type MediaType } from '../../src/http/content-type.ts';

function parsed(v: string): { essence: string; params: Record<string, string> } {
  const mt = parseMediaType(v);
  assert.ok(mt, v);
  return { essence: mt.essence, params: Object.fromEntries(mt.params) };
}

function refuses(v: string): void {
  assert.throws(() => parseMediaType(v), (err: unknown) => {
    assert.ok(err instanceof UnsupportedMediaType, `${JSON.stringify(v)} → ${String(err)}`);
    assert.equal(err.code, 415);
    assert.equal(err.description, 'The Content-Type header is not a valid media type.');
    return true;
  }, JSON.stringify(v));
}

describe('parseMediaType (case C23)', () => {
  it('refuses every malformed variant of the case with 415', () => {
    for (const v of [
      'application/json\tfoo', 'application/json garbage', 'constructor', '__proto__', 'toString',
      'application/json;\tcharset=utf-8 x', 'application /json', 'application/ json', 'application\t/json',
      'application/json/x', 'application/', '/json', 'application', 'application/json;charset',
      'application/json;charset=', 'application/json;charset = utf-8', 'application/json;=utf-8',
      'application/json;charset="utf-8', 'application/json;charset="a\\', 'application/json;charset=utf-8;charset=latin1',
      'application/json;CHARSET=a;charset=b', 'appl(ication/json', 'application/js{on', 'application/json;a=b c',
      'application/json,text/html', 'application/json\u0000', 'application/jsön', 'application/json;a="\u0001"',
      'application/json;a="\u0100"', 'text/plain;a="x"y',
    ]) refuses(v);
  });

  it('reads the valid variants as application/json with their parameters', () => {
    for (const v of [
      'application/json', 'Application/JSON', 'APPLICATION/json', ' application/json ', '\tapplication/json',
      'application/json ;charset=utf-8', 'application/json; charset=utf-8', 'application/json;charset=utf-8',
      'application/json\t;\tcharset=utf-8', 'application/json;charset="utf-8"', 'application/json; CHARSET=utf-8',
      'application/json;', 'application/json; ;charset=utf-8;',
    ]) {
      const p = parsed(v);
      assert.equal(p.essence, 'application/json', v);
      if (v.toLowerCase().includes('charset')) assert.deepEqual(p.params, { charset: 'utf-8' }, v);
      else assert.deepEqual(p.params, {}, v);
      assert.ok(isJson(parseMediaType(v)), v);
    }
  });

  it('treats absent and blank headers as no media type', () => {
    assert.equal(parseMediaType(undefined), undefined);
    assert.equal(parseMediaType(''), undefined);
    assert.equal(parseMediaType(' \t '), undefined);
  });

  it('unescapes quoted strings and keeps parameter value case', () => {
    assert.deepEqual(parsed('multipart/form-data; boundary="a \\"b\\" \\\\c"').params, { boundary: 'a "b" \\c' });
    assert.deepEqual(parsed('text/plain; Charset=UTF-8; format=Flowed').params, { charset: 'UTF-8', format: 'Flowed' });
    assert.deepEqual(parsed('text/plain; a=""').params, { a: '' });
  });

  it('classifies JSON, urlencoded and multipart by the normalised essence only', () => {
    assert.ok(isJson(parseMediaType('application/problem+json')));
    assert.ok(isJson(parseMediaType('Application/Vnd.API+JSON; x=1')));
    assert.ok(!isJson(parseMediaType('application/+json')));
    assert.ok(!isJson(parseMediaType('application/jsonx')));
    assert.ok(!isJson(parseMediaType('text/json-seq')));
    assert.ok(!isJson(undefined));
    assert.ok(isUrlEncoded(parseMediaType('Application/X-WWW-Form-URLEncoded ; charset=utf-8')));
    assert.ok(isMultipart(parseMediaType('multipart/form-data; boundary=x')));
    assert.ok(!isMultipart(parseMediaType('multipart/mixed; boundary=x')));
  });

  it('gives an object with no inherited surprises', () => {
    const mt = parseMediaType('text/plain; constructor=x; __proto__=y')!;
    assert.equal(mt.params.get('__proto__'), 'y');
    assert.equal(mt.params.get('constructor'), 'x');
    assert.equal(mt.params.get('toString'), undefined);
    assert.ok(Object.isFrozen(mt));
  });
});

const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const token = fc.string({ unit: fc.constantFrom(...TCHARS), minLength: 1, maxLength: 10 });
const qdChars = fc.string({ unit: fc.constantFrom(...' \t!"#\\abcXYZ09;=,/()é\u00ff'.split('')), maxLength: 12 });
const ows = fc.constantFrom('', ' ', '\t', '  ', ' \t');

describe('parseMediaType properties', () => {
  it('round trip: a generated valid type, written with any case and whitespace, parses back', () => {
    fc.assert(fc.property(
      token, token, fc.uniqueArray(fc.tuple(token, qdChars), { selector: ([n]) => n.toLowerCase(), maxLength: 4 }), ows, fc.boolean(),
      (type, subtype, params, space, quoteAll) => {
        let text = `${type}/${subtype}`;
        for (const [n, v] of params) {
          const isTok = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(v);
          const value = isTok && !quoteAll ? v : `"${v.replace(/["\\]/g, '\\$&')}"`;
          text += `${space};${space}${n}=${value}`;
        }
        const mt = parseMediaType(`${space}${text}${space}`) as MediaType;
        assert.equal(mt.type, type.toLowerCase());
        assert.equal(mt.subtype, subtype.toLowerCase());
        assert.equal(mt.essence, `${type}/${subtype}`.toLowerCase());
        assert.deepEqual([...mt.params], params.map(([n, v]) => [n.toLowerCase(), v]));
        const again = parseMediaType(formatMediaType(mt)) as MediaType;
        assert.equal(again.essence, mt.essence);
        assert.deepEqual([...again.params], [...mt.params]);
      },
    ), { numRuns: 500 });
  });

  it('random strings never crash: a MediaType or a 415, nothing else', () => {
    fc.assert(fc.property(fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit: fc.constantFrom(...'a/;="\\ \t+j_-'.split('')), maxLength: 30 }),
    ), (s) => {
      try {
        const mt = parseMediaType(s);
        if (mt !== undefined) {
          assert.match(mt.essence, /^[!#$%&'*+\-.^_`|~0-9a-z]+\/[!#$%&'*+\-.^_`|~0-9a-z]+$/);
          assert.ok(mt.params instanceof Map);
        }
      } catch (err) {
        assert.ok(err instanceof UnsupportedMediaType, String(err));
      }
    }), { numRuns: 2000 });
  });

  it('is linear: a 16 KiB header of parameters parses in well under 50 ms', () => {
    const long = 'text/plain' + '; a=b'.repeat(3000).replace(/a=b/g, (_, i: number) => `p${i}=v`);
    const t0 = performance.now();
    const mt = parseMediaType(long)!;
    assert.ok(performance.now() - t0 < 50);
    assert.equal(mt.params.size, 3000);
  });

  it('one JSON definition: the JSON accepts patterns match exactly the types isJson reads (RFC 6839)', () => {
    const jsonPatterns = ['application/json', '*/*+json'];
    fc.assert(fc.property(
      fc.constantFrom('application', 'text', 'image', 'x'),
      fc.constantFrom('json', '+json', 'a+json', 'vnd.api+json', 'jsonx', 'x-json', 'json+xml', 'problem+json', 'a+jsonx'),
      (type, subtype) => {
        const mt = parseMediaType(`${type}/${subtype}`)!;
        assert.equal(jsonPatterns.some((p) => matchesMediaRange(mt, p)), isJson(mt), mt.essence);
      },
    ));
    assert.equal(isJson(parseMediaType('text/json')), false);
    assert.equal(matchesMediaRange(parseMediaType('text/json')!, '*/*+json'), false);
    assert.equal(matchesMediaRange(parseMediaType('application/soap+xml')!, 'application/*+xml'), true);
    assert.equal(matchesMediaRange(parseMediaType('application/xml')!, 'application/*+xml'), false);
  });
});
