// The part / part-header counter that runs before busboy: same verdict whatever the chunking.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RequestEntityTooLarge } from '../../src/errors/http.ts';
import { PartGuard } from '../../src/http/body/part-guard.ts';

const LIMITS = { maxFormParts: 3, maxPartHeaderPairs: 2, maxPartHeaderSize: 64 };

function verdict(chunks: Buffer[]): string {
  const g = new PartGuard('bnd', LIMITS);
  try {
    for (const c of chunks) g.push(c);
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof RequestEntityTooLarge);
    return err.description;
  }
}

function split(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) { out.push(buf.subarray(prev, p)); prev = p; }
  out.push(buf.subarray(prev));
  return out;
}

const part = fc.record({
  headers: fc.integer({ min: 0, max: 3 }),
  wide: fc.boolean(),
  body: fc.constantFrom('', 'x', '\r\n', '--bnd', '\r\n--bn', 'a\r\n--bndx'),
});
const body = fc.tuple(fc.constantFrom('', 'preamble\r\n'), fc.array(part, { maxLength: 5 }), fc.boolean()).map(([pre, parts, close]) => {
  let s = pre;
  for (const p of parts) {
    s += '--bnd\r\n';
    for (let i = 0; i < p.headers; i++) s += `X-${i}: ${p.wide ? 'w'.repeat(40) : '1'}\r\n`;
    s += `\r\n${p.body}\r\n`;
  }
  if (close) s += '--bnd--\r\nepilogue --bnd\r\n';
  return Buffer.from(s, 'latin1');
});

test('property: the verdict does not depend on how the body is chunked', () => {
  fc.assert(fc.property(body, fc.array(fc.nat(), { maxLength: 8 }), (buf, cuts) => {
    const whole = verdict([buf]);
    assert.equal(verdict(split(buf, cuts)), whole);
    assert.equal(verdict(Array.from(buf, (b) => Buffer.from([b]))), whole);
  }), { numRuns: 1500 });
});

test('counts parts, header lines and header bytes', () => {
  const parts = (n: number, headers = 1): Buffer => Buffer.from(
    Array.from({ length: n }, () => '--bnd\r\n' + 'X-A: 1\r\n'.repeat(headers) + '\r\nv\r\n').join('') + '--bnd--\r\n', 'latin1');
  assert.equal(verdict([parts(3)]), 'ok');
  assert.match(verdict([parts(4)]), /more than 3 parts/);
  assert.equal(verdict([parts(1, 2)]), 'ok');
  assert.match(verdict([parts(1, 3)]), /more than 2 header lines/);
  assert.match(verdict([Buffer.from(`--bnd\r\nX: ${'a'.repeat(70)}\r\n\r\n\r\n--bnd--`)]), /more than 64 bytes/);
  // Delimiter look-alikes in part bodies, and anything after the close delimiter, are not parts.
  assert.equal(verdict([Buffer.from('--bnd\r\n\r\n--bndx --bnd\r\n\r\n--bnd--\r\n--bnd\r\n\r\n--bnd\r\n\r\n--bnd\r\n\r\n')]), 'ok');
});
