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

test('field text is checked as UTF-8 with the same verdict whatever the chunking; file bytes never are', () => {
  const limits = { maxFormParts: 10, maxPartHeaderPairs: 4, maxPartHeaderSize: 512 };
  const body = (field: Buffer, file: Buffer): Buffer => Buffer.concat([
    Buffer.from('--bnd\r\nContent-Disposition: form-data; name="t"\r\n\r\n'), field,
    Buffer.from('\r\n--bnd\r\nContent-Disposition: form-data; name="f"; filename="a.bin"\r\n\r\n'), file,
    Buffer.from('\r\n--bnd--\r\n'),
  ]);
  const run = (chunks: Buffer[]): string => {
    const g = new PartGuard('bnd', limits);
    try { for (const c of chunks) g.push(c); return 'ok'; } catch (err) { return (err as Error).message; }
  };
  const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 8 }), fc.constantFrom('é€', '𝄞', '--bnd', '\r\n--bn'));
  const bytes = fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a));
  fc.assert(fc.property(text, bytes, fc.array(fc.nat(), { maxLength: 6 }), (t, file, cuts) => {
    const field = Buffer.from(t, 'utf8');
    if (field.includes('\r\n--bnd')) return;
    const whole = body(field, Buffer.concat([file, Buffer.from([0xff])]));
    assert.equal(run(split(whole, cuts)), 'ok', 'valid text, binary file');
  }));
  fc.assert(fc.property(bytes, fc.array(fc.nat(), { maxLength: 6 }), (prefix, cuts) => {
    const whole = body(Buffer.concat([prefix.filter((b) => b < 0x80 && b !== 0x0d), Buffer.from([0xe2, 0x82])]), Buffer.alloc(0));
    assert.equal(run(split(whole, cuts)), 'A multipart form field is not valid UTF-8.', 'a truncated sequence at the end of a field');
  }));
});
